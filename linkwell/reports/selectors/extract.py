"""The commissioner's pseudonymised, minimised, suppressed extract, and filter choices."""

from __future__ import annotations

import hashlib
import hmac
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from operator import itemgetter
from typing import Any
from uuid import UUID

from django.conf import settings
from django.db.models import Exists, Func, IntegerField, OuterRef, Q, QuerySet
from django.utils import timezone

from linkwell.accounts.models import Organisation, Team
from linkwell.audit.services import audit_log
from linkwell.cases.models import Episode
from linkwell.people.models import Consent, ConsentPurpose
from linkwell.referrals.models import Referral

from .outcomes import paired_summaries
from .scope import (
    PAIRED_MEASURES,
    ReportFilters,
    age_band_case,
    episodes_in_scope,
    ethnic_group,
    london_month,
    plain_rows,
    report_scope,
)

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
SCORE_HEADERS = EXTRACT_HEADERS[12:]
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
    for fields_, blanked in (
        (QUASI_IDENTIFIERS, ("ethnic_group", "deprivation_decile")),
        (("age_band", "sex"), ("age_band", "sex")),
    ):
        getter = itemgetter(*fields_)
        keys = [getter(r) for r in rows]
        counts = Counter(keys)
        for r, key in zip(rows, keys, strict=True):
            if counts[key] < 5:
                for f in blanked:
                    r[f] = SUPPRESSED_VALUE


class WholeDaysBetween(Func):
    """Whole days from ``start`` to ``end`` (``(end - start).days``), NULL when ``end`` is
    before ``start``; computed by the database, exactly, so no datetime reaches Python."""

    arity = 2
    output_field = IntegerField()

    def __init__(self, start: str, end: str) -> None:
        super().__init__(start, end)

    def as_postgresql(self, compiler: Any, connection: Any, **extra_context: Any) -> Any:
        return self.as_sql(
            compiler,
            connection,
            template=(
                "CASE WHEN %(expressions)s THEN EXTRACT(DAY FROM (%(end)s - %(start)s))::integer "
                "END"
            ),
            arg_joiner=" <= ",
            **self._ends(compiler, connection),
            **extra_context,
        )

    def as_sqlite(self, compiler: Any, connection: Any, **extra_context: Any) -> Any:
        # SQLite keeps UTC text "YYYY-MM-DD HH:MM:SS[.ffffff]": whole seconds from strftime and
        # the microseconds from the text give an exact difference in microseconds.
        micro = (
            "(CAST(strftime('%%%%s', {0}) AS INTEGER) * 1000000"
            " + CAST(substr({0} || '.000000', 21, 6) AS INTEGER))"
        )
        ends = self._ends(compiler, connection)
        diff = f"({micro.format(ends['end'])} - {micro.format(ends['start'])})"
        sql, params = self.as_sql(
            compiler,
            connection,
            template=f"CASE WHEN {diff} >= 0 THEN {diff} / 86400000000 END",
            **extra_context,
        )
        return sql, params

    def _ends(self, compiler: Any, connection: Any) -> dict[str, str]:
        start, end = (compiler.compile(e)[0] for e in self.get_source_expressions())
        return {"start": start, "end": end}


def _pseudonymiser() -> Callable[[bytes], str]:
    """``pseudonym`` for many people: the key is read and the HMAC keyed once."""
    keyed = hmac.new(str(settings.LINKWELL["PSEUDONYM_KEY"]).encode(), digestmod=hashlib.sha256)

    def sign(uuid_bytes: bytes) -> str:
        h = keyed.copy()
        h.update(uuid_bytes)
        return h.hexdigest()[:20]

    return sign


def _uuid_bytes(value: Any) -> bytes:
    """A uuid column as read by ``plain_rows``: SQLite gives 32 hex digits, PostgreSQL a UUID."""
    if isinstance(value, UUID):
        return value.bytes
    return bytes.fromhex(str(value).replace("-", ""))


def with_evaluation_consent(episodes: QuerySet[Episode]) -> QuerySet[Episode]:
    """Episodes of people whose newest "evaluation" consent record says yes: the rule of
    linkwell.people.selectors.consent_in_force, asked of every person in one query, so a
    withdrawal takes effect in the next extract and no record means no consent.

    The people are one uncorrelated set (a "yes" with no newer record for the purpose), which the
    database builds once instead of looking up each episode's person.
    """
    newer = Consent.objects.filter(
        Q(recorded_at__gt=OuterRef("recorded_at"))
        | Q(recorded_at=OuterRef("recorded_at"), id__gt=OuterRef("id")),
        person_id=OuterRef("person_id"),
        purpose=ConsentPurpose.EVALUATION,
    )
    in_force = (
        Consent.objects.filter(purpose=ConsentPurpose.EVALUATION, given=True)
        .filter(~Exists(newer))
        .values("person_id")
    )
    return episodes.filter(person_id__in=in_force)


def commissioner_extract(*, user: Any, filters: ReportFilters) -> list[dict[str, Any]]:
    """One row per episode, without names, numbers, contact details or free text, and only for
    people whose consent to the use of their anonymised information for evaluation is in force
    when the extract is made."""
    scope = report_scope(user)
    episodes = with_evaluation_consent(episodes_in_scope(scope=scope, filters=filters))
    scores: dict[int, dict[str, Any]] = defaultdict(dict)
    for ep, code, first, last in plain_rows(
        paired_summaries(episodes).values_list(
            "episode_id", "instrument_code", "first_score", "latest_score"
        )
    ):
        scores[ep][f"{code}_first"] = first
        scores[ep][f"{code}_latest"] = last
    columns = episodes.annotate(
        band=age_band_case("person__date_of_birth", timezone.localdate()),
        month=london_month("referral__created_at", Referral.objects.all(), "created_at"),
        wait=WholeDaysBetween("referral__created_at", "first_contact_at"),
    ).values_list(
        "id",
        "number",
        "status",
        "discharge_reason",
        "wait",
        "person__uuid",
        "person__ethnic_category",
        "person__sex",
        "person__deprivation_decile",
        "band",
        "team__organisation__name",
        "referral__source",
        "month",
    )
    sign = _pseudonymiser()
    rows: list[dict[str, Any]] = []
    for (
        episode_id,
        number,
        status,
        discharge_reason,
        wait,
        person_uuid,
        ethnic_category,
        sex,
        decile,
        band,
        service,
        source,
        month,
    ) in plain_rows(columns.order_by("id")):
        row = {
            "person_pseudonym": sign(_uuid_bytes(person_uuid)),
            "episode_number": number,
            "service": service,
            "referral_source": source or "",
            "referral_month": month or "",
            "age_band": band,
            "sex": sex,
            "ethnic_group": ethnic_group(ethnic_category),
            "deprivation_decile": decile or "",
            "episode_status": status,
            "discharge_reason": discharge_reason,
            "days_to_first_contact": wait,
        }
        episode_scores = scores.get(episode_id, {})
        for h in SCORE_HEADERS:
            row[h] = episode_scores.get(h)
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
