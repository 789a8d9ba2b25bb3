"""The commissioner's pseudonymised, minimised, suppressed extract, and filter choices."""

from __future__ import annotations

import hashlib
import hmac
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from operator import itemgetter
from typing import Any
from uuid import UUID

from django.conf import settings
from django.db.models import (
    BinaryField,
    Exists,
    FilteredRelation,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
)
from django.utils import timezone

from linkwell.accounts.models import Organisation, Team
from linkwell.audit.services import audit_log
from linkwell.cases.models import Episode
from linkwell.people.models import Consent, ConsentPurpose
from linkwell.referrals.models import Referral

from .scope import (
    PAIRED_MEASURES,
    ReportFilters,
    age_band_case,
    episodes_in_scope,
    ethnic_group_case,
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


# The quasi-identifiers' positions in the extract query's rows (see commissioner_extract).
_QUASI_IN_ROW = itemgetter(5, 6, 7, 8)
Combination = tuple[Any, Any, Any, Any]


def _suppression_swaps(counts: Mapping[Combination, int]) -> dict[Combination, Combination]:
    """Small-number suppression decided once per combination. ``counts`` are the rows per
    (age band, sex, ethnic group, decile) as read, the decile None when not known (shown as "").
    Where fewer than 5 rows share age band, sex, ethnic group and shown decile, the ethnic group
    and decile are blanked; where fewer than 5 share age band and sex, those are blanked too.
    Returns, for each combination read that has something blanked, the values to show instead
    (the decile as shown)."""
    shown: Counter[Combination] = Counter()
    pairs: Counter[tuple[Any, Any]] = Counter()
    for (band, sex, group, decile), n in counts.items():
        shown[band, sex, group, decile or ""] += n
        pairs[band, sex] += n
    swaps: dict[Combination, Combination] = {}
    for combination in counts:
        band, sex, group, decile = combination
        decile = decile or ""
        if shown[band, sex, group, decile] < 5:
            group = decile = SUPPRESSED_VALUE
        if pairs[band, sex] < 5:
            band = sex = SUPPRESSED_VALUE
        if group == SUPPRESSED_VALUE or band == SUPPRESSED_VALUE:
            swaps[combination] = (band, sex, group, decile)
    return swaps


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
        # the microseconds from the text give an exact difference in microseconds. That text
        # (microseconds written only when not zero) sorts as the instants do, so whether the
        # wait is negative is a plain comparison and the difference is worked out once.
        micro = (
            "(CAST(strftime('%%%%s', {0}) AS INTEGER) * 1000000"
            " + CAST(substr({0} || '.000000', 21, 6) AS INTEGER))"
        )
        ends = self._ends(compiler, connection)
        diff = f"({micro.format(ends['end'])} - {micro.format(ends['start'])})"
        sql, params = self.as_sql(
            compiler,
            connection,
            template=f"CASE WHEN {ends['end']} >= {ends['start']} THEN {diff} / 86400000000 END",
            **extra_context,
        )
        return sql, params

    def _ends(self, compiler: Any, connection: Any) -> dict[str, str]:
        start, end = (compiler.compile(e)[0] for e in self.get_source_expressions())
        return {"start": start, "end": end}


_IPAD = bytes(x ^ 0x36 for x in range(256))
_OPAD = bytes(x ^ 0x5C for x in range(256))


def _pseudonymiser() -> Callable[[bytes], str]:
    """``pseudonym`` for many people: the same HMAC-SHA256 (RFC 2104), with the key's inner and
    outer hash states computed once and copied per person, which costs less than copying an
    ``hmac`` object."""
    key = str(settings.LINKWELL["PSEUDONYM_KEY"]).encode()
    block = hashlib.sha256().block_size
    if len(key) > block:
        key = hashlib.sha256(key).digest()
    key = key.ljust(block, b"\0")
    inner_copy = hashlib.sha256(key.translate(_IPAD)).copy
    outer_copy = hashlib.sha256(key.translate(_OPAD)).copy

    def sign(uuid_bytes: bytes) -> str:
        inner = inner_copy()
        inner.update(uuid_bytes)
        outer = outer_copy()
        outer.update(inner.digest())
        return outer.hexdigest()[:20]

    return sign


def _uuid_bytes(value: Any) -> bytes:
    """A uuid column as read by ``plain_rows``: its 16 bytes (``UuidBytes`` on PostgreSQL), 32 hex
    digits (SQLite) or a UUID."""
    if isinstance(value, bytes):
        return value
    if isinstance(value, memoryview):
        return value.tobytes()
    if isinstance(value, UUID):
        return value.bytes
    return bytes.fromhex(str(value).replace("-", ""))


class UuidBytes(Func):
    """A uuid column as the driver can hand over with the least work: PostgreSQL sends its 16
    bytes (``uuid_send``, a bytea) instead of text parsed into a UUID object per row; SQLite keeps
    uuids as 32 hex digits and returns them as they are."""

    arity = 1
    function = "uuid_send"
    output_field = BinaryField()

    def as_sqlite(self, compiler: Any, connection: Any, **extra_context: Any) -> Any:
        return self.as_sql(compiler, connection, template="%(expressions)s", **extra_context)


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
    # Each paired measure's summary (two or more complete responses) joined on its (episode,
    # measure) unique key, so the scores come in the same rows as the episodes.
    summaries = {
        f"summary_{code}": FilteredRelation(
            "measure_summaries",
            condition=Q(
                measure_summaries__instrument_code=code, measure_summaries__responses__gte=2
            ),
        )
        for code in PAIRED_MEASURES
    }
    columns = episodes.annotate(
        **summaries,
        band=age_band_case("person__date_of_birth", timezone.localdate()),
        month=london_month("referral__created_at", Referral.objects.all(), "created_at"),
        wait=WholeDaysBetween("referral__created_at", "first_contact_at"),
        group=ethnic_group_case("person__ethnic_category"),
        person_uuid=UuidBytes("person__uuid"),
    ).values_list(
        "person_uuid",
        "number",
        "team__organisation__name",
        "referral__source",
        "month",
        "band",
        "person__sex",
        "group",
        "person__deprivation_decile",
        "status",
        "discharge_reason",
        "wait",
        *(
            f"summary_{code}__{part}_score"
            for code in PAIRED_MEASURES
            for part in ("first", "latest")
        ),
    )
    sign = _pseudonymiser()
    fetched = list(plain_rows(columns.order_by("id")))
    swaps = _suppression_swaps(Counter(map(_QUASI_IN_ROW, fetched))).get
    # One dict per row straight from the row's values: dicts holding only strings and numbers
    # are left alone by the cyclic garbage collector, where a list per row kept it busy.
    rows: list[dict[str, Any]] = []
    append = rows.append
    for (
        person_uuid,
        number,
        service,
        source,
        month,
        band,
        sex,
        group,
        decile,
        status,
        reason,
        wait,
        *scores,
    ) in fetched:
        if (swap := swaps((band, sex, group, decile))) is not None:
            band, sex, group, decile = swap
        row = {
            "person_pseudonym": sign(_uuid_bytes(person_uuid)),
            "episode_number": number,
            "service": service,
            "referral_source": source or "",
            "referral_month": month or "",
            "age_band": band,
            "sex": sex,
            "ethnic_group": group,
            "deprivation_decile": decile or "",
            "episode_status": status,
            "discharge_reason": reason,
            "days_to_first_contact": wait,
        }
        row.update(zip(SCORE_HEADERS, scores, strict=True))
        append(row)
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
