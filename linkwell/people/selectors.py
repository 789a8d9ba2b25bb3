"""Reads of people, consent and possible duplicates. Access is decided here.

Link workers and supervisors see a person when a referral or an episode of that person belongs to
their team; administrators see the people of every team of their organisation; referrers,
providers, volunteers and commissioners see no person records here (they have their own, narrower
views elsewhere). A record the user may not see raises NotFound, so its existence is not revealed.
"""

from __future__ import annotations

import datetime as dt
import functools
import uuid as uuid_lib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from django.apps import apps
from django.db import connection, transaction
from django.db.models import Q, QuerySet

from linkwell.accounts.models import Role
from linkwell.audit.services import audit_batch, audit_log
from linkwell.common.errors import Forbidden, NotFound

from .models import Consent, ConsentPurpose, DuplicateStatus, Person, PossibleDuplicate
from .similarity import CLOSE, name_similarity, simplify
from .validation import normalise_nhs_number, normalise_postcode

# Roles that work with people's records (a caseload or a whole service).
PEOPLE_ROLES = frozenset({Role.LINK_WORKER, Role.SUPERVISOR, Role.ADMIN})
# How many merged_into links to follow before giving up (a chain is normally one link long).
_MAX_MERGE_CHAIN = 20


def _team_q(user: Any) -> Q | None:
    """The teams whose people the user may see, as a filter on a ``team`` field; None for none."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    if user.role in (Role.LINK_WORKER, Role.SUPERVISOR) and user.team_id:
        return Q(team_id=user.team_id)
    if user.role == Role.ADMIN and user.organisation_id:
        return Q(team__organisation_id=user.organisation_id)
    return None


def _visible_person_ids(team_q: Q) -> QuerySet[Any]:
    """person ids with a referral or an episode in the teams: one UNION subquery, which both
    engines turn into index lookups of people by id (an OR of two EXISTS made SQLite run two
    correlated subqueries for every person on the register)."""
    referral_model = apps.get_model("referrals", "Referral")
    episode_model = apps.get_model("cases", "Episode")
    referred = referral_model.objects.filter(team_q).values("person_id").order_by()
    supported = episode_model.objects.filter(team_q).values("person_id").order_by()
    return referred.union(supported)


def person_visible_q(user: Any) -> Q:
    """A filter on Person for the records ``user`` may see (empty for roles that see none)."""
    team_q = _team_q(user)
    if team_q is None:
        return Q(pk__in=[])
    return Q(pk__in=_visible_person_ids(team_q))


def person_is_visible(*, user: Any, person: Person) -> bool:
    """Whether ``user`` may see this one person (two small indexed lookups, no audit row)."""
    team_q = _team_q(user)
    if team_q is None:
        return False
    referral_model = apps.get_model("referrals", "Referral")
    episode_model = apps.get_model("cases", "Episode")
    return (
        referral_model.objects.filter(team_q, person_id=person.pk).exists()
        or episode_model.objects.filter(team_q, person_id=person.pk).exists()
    )


def _require_people_role(user: Any) -> None:
    if not getattr(user, "is_authenticated", False) or user.role not in PEOPLE_ROLES:
        raise Forbidden("Your role does not include looking up people's records.")


def _survivor(person: Person) -> Person:
    """Follow merged_into to the record that now holds this person's history."""
    seen = 0
    while person.merged_into_id is not None and seen < _MAX_MERGE_CHAIN:
        person = Person.objects.select_related("gp_practice", "merged_into").get(
            pk=person.merged_into_id
        )
        seen += 1
    return person


def person_get_for_user(*, user: Any, person_uuid: uuid_lib.UUID | str) -> Person:
    """The person record for ``person_uuid`` if ``user`` may see it, with an audit "read" row.

    A record merged into another resolves to the surviving record (which holds all its history),
    so an old link still leads somewhere; callers compare ``uuid`` to notice and redirect.
    """
    try:
        wanted = uuid_lib.UUID(str(person_uuid))
    except ValueError as exc:
        raise NotFound("No such person.") from exc
    person = Person.objects.select_related("gp_practice", "merged_into").filter(uuid=wanted).first()
    if person is None:
        raise NotFound("No such person.")
    person = _survivor(person)
    if not person_is_visible(user=user, person=person):
        raise NotFound("No such person.")
    detail: dict[str, Any] = {}
    if person.uuid != wanted:
        detail["requested"] = str(wanted)
    audit_log(action="read", obj=person, person=person, actor=user, detail=detail)
    return person


def person_list_for_user(*, user: Any, query: str = "") -> QuerySet[Person]:
    """The people ``user`` may see, not merged, optionally narrowed by a search.

    ``query`` matches an NHS number (spaces allowed), a postcode, or the start of the given,
    preferred or family name of each word. Roles that see no people get Forbidden.
    """
    _require_people_role(user)
    people = Person.objects.filter(person_visible_q(user), merged_into__isnull=True)
    query = (query or "").strip()
    if query:
        people = people.filter(_search_q(query))
        audit_log(
            action="read", object_type="PersonSearch", actor=user, detail={"query": query[:100]}
        )
    return people.select_related("gp_practice").order_by("family_name", "given_name", "id")


def _search_q(query: str) -> Q:
    digits = query.replace(" ", "").replace("-", "")
    if digits.isdigit() and len(digits) == 10:
        return Q(nhs_number=digits)
    try:
        postcode = normalise_postcode(query)
    except Exception:  # noqa: BLE001  # not a postcode: search names instead
        postcode = ""
    if postcode:
        return Q(postcode=postcode)
    condition = Q()
    for word in query.lower().split()[:4]:
        condition &= (
            Q(search_family_name__startswith=word)
            | Q(search_given_name__startswith=word)
            | Q(preferred_name__istartswith=word)
        )
    return condition


# --- consent --------------------------------------------------------------------------------


def consent_in_force(*, person: Person, purpose: str) -> bool:
    """Whether the person's consent for ``purpose`` is in force now.

    The newest record for the purpose wins (a withdrawal after a consent means no); no record means
    not given. This is the only place Linkwell asks about consent: every feature that shares,
    contacts or evaluates calls it (or ``consents_in_force``) at the moment of use, so a withdrawal
    takes effect everywhere at once, with nothing cached.
    """
    if purpose not in ConsentPurpose.values:
        raise ValueError(f"Unknown consent purpose: {purpose!r}")
    newest = (
        Consent.objects.filter(person=person, purpose=purpose)
        .order_by("-recorded_at", "-id")
        .values_list("given", flat=True)
        .first()
    )
    return bool(newest)


def consents_in_force(*, person: Person) -> dict[str, bool]:
    """Every purpose mapped to whether consent for it is in force (see ``consent_in_force``)."""
    in_force = dict.fromkeys(ConsentPurpose.values, False)
    seen: set[str] = set()
    rows = (
        Consent.objects.filter(person=person)
        .order_by("-recorded_at", "-id")
        .values_list("purpose", "given")
    )
    for purpose, given in rows:
        if purpose not in seen:
            seen.add(purpose)
            in_force[purpose] = given
    return in_force


def consent_list_for_user(*, user: Any, person: Person) -> QuerySet[Consent]:
    """A person's consent history, newest first; ``person`` must come from person_get_for_user."""
    if not person_is_visible(user=user, person=person):
        raise NotFound("No such person.")
    return Consent.objects.filter(person=person).select_related("recorded_by")


# --- the person's history -------------------------------------------------------------------


def person_referrals_for_user(*, user: Any, person: Person) -> QuerySet[Any]:
    """The person's referrals to the teams ``user`` works in (not other services' referrals)."""
    team_q = _team_q(user)
    if team_q is None:
        return person.referrals.none()  # type: ignore[attr-defined]
    return person.referrals.filter(team_q).select_related("team").order_by("-created_at")  # type: ignore[attr-defined]


def person_episodes_for_user(*, user: Any, person: Person) -> QuerySet[Any]:
    """The person's episodes of support with the teams ``user`` works in."""
    team_q = _team_q(user)
    if team_q is None:
        return person.episodes.none()  # type: ignore[attr-defined]
    return (
        person.episodes.filter(team_q)  # type: ignore[attr-defined]
        .select_related("team", "link_worker")
        .order_by("-opened_at")
    )


# --- duplicates -----------------------------------------------------------------------------


@dataclass(frozen=True)
class DuplicateMatch:
    person: Person
    score: float  # 0..1; 1.0 is the same NHS number
    reason: str  # e.g. "same date of birth, similar name, same postcode"


# The fields the scorer reads: loading only these keeps the check fast on a large register.
_MATCH_FIELDS = (
    "id",
    "uuid",
    "nhs_number",
    "given_name",
    "family_name",
    "preferred_name",
    "date_of_birth",
    "postcode",
    "merged_into",
)
# Their attnames in the model's field order (what Person.from_db expects of a partial row).
_MATCH_ATTNAMES = tuple(
    field.attname for field in Person._meta.concrete_fields if field.name in _MATCH_FIELDS
)


class _Candidate(NamedTuple):
    """One candidate row as read (the scorer's fields); a Person is made only for a match."""

    id: int
    uuid: Any
    nhs_number: str
    given_name: str
    family_name: str
    preferred_name: str
    date_of_birth: dt.date | None
    postcode: str
    merged_into_id: int | None


# The query reads the columns in the order of _MATCH_ATTNAMES.
assert _Candidate._fields == _MATCH_ATTNAMES  # noqa: S101  # a mistake here breaks every check


@functools.cache
def _candidates_sql(vendor: str, exclude: str, by_nhs: bool, by_dob: bool) -> str:
    """The candidates' SELECT, as the ORM wrote it for ``Person.objects.only(*_MATCH_FIELDS)
    .exclude(...).filter(Q(nhs_number=...) | Q(date_of_birth=...)).order_by()[:500]``, made once
    per shape instead of compiled on every check (one runs inside every referral taken)."""
    quote = connection.ops.quote_name
    table = quote(Person._meta.db_table)

    columns_by_attname = {
        field.attname: str(field.column) for field in Person._meta.concrete_fields
    }

    def column(attname: str) -> str:
        return f"{table}.{quote(columns_by_attname[attname])}"

    lookups = []
    if by_nhs:
        lookups.append(f"{column('nhs_number')} = %s")
    if by_dob:
        lookups.append(f"{column('date_of_birth')} = %s")
    where = f"({' OR '.join(lookups)})"
    if exclude:
        where = f"(NOT ({column(exclude)} = %s) AND {where})"
    columns = ", ".join(column(name) for name in _Candidate._fields)
    return f"SELECT {columns} FROM {table} WHERE {where} LIMIT 500"  # noqa: S608  # fixed names


def _candidates_read(
    *, nhs: str, date_of_birth: dt.date | None, exclude_id: int | uuid_lib.UUID | None
) -> tuple[str, list[Any]]:
    params: list[Any] = []
    exclude = ""
    if isinstance(exclude_id, uuid_lib.UUID):
        exclude = "uuid"
        params.append(Person._meta.get_field("uuid").get_db_prep_value(exclude_id, connection))
    elif exclude_id is not None:
        exclude = "id"
        params.append(exclude_id)
    if nhs:
        params.append(nhs)
    if date_of_birth is not None:
        params.append(connection.ops.adapt_datefield_value(date_of_birth))
    sql = _candidates_sql(connection.vendor, exclude, bool(nhs), date_of_birth is not None)
    return sql, params


def _candidate(row: Sequence[Any]) -> _Candidate:
    # SQLite keeps a uuid as 32 hex characters, PostgreSQL returns a UUID; read through JSON
    # (RowBatch on PostgreSQL) a uuid and a date come as text.
    uuid, dob = row[1], row[6]
    return _Candidate(
        row[0],
        uuid_lib.UUID(uuid) if isinstance(uuid, str) else uuid,
        row[2],
        row[3],
        row[4],
        row[5],
        dt.date.fromisoformat(dob) if isinstance(dob, str) else dob,
        row[7],
        row[8],
    )


@dataclass(frozen=True)
class DuplicateCheck:
    """One duplicate check split in two (``duplicate_check``): ``read`` is the candidates'
    query, None when there is nothing to look up; ``matches`` scores the rows it returned."""

    read: tuple[str, list[Any]] | None
    nhs: str
    given_name: str
    family_name: str
    date_of_birth: dt.date | None
    postcode: str
    limit: int

    def matches(self, rows: Sequence[Sequence[Any]]) -> list[DuplicateMatch]:
        """The matches among the candidates' rows, best first (see person_find_duplicates)."""
        nhs, date_of_birth = self.nhs, self.date_of_birth
        matches: dict[int, tuple[_Candidate, float, str]] = {}
        for candidate in map(_candidate, rows):
            if candidate.merged_into_id is not None:
                continue
            if nhs and candidate.nhs_number == nhs:
                matches[candidate.id] = (candidate, 1.0, "same NHS number")
                continue
            if date_of_birth is None or candidate.date_of_birth != date_of_birth:
                continue
            if nhs and candidate.nhs_number and candidate.nhs_number != nhs:
                continue  # different NHS numbers: two people who share a birthday
            scored = _score(candidate, self.given_name, self.family_name, self.postcode)
            if scored is not None:
                matches[candidate.id] = (candidate, *scored)
        ranked = sorted(matches.values(), key=lambda m: (-m[1], m[0].family_name, m[0].id))
        return [
            DuplicateMatch(Person.from_db(connection.alias, _MATCH_ATTNAMES, row), score, reason)
            for row, score, reason in ranked[: self.limit]
        ]


def duplicate_check(
    *,
    nhs_number: str = "",
    given_name: str = "",
    family_name: str = "",
    date_of_birth: dt.date | None = None,
    postcode: str = "",
    exclude_id: int | uuid_lib.UUID | None = None,
    limit: int = 10,
) -> DuplicateCheck:
    """``person_find_duplicates`` in two steps, for a caller that runs the candidates' query
    together with its own statements (referral intake's RowBatch)."""
    try:
        nhs = normalise_nhs_number(nhs_number) if nhs_number else ""
    except Exception:  # noqa: BLE001  # an invalid number cannot match a stored (valid) one
        nhs = ""
    try:
        postcode = normalise_postcode(postcode) if postcode else ""
    except Exception:  # noqa: BLE001  # an invalid postcode simply does not count
        postcode = ""
    # One indexed query: person.nhs_number's index and the date_of_birth-led indexes
    # (person_dob_name_idx, person_dob_postcode_idx), OR-ed by the database. Merged records (a
    # few) are skipped in Python, so the statement is only those look-ups. (A "merged_into IS
    # NULL" condition used to tempt SQLite's planner onto the full merged_into index, a scan of
    # the whole register; since people/0003 that index holds only merged records.)
    by_dob = date_of_birth is not None and bool(given_name or family_name or postcode)
    read = None
    if nhs or by_dob:
        read = _candidates_read(
            nhs=nhs, date_of_birth=date_of_birth if by_dob else None, exclude_id=exclude_id
        )
    return DuplicateCheck(read, nhs, given_name, family_name, date_of_birth, postcode, limit)


def person_find_duplicates(
    *,
    nhs_number: str = "",
    given_name: str = "",
    family_name: str = "",
    date_of_birth: dt.date | None = None,
    postcode: str = "",
    exclude_id: int | uuid_lib.UUID | None = None,
    limit: int = 10,
) -> list[DuplicateMatch]:
    """Records that may be the same person, best first. No access check and no audit: callers
    (intake, person_flag_duplicates) decide what to show and to whom.

    A match is the same NHS number, or the same date of birth plus a close name match (a typo, a
    short or familiar given name, names swapped) and/or the same postcode with part of the name
    alike. Two records with different NHS numbers are never the same person. Only two indexed
    lookups run (by NHS number, by date of birth); the scoring is done in Python. Each match's
    person is loaded with the scorer's fields only (``_MATCH_FIELDS``).
    """
    check = duplicate_check(
        nhs_number=nhs_number,
        given_name=given_name,
        family_name=family_name,
        date_of_birth=date_of_birth,
        postcode=postcode,
        exclude_id=exclude_id,
        limit=limit,
    )
    if check.read is None:
        return []
    with connection.cursor() as cursor:
        cursor.execute(*check.read)
        rows = cursor.fetchall()
    return check.matches(rows)


def _score(
    candidate: _Candidate, given_name: str, family_name: str, postcode: str
) -> tuple[float, str] | None:
    """(score, reason) of a candidate with the same date of birth, or None for no match."""
    given_sim, family_sim, swapped = name_similarity(
        given_name,
        family_name,
        candidate.given_name,
        candidate.family_name,
        preferred_b=candidate.preferred_name,
    )
    same_postcode = bool(postcode) and candidate.postcode == postcode
    name_close = given_sim >= CLOSE and family_sim >= CLOSE
    part_close = given_sim >= CLOSE or family_sim >= CLOSE
    if not (name_close or (same_postcode and part_close)):
        return None
    parts = ["same date of birth"]
    if name_close:
        exact = (
            not swapped
            and simplify(given_name) == simplify(candidate.given_name)
            and simplify(family_name) == simplify(candidate.family_name)
        )
        if swapped:
            parts.append("same name with given and family names swapped")
        else:
            parts.append("same name" if exact else "similar name")
    elif family_sim >= CLOSE:
        parts.append("similar family name" if family_sim < 1 else "same family name")
    else:
        parts.append("similar given name" if given_sim < 1 else "same given name")
    if same_postcode:
        parts.append("same postcode")
    name_score = (given_sim + family_sim) / 2
    score = 0.45 + 0.3 * name_score + (0.2 if same_postcode else 0.0)
    if swapped:
        score -= 0.05
    return round(min(score, 0.95), 3), ", ".join(parts)


def _visible_people(user: Any) -> QuerySet[Person]:
    return Person.objects.filter(person_visible_q(user), merged_into__isnull=True)


def duplicate_list_for_user(*, user: Any) -> QuerySet[PossibleDuplicate]:
    """Open possible-duplicate pairs where the user may see both records, best match first."""
    _require_people_role(user)
    visible = _visible_people(user).values("pk")
    return (
        PossibleDuplicate.objects.filter(
            status=DuplicateStatus.OPEN, person__in=visible, other__in=visible
        )
        .select_related("person", "other", "person__gp_practice", "other__gp_practice")
        .order_by("-score", "-created_at", "id")
    )


def duplicate_review_for_user(*, user: Any, limit: int = 50) -> list[PossibleDuplicate]:
    """The open pairs shown on the review page, with an audit "read" row for each record shown."""
    pairs = list(duplicate_list_for_user(user=user)[:limit])
    shown: dict[int, Person] = {}
    for pair in pairs:
        shown.setdefault(pair.person.pk, pair.person)
        shown.setdefault(pair.other.pk, pair.other)
    if shown:
        # One transaction for the page's audit rows (up to 100 people), not one each.
        with transaction.atomic(), audit_batch():
            for person in shown.values():
                audit_log(
                    action="read",
                    obj=person,
                    person=person,
                    actor=user,
                    detail={"via": "duplicates"},
                )
    return pairs


def duplicate_get_for_user(*, user: Any, duplicate_uuid: uuid_lib.UUID | str) -> PossibleDuplicate:
    """One possible-duplicate pair (any status) if the user may see both records."""
    _require_people_role(user)
    try:
        wanted = uuid_lib.UUID(str(duplicate_uuid))
    except ValueError as exc:
        raise NotFound("No such possible duplicate.") from exc
    visible = Person.objects.filter(person_visible_q(user)).values("pk")
    pair = (
        PossibleDuplicate.objects.filter(uuid=wanted, person__in=visible, other__in=visible)
        .select_related("person", "other")
        .first()
    )
    if pair is None:
        raise NotFound("No such possible duplicate.")
    return pair
