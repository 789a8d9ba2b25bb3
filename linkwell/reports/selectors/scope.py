"""Scope by role, filters, the querysets reports start from, and the report structure."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, cast
from uuid import UUID
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Case, CharField, Max, Min, Q, QuerySet, Value, When
from django.utils import timezone

from linkwell.accounts.models import Role, Team
from linkwell.audit.services import audit_log
from linkwell.cases.models import Episode
from linkwell.common.errors import Forbidden
from linkwell.people.models import Sex
from linkwell.referrals.models import Referral, ReferralSource

from ..stats import suppress

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


def ethnic_group_case(field: str) -> Case:
    """``ethnic_group`` of an ethnic category code, as a CASE the database evaluates."""
    codes: dict[str, list[str]] = {}
    for code, group in _ETHNIC_CODE_GROUP.items():
        codes.setdefault(group, []).append(code)
    return Case(
        *(
            When(**{f"{field}__in": group_codes}, then=Value(group))
            for group, group_codes in codes.items()
        ),
        default=Value("not_stated"),
        output_field=CharField(),
    )


def age_band_case(field: str, on: dt.date) -> Case:
    """``age_band`` of a date of birth, as a CASE the database evaluates (oldest band first)."""
    whens = [When(**{f"{field}__isnull": True}, then=Value(AGE_UNKNOWN))]
    for label, low, _high in reversed(AGE_BANDS):
        whens.append(When(**{f"{field}__lte": _years_before(on, low)}, then=Value(label)))
    return Case(*whens, default=Value(AGE_UNKNOWN), output_field=CharField())


def london_month(field: str, qs: QuerySet[Any], bounds_field: str) -> Case | Value:
    """The month (YYYY-MM, Europe/London) of ``field`` as a CASE over the months' first instants,
    so grouping by month is done in the database without a per-row time zone conversion. The
    months run from the earliest to the latest ``bounds_field`` of ``qs``, which must cover every
    value of ``field`` (later values fall to "")."""
    bounds = qs.aggregate(first=Min(bounds_field), last=Max(bounds_field))
    if bounds["first"] is None:
        return Value("", output_field=CharField())
    start = bounds["first"].astimezone(LONDON).date().replace(day=1)
    end = bounds["last"].astimezone(LONDON).date()
    whens = []
    while start <= end:
        following = (start + dt.timedelta(days=32)).replace(day=1)
        whens.append(When(**{f"{field}__lt": _day_start(following)}, then=Value(f"{start:%Y-%m}")))
        start = following
    return Case(*whens, default=Value(""), output_field=CharField())


def plain_rows(qs: QuerySet[Any], chunk: int = 5000) -> Iterator[tuple[Any, ...]]:
    """The rows of a values_list queryset straight from the database cursor, without Django's
    per-value converters: for reads of one row per episode, converting each value costs more
    than the query. Values come as the database driver gives them (SQLite: uuids as hex text).
    """
    sql, params = qs.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        while batch := cursor.fetchmany(chunk):
            yield from batch


# ---------------------------------------------------------------------------------------------
# Scope and filters


@dataclass(frozen=True)
class Scope:
    """The teams a user may report on, and whether small counts must be suppressed."""

    team_q: Q
    suppressed: bool
    organisation_ids: tuple[int, ...] | None  # None: every organisation (commissioners)

    def team_q_prefixed(self, prefix: str) -> Q:
        """The same team condition for a model that reaches the team through ``prefix``."""
        # team_q is built in report_scope from keyword lookups only: (lookup, value) pairs.
        lookups = cast("list[tuple[str, Any]]", self.team_q.children)
        return Q(*[(f"{prefix}{key}", value) for key, value in lookups])


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
