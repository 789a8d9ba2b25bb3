"""The Activity report."""

from __future__ import annotations

import datetime as dt
import statistics
from collections import Counter, defaultdict
from typing import Any

from django.db.models import (
    Count,
    FloatField,
    Func,
    Q,
    QuerySet,
    Sum,
)

from linkwell.cases.models import DischargeReason, Episode

from .revolving import revolving_door_sections
from .scope import (
    SOURCE_LABELS,
    Report,
    ReportFilters,
    Scope,
    Section,
    _audit_report,
    _count,
    _day_start,
    _pct,
    _team_filter_q,
    episodes_in_scope,
    london_month,
    plain_rows,
    referrals_in_scope,
    report_scope,
)

# ---------------------------------------------------------------------------------------------
# Activity

GROUPS_NOTE = (
    "Groups are counted for the sessions dated in the period, in the teams and services chosen."
)
GROUPS_FILTER_NOTE = (
    "The referral source and demographic filters narrow referrals, episodes and sessions, but "
    "not groups: a group's fill rate is about its places, whoever took them."
)


class DaysBetween(Func):
    """Days (with fractions) from the first datetime to the second, computed by the database so
    rows never come back to Python as datetimes."""

    arity = 2
    output_field = FloatField()
    # PostgreSQL: end - start is an interval; its length in seconds over a day's.
    template = "CAST(EXTRACT(EPOCH FROM (%(expressions)s)) / 86400.0 AS double precision)"
    arg_joiner = " - "

    def __init__(self, start: str, end: str) -> None:
        super().__init__(end, start)

    def as_sqlite(self, compiler: Any, connection: Any, **extra_context: Any) -> Any:
        return self.as_sql(
            compiler,
            connection,
            template="(julianday(%(expressions)s))",
            arg_joiner=") - julianday(",
            **extra_context,
        )


def activity_report(*, user: Any, filters: ReportFilters) -> Report:
    scope = report_scope(user)
    referrals = referrals_in_scope(scope=scope, filters=filters)
    months: dict[str, Counter[str]] = defaultdict(Counter)
    totals: Counter[str] = Counter()
    for row in (
        referrals.annotate(month=london_month("created_at", referrals, "created_at"))
        .values("month", "source")
        .annotate(n=Count("id"))
        .order_by()
    ):
        months[row["month"]][row["source"]] += row["n"]
        totals[row["source"]] += row["n"]
    sources = [s for s in SOURCE_LABELS if totals[s]]
    month_rows = [
        [m]
        + [_count(scope, months[m][s]) for s in sources]
        + [_count(scope, sum(months[m].values()))]
        for m in sorted(months)
    ]
    source_rows = [[SOURCE_LABELS[s], _count(scope, totals[s])] for s in sources]
    sections = [
        Section(
            "Referrals by source",
            ["Referral source", "Referrals"],
            source_rows,
            chart=[(r[0], r[1]) for r in source_rows],
            chart_title="Referrals by source",
        ),
        Section(
            "Referrals by month and source",
            ["Month"] + [SOURCE_LABELS[s] for s in sources] + ["All"],
            month_rows,
        ),
    ]

    episodes = episodes_in_scope(scope=scope, filters=filters)
    # Only the waits come back, one float per episode, straight from the cursor; Python sorts
    # them faster than SQLite does.
    # Rounded to 1e-8 of a day (under a millisecond, SQLite's julianday precision), so a wait of
    # exactly 7 days is 7.0 and not 7.000000001 on one database and 6.999999999 on another.
    waits = sorted(
        round(wait, 8)
        for (wait,) in plain_rows(
            episodes.filter(referral__isnull=False, first_contact_at__isnull=False)
            .annotate(wait=DaysBetween("referral__created_at", "first_contact_at"))
            .filter(wait__gte=0)
            .order_by()
            .values_list("wait")
        )
    )
    wait_rows: list[list[Any]] = [["Episodes with a first contact", _count(scope, len(waits))]]
    if waits and (not scope.suppressed or len(waits) >= 5):
        ordered = waits
        wait_rows += [
            ["Median days from referral to first contact", round(statistics.median(ordered), 1)],
            ["Mean days", round(statistics.fmean(ordered), 1)],
            ["90th percentile days", round(ordered[int(0.9 * (len(ordered) - 1))], 1)],
            ["Share contacted within 7 days (%)", _pct(sum(w <= 7 for w in waits), len(waits))],
        ]
    sections.append(Section("Time from referral to first contact", ["Measure", "Value"], wait_rows))

    status_counts = {r["status"]: r["n"] for r in episodes.values("status").annotate(n=Count("id"))}
    sections.append(
        Section(
            "Episodes by status",
            ["Status", "Episodes"],
            [[k.capitalize(), _count(scope, v)] for k, v in sorted(status_counts.items())],
        )
    )
    reasons = dict(DischargeReason.choices)
    reason_rows = [
        [reasons.get(r["discharge_reason"], r["discharge_reason"]), _count(scope, r["n"])]
        for r in episodes.exclude(discharge_reason="")
        .values("discharge_reason")
        .annotate(n=Count("id"))
        .order_by("-n")
    ]
    sections.append(
        Section(
            "Reasons support ended",
            ["Reason", "Episodes"],
            reason_rows,
            chart=[(r[0], r[1]) for r in reason_rows],
            chart_title="Reasons support ended",
        )
    )
    sections += _session_sections(scope, episodes)
    sections += revolving_door_sections(scope, filters)
    sections.append(_group_section(scope, filters))
    notes = [GROUPS_NOTE]
    if (
        any(
            (filters.source, filters.ethnic_group, filters.age_band, filters.sex),
        )
        or filters.deprivation_decile
    ):
        notes.append(GROUPS_FILTER_NOTE)
    _audit_report(user, "activity", filters)
    return Report("activity", "Activity", filters, scope.suppressed, sections, notes)


def _group_section(scope: Scope, filters: ReportFilters) -> Section:
    """Per programme: sessions in the period, places, places taken, fill rate and waiting list.

    Two grouped queries (sessions, then bookings), so capacity is never summed once per booking.
    """
    from linkwell.groups.models import PLACE_HOLDING, Booking, BookingStatus, GroupSession

    sessions = GroupSession.objects.filter(scope.team_q_prefixed("programme__"))
    sessions = sessions.filter(_team_filter_q(filters, "programme__"))
    if filters.date_from:
        sessions = sessions.filter(starts_at__gte=_day_start(filters.date_from))
    if filters.date_to:
        sessions = sessions.filter(starts_at__lt=_day_start(filters.date_to + dt.timedelta(days=1)))
    per_programme = {
        r["programme_id"]: r
        for r in sessions.values("programme_id", "programme__name")
        .annotate(sessions=Count("id"), places=Sum("capacity"))
        .order_by()
    }
    taken: dict[int, tuple[int, int]] = {
        r["session__programme_id"]: (r["taken"], r["waiting"])
        for r in Booking.objects.filter(session__in=sessions.values("id"))
        .values("session__programme_id")
        .annotate(
            taken=Count("id", filter=Q(status__in=PLACE_HOLDING)),
            waiting=Count("id", filter=Q(status=BookingStatus.WAITING)),
        )
        .order_by()
    }
    rows: list[list[Any]] = []
    totals = [0, 0, 0, 0]
    for pid, r in sorted(per_programme.items(), key=lambda kv: (kv[1]["programme__name"], kv[0])):
        booked, waiting = taken.get(pid, (0, 0))
        rows.append(
            _group_row(scope, r["programme__name"], r["sessions"], r["places"], booked, waiting)
        )
        for i, v in enumerate((r["sessions"], r["places"], booked, waiting)):
            totals[i] += v
    if len(rows) > 1:
        rows.append(_group_row(scope, "All programmes", *totals))
    return Section(
        "Groups: fill rates and waiting lists",
        [
            "Programme",
            "Sessions",
            "Places",
            "Places taken",
            "Fill rate (%)",
            "On waiting lists",
        ],
        rows,
        note=(
            "Sessions dated in the period, held or still to come. A place is taken by a booking "
            "or by a freed place offered to the next person on the waiting list."
        ),
        chart=[(r[0], r[4]) for r in rows if r[0] != "All programmes"],
        chart_title="Fill rate of group sessions (%)",
    )


def _group_row(
    scope: Scope, name: str, sessions: int, places: int, booked: int, waiting: int
) -> list[Any]:
    hidden = scope.suppressed and 0 < booked < 5
    return [
        name,
        sessions,
        places,
        _count(scope, booked),
        None if hidden else _pct(booked, places),
        _count(scope, waiting),
    ]


def _session_sections(scope: Scope, episodes: QuerySet[Episode]) -> list[Section]:
    """DNA rate, attended sessions per episode and delivery mode mix, from appointments."""
    from linkwell.sessions.models import Appointment, DeliveryMode
    from linkwell.sessions.models import Outcome as SessionOutcome

    appts = Appointment.objects.filter(episode__in=episodes)
    by_outcome = {r["outcome"]: r["n"] for r in appts.values("outcome").annotate(n=Count("id"))}
    attended = by_outcome.get(SessionOutcome.ATTENDED, 0)
    dna = by_outcome.get(SessionOutcome.DID_NOT_ATTEND, 0)
    labels = dict(SessionOutcome.choices)
    outcome_rows: list[list[Any]] = [
        [labels.get(k, k), _count(scope, v)] for k, v in sorted(by_outcome.items())
    ]
    hidden = scope.suppressed and 0 < dna < 5
    outcome_rows.append(
        [
            "Did not attend rate (% of attended or missed)",
            None if hidden else _pct(dna, attended + dna),
        ]
    )
    per_episode = [
        r["n"]
        for r in appts.filter(outcome=SessionOutcome.ATTENDED)
        .values("episode_id")
        .annotate(n=Count("id"))
        .order_by()
    ]
    per_rows: list[list[Any]] = [
        ["Episodes with an attended session", _count(scope, len(per_episode))]
    ]
    if per_episode and (not scope.suppressed or len(per_episode) >= 5):
        per_rows += [
            ["Mean attended sessions per episode", round(statistics.fmean(per_episode), 1)],
            ["Median", statistics.median(per_episode)],
        ]
    modes = dict(DeliveryMode.choices)
    mode_rows = [
        [modes.get(r["mode"], r["mode"]), _count(scope, r["n"])]
        for r in appts.filter(outcome=SessionOutcome.ATTENDED)
        .values("mode")
        .annotate(n=Count("id"))
        .order_by("-n")
    ]
    return [
        Section("Sessions and missed appointments", ["Session outcome", "Sessions"], outcome_rows),
        Section("Sessions per episode", ["Measure", "Value"], per_rows),
        Section(
            "Delivery mode of attended sessions",
            ["Mode", "Sessions"],
            mode_rows,
            chart=[(r[0], r[1]) for r in mode_rows],
            chart_title="Attended sessions by delivery mode",
        ),
    ]
