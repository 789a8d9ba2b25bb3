"""The Activity report."""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from typing import Any

from django.db.models import Count, QuerySet
from django.db.models.functions import TruncMonth

from linkwell.cases.models import DischargeReason, Episode

from .revolving import revolving_door_sections
from .scope import (
    ABSENT_ACTIVITY,
    LONDON,
    SOURCE_LABELS,
    Report,
    ReportFilters,
    Scope,
    Section,
    _audit_report,
    _count,
    _pct,
    episodes_in_scope,
    referrals_in_scope,
    report_scope,
)

# ---------------------------------------------------------------------------------------------
# Activity


def activity_report(*, user: Any, filters: ReportFilters) -> Report:
    scope = report_scope(user)
    referrals = referrals_in_scope(scope=scope, filters=filters)
    by_month_source = (
        referrals.annotate(month=TruncMonth("created_at", tzinfo=LONDON))
        .values("month", "source")
        .annotate(n=Count("id"))
        .order_by("month", "source")
    )
    months: dict[str, Counter[str]] = defaultdict(Counter)
    totals: Counter[str] = Counter()
    for row in by_month_source:
        label = row["month"].astimezone(LONDON).strftime("%Y-%m")
        months[label][row["source"]] += row["n"]
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
    pairs = episodes.filter(referral__isnull=False, first_contact_at__isnull=False).values_list(
        "referral__created_at", "first_contact_at"
    )
    waits = [(first - ref).total_seconds() / 86400 for ref, first in pairs if ref and first]
    waits = [w for w in waits if w >= 0]
    wait_rows: list[list[Any]] = [["Episodes with a first contact", _count(scope, len(waits))]]
    if waits and (not scope.suppressed or len(waits) >= 5):
        ordered = sorted(waits)
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
    _audit_report(user, "activity", filters)
    return Report("activity", "Activity", filters, scope.suppressed, sections, [ABSENT_ACTIVITY])


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
