"""Aggregate reports: Activity, Equity and Outcomes, and the commissioner's pseudonymised extract.

Access: supervisors see their own team, an organisation's administrators its teams, commissioners
every team but with counts under 5 shown as "<5" and no identifiers anywhere. Everyone else is
refused (Forbidden). Each report read writes one audit row (action "read", object "report").

A report is a list of sections, each a table (headers and rows) with an optional bar chart: the
same structure is rendered as a page, CSV, XLSX, PDF and JSON.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncMonth
from django.utils import timezone

from linkwell.accounts.models import Organisation, Role, Team
from linkwell.audit.services import audit_log
from linkwell.cases.models import DischargeReason, Episode
from linkwell.common.errors import Forbidden
from linkwell.outcomes.change import RELIABLE_CHANGE, meaningful_change_thresholds
from linkwell.outcomes.models import QuestionnaireResponse
from linkwell.people.models import Sex
from linkwell.referrals.models import Referral, ReferralSource

from .models import Dimension, PopulationBaseline
from .stats import SUPPRESSED, compare_cohorts, paired_summary, suppress

LONDON = ZoneInfo("Europe/London")
REPORT_ROLES = (Role.SUPERVISOR, Role.ADMIN, Role.COMMISSIONER)
# Scored measures compared before and after; ONS4 has four separate items and no single score.
PAIRED_MEASURES = {
    "swemwbs": "SWEMWBS",
    "wemwbs": "WEMWBS",
    "phq9": "PHQ-9",
    "gad7": "GAD-7",
}
LOWER_IS_BETTER = frozenset({"phq9", "gad7"})
AGE_BANDS: list[tuple[str, int, int | None]] = [
    ("0-17", 0, 17),
    ("18-24", 18, 24),
    ("25-34", 25, 34),
    ("35-44", 35, 44),
    ("45-54", 45, 54),
    ("55-64", 55, 64),
    ("65-74", 65, 74),
    ("75+", 75, None),
]
AGE_UNKNOWN = "unknown"
ETHNIC_GROUPS: dict[str, str] = {
    "white": "White",
    "mixed": "Mixed or multiple ethnic groups",
    "asian": "Asian or Asian British",
    "black": "Black or Black British",
    "other": "Other ethnic group",
    "not_stated": "Not stated or not known",
}
_ETHNIC_CODE_GROUP = {
    **dict.fromkeys("ABC", "white"),
    **dict.fromkeys("DEFG", "mixed"),
    **dict.fromkeys("HJKL", "asian"),
    **dict.fromkeys("MNP", "black"),
    **dict.fromkeys("RS", "other"),
    "Z": "not_stated",
    "99": "not_stated",
}
DECILES = [str(n) for n in range(1, 11)] + [AGE_UNKNOWN]
SOURCE_LABELS = dict(ReferralSource.choices)
ABSENT_ACTIVITY = (
    "Not shown because Linkwell does not record them yet: missed appointments (DNA rates), "
    "sessions per episode, delivery mode of sessions, and groups' fill rates and waiting lists."
)


def ethnic_group(code: str) -> str:
    return _ETHNIC_CODE_GROUP.get(code, "not_stated")


def age_band(date_of_birth: dt.date | None, on: dt.date) -> str:
    if date_of_birth is None:
        return AGE_UNKNOWN
    age = (
        on.year
        - date_of_birth.year
        - ((on.month, on.day) < (date_of_birth.month, date_of_birth.day))
    )
    for label, low, high in AGE_BANDS:
        if age >= low and (high is None or age <= high):
            return label
    return AGE_UNKNOWN


# ---------------------------------------------------------------------------------------------
# Scope and filters


@dataclass(frozen=True)
class Scope:
    """The teams a user may report on, and whether small counts must be suppressed."""

    team_q: Q
    suppressed: bool
    organisation_ids: tuple[int, ...] | None  # None: every organisation (commissioners)


def report_scope(user: Any) -> Scope:
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        raise Forbidden("Sign in to see reports.")
    if user.role == Role.COMMISSIONER:
        return Scope(Q(), True, None)
    if user.role == Role.SUPERVISOR and user.team_id is not None:
        team = Team.objects.get(pk=user.team_id)
        return Scope(Q(team_id=user.team_id), False, (team.organisation_id,))
    if user.role == Role.ADMIN and user.organisation_id is not None:
        return Scope(Q(team__organisation_id=user.organisation_id), False, (user.organisation_id,))
    raise Forbidden("Reports are for supervisors, administrators and commissioners.")


@dataclass(frozen=True)
class ReportFilters:
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    team: UUID | None = None
    service: UUID | None = None  # the social prescribing organisation
    source: str = ""
    ethnic_group: str = ""
    age_band: str = ""
    sex: str = ""
    deprivation_decile: int | None = None

    def as_dict(self) -> dict[str, str]:
        return {k: str(v) for k, v in self.__dict__.items() if v not in (None, "")}


def parse_filters(data: Mapping[str, Any]) -> ReportFilters:
    """Read filters from a query string; anything malformed is a ValidationError naming it."""
    errors: dict[str, str] = {}

    def text(name: str) -> str:
        value = data.get(name) or ""
        return str(value).strip()

    def date(name: str) -> dt.date | None:
        raw = text(name)
        if not raw:
            return None
        try:
            return dt.date.fromisoformat(raw)
        except ValueError:
            errors[name] = "Enter a date like 2026-04-01."
            return None

    def uuid(name: str) -> UUID | None:
        raw = text(name)
        if not raw:
            return None
        try:
            return UUID(raw)
        except ValueError:
            errors[name] = "Choose a team or service from the list."
            return None

    date_from, date_to = date("date_from"), date("date_to")
    if date_from and date_to and date_from > date_to:
        errors["date_to"] = "The end date must be the same as or after the start date."
    source = text("source")
    if source and source not in SOURCE_LABELS:
        errors["source"] = "Choose a referral source from the list."
    group = text("ethnic_group")
    if group and group not in ETHNIC_GROUPS:
        errors["ethnic_group"] = "Choose an ethnic group from the list."
    band = text("age_band")
    if band and band not in {b[0] for b in AGE_BANDS}:
        errors["age_band"] = "Choose an age band from the list."
    sex = text("sex")
    if sex and sex not in dict(Sex.choices):
        errors["sex"] = "Choose a sex from the list."
    decile: int | None = None
    if text("deprivation_decile"):
        try:
            decile = int(text("deprivation_decile"))
        except ValueError:
            decile = 0
        if not 1 <= decile <= 10:
            errors["deprivation_decile"] = "Deprivation decile must be a whole number from 1 to 10."
    team, service = uuid("team"), uuid("service")
    if errors:
        raise ValidationError(errors)
    return ReportFilters(
        date_from=date_from,
        date_to=date_to,
        team=team,
        service=service,
        source=source,
        ethnic_group=group,
        age_band=band,
        sex=sex,
        deprivation_decile=decile,
    )


def _day_start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=LONDON)


def _person_q(filters: ReportFilters, prefix: str) -> Q:
    q = Q()
    if filters.ethnic_group:
        codes = [c for c, g in _ETHNIC_CODE_GROUP.items() if g == filters.ethnic_group]
        q &= Q(**{f"{prefix}ethnic_category__in": codes})
    if filters.sex:
        q &= Q(**{f"{prefix}sex": filters.sex})
    if filters.deprivation_decile:
        q &= Q(**{f"{prefix}deprivation_decile": filters.deprivation_decile})
    if filters.age_band:
        today = timezone.localdate()
        low, high = next((lo, hi) for b, lo, hi in AGE_BANDS if b == filters.age_band)
        # Age >= low: born on or before today minus low years; age <= high: born after
        # today minus (high + 1) years.
        q &= Q(**{f"{prefix}date_of_birth__lte": _years_before(today, low)})
        if high is not None:
            q &= Q(**{f"{prefix}date_of_birth__gt": _years_before(today, high + 1)})
    return q


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _team_filter_q(filters: ReportFilters, prefix: str = "") -> Q:
    q = Q()
    if filters.team:
        q &= Q(**{f"{prefix}team__uuid": filters.team})
    if filters.service:
        q &= Q(**{f"{prefix}team__organisation__uuid": filters.service})
    return q


def episodes_in_scope(*, scope: Scope, filters: ReportFilters) -> QuerySet[Episode]:
    """Episodes opened in the date range, in the user's teams, matching every filter."""
    qs = Episode.objects.filter(
        scope.team_q, _team_filter_q(filters), _person_q(filters, "person__")
    )
    if filters.date_from:
        qs = qs.filter(opened_at__gte=_day_start(filters.date_from))
    if filters.date_to:
        qs = qs.filter(opened_at__lt=_day_start(filters.date_to + dt.timedelta(days=1)))
    if filters.source:
        qs = qs.filter(referral__source=filters.source)
    return qs


def referrals_in_scope(*, scope: Scope, filters: ReportFilters) -> QuerySet[Referral]:
    qs = Referral.objects.filter(
        scope.team_q, _team_filter_q(filters), _person_q(filters, "person__")
    )
    if filters.date_from:
        qs = qs.filter(created_at__gte=_day_start(filters.date_from))
    if filters.date_to:
        qs = qs.filter(created_at__lt=_day_start(filters.date_to + dt.timedelta(days=1)))
    if filters.source:
        qs = qs.filter(source=filters.source)
    return qs


# ---------------------------------------------------------------------------------------------
# Report structure


@dataclass
class Section:
    title: str
    headers: list[str]
    rows: list[list[Any]]
    note: str = ""
    # Bar chart: (label, value) pairs; values that are suppressed are drawn as nothing.
    chart: list[tuple[Any, Any]] = field(default_factory=list)
    chart_title: str = ""


@dataclass
class Report:
    slug: str
    title: str
    filters: ReportFilters
    suppressed: bool
    sections: list[Section]
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "report": self.slug,
            "title": self.title,
            "filters": self.filters.as_dict(),
            "suppressed": self.suppressed,
            "notes": self.notes,
            "sections": [
                {"title": s.title, "headers": s.headers, "rows": s.rows, "note": s.note}
                for s in self.sections
            ],
        }


def _count(scope: Scope, n: int) -> int | str:
    return suppress(n) if scope.suppressed else n


def _pct(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def _audit_report(user: Any, slug: str, filters: ReportFilters) -> None:
    audit_log(
        action="read",
        object_type="report",
        object_id=slug,
        actor=user,
        detail={"filters": filters.as_dict()},
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
    _audit_report(user, "activity", filters)
    return Report("activity", "Activity", filters, scope.suppressed, sections, [ABSENT_ACTIVITY])


# ---------------------------------------------------------------------------------------------
# Equity


def _baseline(scope: Scope, filters: ReportFilters) -> dict[str, dict[str, int]]:
    qs = PopulationBaseline.objects.all()
    if scope.organisation_ids is not None:
        qs = qs.filter(organisation_id__in=scope.organisation_ids)
    if filters.service:
        qs = qs.filter(organisation__uuid=filters.service)
    if filters.team:
        qs = qs.filter(organisation__teams__uuid=filters.team)
    out: dict[str, dict[str, int]] = defaultdict(dict)
    for row in qs.values("dimension", "category").annotate(n=_sum("population")):
        out[row["dimension"]][row["category"]] = row["n"]
    return out


def _sum(name: str) -> Any:
    from django.db.models import Sum

    return Sum(name)


def _uptake_section(
    scope: Scope,
    title: str,
    labels: Mapping[str, str],
    counts: Mapping[str, int],
    baseline: Mapping[str, int],
) -> Section:
    total = sum(counts.values())
    pop_total = sum(baseline.values())
    rows: list[list[Any]] = []
    for key, label in labels.items():
        n = counts.get(key, 0)
        pop = baseline.get(key)
        share = _pct(n, total)
        pop_share = _pct(pop, pop_total) if pop is not None else None
        hidden = scope.suppressed and 0 < n < 5
        ratio = (
            round(share / pop_share, 2) if share is not None and pop_share and not hidden else None
        )
        rows.append(
            [
                label,
                _count(scope, n),
                None if hidden else share,
                pop if pop is not None else None,
                pop_share,
                ratio,
            ]
        )
    return Section(
        title,
        [
            "Group",
            "People supported",
            "Share of people supported (%)",
            "Local population",
            "Share of local population (%)",
            "Representation (1 = as expected)",
        ],
        rows,
        note="" if baseline else "No local population baseline imported for this dimension.",
        chart=[(r[0], r[1]) for r in rows],
        chart_title=f"People supported by {title.lower().removeprefix('uptake by ')}",
    )


def equity_report(*, user: Any, filters: ReportFilters) -> Report:
    scope = report_scope(user)
    episodes = episodes_in_scope(scope=scope, filters=filters)
    people = (
        episodes.values_list(
            "person_id",
            "person__ethnic_category",
            "person__sex",
            "person__deprivation_decile",
            "person__date_of_birth",
        )
        .order_by()
        .distinct()
    )
    today = timezone.localdate()
    eth: Counter[str] = Counter()
    sex: Counter[str] = Counter()
    dec: Counter[str] = Counter()
    age: Counter[str] = Counter()
    for _pid, code, s, decile, dob in people:
        eth[ethnic_group(code)] += 1
        sex[s] += 1
        dec[str(decile) if decile else AGE_UNKNOWN] += 1
        age[age_band(dob, today)] += 1
    baseline = _baseline(scope, filters)
    age_labels = {b[0]: b[0] for b in AGE_BANDS} | {AGE_UNKNOWN: "Not known"}
    dec_labels = {
        str(n): f"{n} ({'most' if n == 1 else 'least' if n == 10 else ''} deprived)".replace(
            " ( deprived)", ""
        )
        for n in range(1, 11)
    }
    dec_labels[AGE_UNKNOWN] = "Not known"
    sections = [
        _uptake_section(
            scope,
            "Uptake by ethnic group",
            ETHNIC_GROUPS,
            eth,
            baseline.get(Dimension.ETHNICITY, {}),
        ),
        _uptake_section(
            scope, "Uptake by age band", age_labels, age, baseline.get(Dimension.AGE_BAND, {})
        ),
        _uptake_section(
            scope, "Uptake by sex", dict(Sex.choices), sex, baseline.get(Dimension.SEX, {})
        ),
        _uptake_section(
            scope,
            "Uptake by deprivation decile",
            dec_labels,
            dec,
            baseline.get(Dimension.DEPRIVATION, {}),
        ),
    ]
    # Referral source by ethnic group: who reaches the service by which route.
    cross: dict[str, Counter[str]] = defaultdict(Counter)
    for row in (
        episodes.filter(referral__isnull=False)
        .values("referral__source", "person__ethnic_category")
        .annotate(n=Count("id"))
        .order_by()
    ):
        cross[row["referral__source"]][ethnic_group(row["person__ethnic_category"])] += row["n"]
    sections.append(
        Section(
            "Referral source by ethnic group",
            ["Referral source"] + list(ETHNIC_GROUPS.values()),
            [
                [SOURCE_LABELS.get(src, src)]
                + [_count(scope, cross[src][g]) for g in ETHNIC_GROUPS]
                for src in SOURCE_LABELS
                if cross[src]
            ],
        )
    )
    notes = [
        "Representation compares the share of people supported with the share of the local "
        "population: below 1 means the group is reached less than its size would suggest."
    ]
    if scope.suppressed:
        notes.append('Counts from 1 to 4 are shown as "<5" and their shares are hidden.')
    _audit_report(user, "equity", filters)
    return Report("equity", "Equity", filters, scope.suppressed, sections, notes)


# ---------------------------------------------------------------------------------------------
# Outcomes


def _score(metric: Any, total: Any) -> float | None:
    if metric is not None:
        return float(metric)
    return float(total) if total is not None else None


def measure_pairs(
    *, scope: Scope, filters: ReportFilters
) -> dict[str, list[tuple[int, float, float, str, str]]]:
    """Per measure: (episode id, first score, latest score, referral source, team name) for each
    episode with two or more complete scored responses."""
    rows = (
        QuestionnaireResponse.objects.filter(
            episode__in=episodes_in_scope(scope=scope, filters=filters),
            instrument_code__in=list(PAIRED_MEASURES),
            complete=True,
        )
        .values_list(
            "episode_id",
            "instrument_code",
            "metric",
            "total",
            "episode__referral__source",
            "episode__team__name",
        )
        .order_by("episode_id", "instrument_code", "completed_at", "id")
    )
    pairs: dict[str, list[tuple[int, float, float, str, str]]] = defaultdict(list)
    key: tuple[int, str] | None = None
    first = last = None
    count = 0
    meta: tuple[str, str] = ("", "")

    def flush() -> None:
        if key is not None and count >= 2 and first is not None and last is not None:
            pairs[key[1]].append((key[0], first, last, meta[0], meta[1]))

    for episode_id, code, metric, total, source, team in rows.iterator(chunk_size=20000):
        score = _score(metric, total)
        if score is None:
            continue
        if (episode_id, code) != key:
            flush()
            key, first, count, meta = (episode_id, code), score, 0, (source or "", team)
        last = score
        count += 1
    flush()
    return pairs


def _fmt(value: float | None, places: int = 2) -> float | None:
    return None if value is None else round(value, places)


def outcomes_report(*, user: Any, filters: ReportFilters) -> Report:
    scope = report_scope(user)
    pairs = measure_pairs(scope=scope, filters=filters)
    thresholds = {k: float(v) for k, v in meaningful_change_thresholds().items()}
    thresholds.update({k: float(v) for k, v in RELIABLE_CHANGE.items()})
    rows: list[list[Any]] = []
    cohort_rows: list[list[Any]] = []
    for code, name in PAIRED_MEASURES.items():
        data = pairs.get(code, [])
        n = len(data)
        if not n:
            continue
        if scope.suppressed and n < 5:
            rows.append([name, SUPPRESSED] + [None] * 11)
            continue
        s = paired_summary(
            [d[1] for d in data],
            [d[2] for d in data],
            threshold=thresholds.get(code),
            lower_is_better=code in LOWER_IS_BETTER,
        )
        rows.append(
            [
                name,
                s.n,
                _fmt(s.mean_before),
                _fmt(s.mean_after),
                _fmt(s.mean_change),
                _fmt(s.ci_low),
                _fmt(s.ci_high),
                _fmt(s.t_p_value, 4),
                _fmt(s.wilcoxon_p_value, 4),
                _fmt(s.effect_size),
                thresholds.get(code),
                _count(scope, s.meaningful_count),
                None if s.meaningful_share is None else round(100 * s.meaningful_share, 1),
            ]
        )
        for label, idx, names in (("Referral source", 3, SOURCE_LABELS), ("Team", 4, None)):
            groups: dict[str, list[float]] = defaultdict(list)
            for d in data:
                raw = str(d[idx] or "")
                group = names.get(raw, raw or "Not known") if names else raw
                groups[group].append(d[2] - d[1])
            c = compare_cohorts(groups)
            sizes = "; ".join(
                f"{g}: n={_count(scope, k)}"
                + (
                    f", mean change {c.means[g]:.2f}"
                    if g in c.means and not (scope.suppressed and k < 5)
                    else ""
                )
                for g, k in sorted(c.groups.items())
            )
            cohort_rows.append(
                [
                    name,
                    label,
                    sizes,
                    c.test or "None",
                    _fmt(c.statistic, 3),
                    _fmt(c.p_value, 4),
                    c.reason,
                ]
            )
    sections = [
        Section(
            "Change from first to latest score (paired)",
            [
                "Measure",
                "People",
                "Mean first",
                "Mean latest",
                "Mean change",
                "95% CI low",
                "95% CI high",
                "Paired t-test p",
                "Wilcoxon signed-rank p",
                "Effect size (d_z)",
                "Meaningful change threshold",
                "People with meaningful change",
                "Share with meaningful change (%)",
            ],
            rows,
            note=(
                "For PHQ-9 and GAD-7 a fall is an improvement and the threshold is the reliable "
                "change; for SWEMWBS and WEMWBS a rise is an improvement."
            ),
            chart=[(r[0], r[12]) for r in rows],
            chart_title="Share with meaningful improvement (%)",
        ),
        Section(
            "Change compared between groups",
            ["Measure", "Groups by", "Groups", "Test", "Statistic", "p-value", "Why this test"],
            cohort_rows,
        ),
        _framework_section(scope, filters, pairs, thresholds),
    ]
    notes = [
        "Each episode's first and latest complete response of a measure are compared; episodes "
        "with one response are not counted. ONS4 is four separate questions without one score and "
        "is not included here."
    ]
    _audit_report(user, "outcomes", filters)
    return Report("outcomes", "Outcomes", filters, scope.suppressed, sections, notes)


def _framework_section(
    scope: Scope,
    filters: ReportFilters,
    pairs: Mapping[str, list[tuple[int, float, float, str, str]]],
    thresholds: Mapping[str, float],
) -> Section:
    """The Common Outcomes Framework's three levels, from what Linkwell records."""
    improved: set[int] = set()
    measured: set[int] = set()
    for code, data in pairs.items():
        t = thresholds.get(code)
        for ep, before, after, _s, _t in data:
            measured.add(ep)
            change = (before - after) if code in LOWER_IS_BETTER else (after - before)
            if t is not None and change >= t:
                improved.add(ep)
    episodes = episodes_in_scope(scope=scope, filters=filters)
    connected = episodes.filter(discharge_reason=DischargeReason.CONNECTED).count()
    closed = episodes.filter(closed_at__isnull=False).count()
    from linkwell.connections.models import Connection

    started = (
        Connection.objects.filter(episode__in=episodes, status__in=["in-progress", "completed"])
        .values("episode_id")
        .distinct()
        .count()
    )
    gp = episodes.filter(referral__source=ReferralSource.GP_PRACTICE).count()
    return Section(
        "Common Outcomes Framework",
        ["Level", "Measure", "Count", "Out of", "Share (%)"],
        [
            [
                "Person",
                "Episodes with a meaningful improvement in wellbeing or distress",
                _count(scope, len(improved)),
                _count(scope, len(measured)),
                _pct(len(improved), len(measured)),
            ],
            [
                "Community",
                "Episodes where an onward connection started (provider began support)",
                _count(scope, started),
                _count(scope, episodes.count()),
                _pct(started, episodes.count()),
            ],
            [
                "Community",
                "Episodes ended as connected to community support",
                _count(scope, connected),
                _count(scope, closed),
                _pct(connected, closed),
            ],
            [
                "System",
                "Episodes referred by GP practices (demand moved from general practice)",
                _count(scope, gp),
                _count(scope, episodes.count()),
                _pct(gp, episodes.count()),
            ],
        ],
        note=(
            "System level: GP appointments and A&E attendances before and after support are not "
            "recorded in Linkwell, so changes in their use cannot be shown."
        ),
    )


REPORTS = {"activity": activity_report, "equity": equity_report, "outcomes": outcomes_report}


# ---------------------------------------------------------------------------------------------
# Commissioner extract

EXTRACT_HEADERS = [
    "person_pseudonym",
    "episode_number",
    "service",
    "referral_source",
    "referral_month",
    "age_band",
    "sex",
    "ethnic_group",
    "deprivation_decile",
    "episode_status",
    "discharge_reason",
    "days_to_first_contact",
] + [f"{code}_{part}" for code in PAIRED_MEASURES for part in ("first", "latest")]
QUASI_IDENTIFIERS = ("age_band", "sex", "ethnic_group", "deprivation_decile")
SUPPRESSED_VALUE = "suppressed"


def pseudonym(person_uuid: UUID) -> str:
    """A keyed HMAC-SHA256 of the person's uuid: stable across extracts, not reversible without
    settings.LINKWELL["PSEUDONYM_KEY"]."""
    key = str(settings.LINKWELL["PSEUDONYM_KEY"]).encode()
    return hmac.new(key, person_uuid.bytes, hashlib.sha256).hexdigest()[:20]


def _suppress_rare(rows: list[dict[str, Any]]) -> None:
    """Where fewer than 5 rows share a combination of age band, sex, ethnic group and decile,
    blank the decile and ethnic group; if age band and sex alone are still rare, blank those."""
    for fields_ in (QUASI_IDENTIFIERS, ("age_band", "sex")):
        counts = Counter(tuple(r[f] for f in fields_) for r in rows)
        for r in rows:
            if counts[tuple(r[f] for f in fields_)] < 5:
                for f in fields_[len(fields_) // 2 :] if len(fields_) == 4 else fields_:
                    r[f] = SUPPRESSED_VALUE


def commissioner_extract(*, user: Any, filters: ReportFilters) -> list[dict[str, Any]]:
    """One row per episode, without names, numbers, contact details or free text."""
    scope = report_scope(user)
    episodes = episodes_in_scope(scope=scope, filters=filters)
    pairs = measure_pairs(scope=scope, filters=filters)
    scores: dict[int, dict[str, Any]] = defaultdict(dict)
    for code, data in pairs.items():
        for ep, first, last, _s, _t in data:
            scores[ep][f"{code}_first"] = first
            scores[ep][f"{code}_latest"] = last
    today = timezone.localdate()
    rows: list[dict[str, Any]] = []
    for e in episodes.values(
        "id",
        "number",
        "status",
        "discharge_reason",
        "first_contact_at",
        "person__uuid",
        "person__ethnic_category",
        "person__sex",
        "person__deprivation_decile",
        "person__date_of_birth",
        "team__organisation__name",
        "referral__source",
        "referral__created_at",
    ).order_by("id"):
        ref_at = e["referral__created_at"]
        wait = (
            (e["first_contact_at"] - ref_at).days
            if ref_at is not None and e["first_contact_at"] is not None
            else None
        )
        row = {
            "person_pseudonym": pseudonym(e["person__uuid"]),
            "episode_number": e["number"],
            "service": e["team__organisation__name"],
            "referral_source": e["referral__source"] or "",
            "referral_month": ref_at.astimezone(LONDON).strftime("%Y-%m") if ref_at else "",
            "age_band": age_band(e["person__date_of_birth"], today),
            "sex": e["person__sex"],
            "ethnic_group": ethnic_group(e["person__ethnic_category"]),
            "deprivation_decile": e["person__deprivation_decile"] or "",
            "episode_status": e["status"],
            "discharge_reason": e["discharge_reason"],
            "days_to_first_contact": wait if wait is None or wait >= 0 else None,
        }
        for h in EXTRACT_HEADERS[12:]:
            row[h] = scores[e["id"]].get(h)
        rows.append(row)
    _suppress_rare(rows)
    audit_log(
        action="export",
        object_type="report",
        object_id="commissioner_extract",
        actor=user,
        detail={"filters": filters.as_dict(), "rows": len(rows)},
    )
    return rows


def teams_for_filter(*, user: Any) -> list[Team]:
    scope = report_scope(user)
    return list(
        Team.objects.filter(
            Q(pk__in=Episode.objects.filter(scope.team_q).values("team_id"))
            | (Q(organisation_id__in=scope.organisation_ids) if scope.organisation_ids else Q())
        ).select_related("organisation")
    )


def services_for_filter(*, user: Any) -> list[Organisation]:
    scope = report_scope(user)
    qs = Organisation.objects.filter(teams__isnull=False).distinct()
    if scope.organisation_ids is not None:
        qs = qs.filter(pk__in=scope.organisation_ids)
    return list(qs)


def iter_extract_values(rows: Iterable[dict[str, Any]]) -> Iterable[list[Any]]:
    for r in rows:
        yield [r[h] for h in EXTRACT_HEADERS]
