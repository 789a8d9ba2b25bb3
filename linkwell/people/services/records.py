"""Writes to a person's record and their consent."""

from __future__ import annotations

import datetime as dt
import uuid as uuid_lib
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from linkwell.audit.services import AuditRow, audit_log, audit_row
from linkwell.common.cleaning import full_clean_needed
from linkwell.common.errors import Conflict, quoted
from linkwell.common.rows import Read, Ref, RowBatch, insert_row, row_values

from ..models import (
    Consent,
    ConsentMethod,
    ConsentPurpose,
    EthnicCategory,
    Person,
    PossibleDuplicate,
    Sex,
)
from ..selectors import DuplicateCheck, duplicate_check
from ..validation import normalise_nhs_number, normalise_postcode
from .duplicates import ordered_pair, person_flag_duplicates

# Fields a caller may set on a person (everything a person's record holds, nothing computed).
PERSON_FIELDS = frozenset(
    {
        "nhs_number",
        "given_name",
        "family_name",
        "preferred_name",
        "date_of_birth",
        "address",
        "postcode",
        "phone",
        "email",
        "preferred_contact_method",
        "preferred_contact_times",
        "language",
        "interpreter_needed",
        "accessibility_needs",
        "ethnic_category",
        "sex",
        "gender_identity",
        "deprivation_decile",
        "gp_practice",
    }
)
# Changing one of these may make (or unmake) a duplicate, so the check runs again.
IDENTITY_FIELDS = frozenset(
    {"nhs_number", "given_name", "family_name", "date_of_birth", "postcode"}
)
# Values that mean "not recorded", so a merge may fill them from the other record.
UNRECORDED_VALUES: dict[str, set[Any]] = {
    "ethnic_category": {EthnicCategory.NOT_KNOWN, ""},
    "sex": {Sex.UNKNOWN, ""},
}
# Recorded consent may be a little ahead of the server clock (a tablet's clock); no more.
_CLOCK_SKEW = dt.timedelta(minutes=5)


def _clean_person_fields(fields: dict[str, Any]) -> dict[str, Any]:
    unknown = sorted(set(fields) - PERSON_FIELDS)
    if unknown:
        raise ValidationError(
            "These are not fields of a person's record: %(fields)s.",
            params={"fields": ", ".join(unknown)},
            code="unknown_field",
        )
    cleaned = dict(fields)
    errors: dict[str, list[ValidationError]] = {}
    for name, normalise in (("nhs_number", normalise_nhs_number), ("postcode", normalise_postcode)):
        if name in cleaned:
            try:
                cleaned[name] = normalise(cleaned[name] or "")
            except ValidationError as exc:
                errors[name] = [exc]
    for name in ("given_name", "family_name", "preferred_name"):
        if name in cleaned and isinstance(cleaned[name], str):
            cleaned[name] = " ".join(cleaned[name].split())
    for name in ("phone", "email", "preferred_contact_times", "language", "gender_identity"):
        if name in cleaned and isinstance(cleaned[name], str):
            cleaned[name] = cleaned[name].strip()
    if errors:
        raise ValidationError(errors)
    return cleaned


# As the referrer's form and the public form (DateOfBirthField): no one is older than this.
OLDEST_AGE_YEARS = 120


def _check_date_of_birth(person: Person) -> None:
    dob = person.date_of_birth
    if dob is None:
        return
    today = timezone.localdate()
    if dob > today:
        raise ValidationError(
            {"date_of_birth": ["The date of birth cannot be in the future."]}, code="future_dob"
        )
    if dob.year < today.year - OLDEST_AGE_YEARS:
        raise ValidationError(
            {
                "date_of_birth": [
                    f"The date of birth must be a real one: no one is more than "
                    f"{OLDEST_AGE_YEARS} years old."
                ]
            },
            code="too_old",
        )


def _check_deprivation_decile(person: Person) -> None:
    decile = person.deprivation_decile
    if decile is not None and not 1 <= decile <= 10:
        raise ValidationError(
            {"deprivation_decile": ["The deprivation decile is a whole number from 1 to 10."]},
            code="decile_range",
        )


# The writes below run in one transaction: the caller's, joined without a savepoint of their
# own, or a new one. A savepoint per layer cost a round trip each way on every referral taken;
# the checks that refuse bad input all run before the transaction is touched, so a refusal
# never spoils the caller's transaction.


@dataclass(frozen=True)
class NewPerson:
    """A new person's record, checked and ready to save (``person_new``), not yet written."""

    person: Person
    # The fields given a value, named on the audit row (never their values).
    given: list[str]


def person_new(*, given_name: str, family_name: str, **fields: Any) -> NewPerson:
    """Check a new person's details (NHS number and postcode normalised) without touching the
    database, for ``person_insert``. Refuses bad input with ValidationError."""
    cleaned = _clean_person_fields({"given_name": given_name, "family_name": family_name, **fields})
    person = Person(**cleaned)
    _check_date_of_birth(person)
    # A new uuid needs no uniqueness look-up; a practice given as a saved instance exists.
    exclude = ["uuid"]
    if getattr(cleaned.get("gp_practice"), "pk", None) is not None:
        exclude.append("gp_practice")
    # The model's one check constraint (the deprivation decile's range) is checked here in
    # Python: Django would check it with a query in a savepoint on every referral taken. The
    # database still enforces it.
    if full_clean_needed(person, exclude=exclude):
        person.full_clean(exclude=exclude, validate_constraints=False)
    _check_deprivation_decile(person)
    return NewPerson(person, sorted(k for k, v in cleaned.items() if v not in ("", None)))


def person_insert(*, new: NewPerson, actor: Any) -> Person:
    """Write a record checked by ``person_new``, audited as "create", and run the duplicate check
    (``person_flag_duplicates``). Callers that hold a write transaction (referral intake: on
    SQLite it holds the database's write lock) check the details first and insert inside it."""
    person = new.person
    with transaction.atomic(savepoint=False):
        person.save()
        audit_log(
            action="create", obj=person, person=person, actor=actor, detail={"fields": new.given}
        )
        person_flag_duplicates(person=person, actor=actor)
    return person


@dataclass
class PersonInBatch:
    """A new person's record written with a RowBatch (``person_batch_add``), for the busiest
    write path (referral intake through the API): ``person_insert``'s row, duplicate check,
    flagged pairs and audit rows, with plain INSERTs, the audit rows left to the caller to append
    with its own (``audit_rows_append``) in the same transaction."""

    new: NewPerson
    ref: Ref
    check: DuplicateCheck
    read: Read | None
    now: dt.datetime


def person_batch_add(*, new: NewPerson, now: dt.datetime, batch: RowBatch) -> PersonInBatch:
    """Add a new person's record to ``batch`` (``now`` is its created_at), and the duplicate
    check's read of the register; ``person_batch_written`` finishes once the batch is inserted.

    The check reads the register inside the caller's write transaction, as in ``person_insert``,
    but as it was before the insert (a RowBatch read): the record cannot be among its own
    candidates, so the matches are the ones the check made after the insert, excluding the record.
    """
    person = new.person
    if person.merged_into_id is not None or person.pk is not None:
        raise ValueError("person_batch_add writes a new person's record.")
    check = duplicate_check(
        nhs_number=person.nhs_number,
        given_name=person.given_name,
        family_name=person.family_name,
        date_of_birth=person.date_of_birth,
        postcode=person.postcode,
    )
    # What Person.save() sets: the search names, and the timestamps (auto_now_add, auto_now).
    person.search_given_name = person.given_name.strip().lower()
    person.search_family_name = person.family_name.strip().lower()
    person.created_at = person.updated_at = now
    read = batch.read(*check.read) if check.read is not None else None
    ref = batch.add(Person, row_values(person))
    return PersonInBatch(new, ref, check, read, now)


def person_batch_written(
    *, added: PersonInBatch, batch: RowBatch, pks: list[int], actor: Any
) -> tuple[Person, list[AuditRow]]:
    """The person's record once ``batch`` is inserted (``pks`` its primary keys), with the
    possible duplicates flagged, and the audit rows ``person_insert`` would log, in its order.

    A record just inserted is in no pair yet, and no other transaction can pair it before this one
    commits (it cannot see the record), so each match is a new pair: no look-up for an existing
    pair and no savepoint around its insert, which ``person_flag_duplicates`` needs for a record
    other transactions can see.
    """
    person = added.new.person
    person.pk = pks[added.ref.index]
    person._state.adding = False
    person._state.db = connection.alias
    rows = [
        audit_row(
            action="create",
            obj=person,
            person=person,
            actor=actor,
            detail={"fields": added.new.given},
        )
    ]
    rows_read = batch.results[added.read.index] if added.read is not None else []
    for match in added.check.matches(rows_read):
        first, second = ordered_pair(person, match.person)
        # What PossibleDuplicate.full_clean() checks holds by construction: the reason is cut
        # to its 200 characters, the score is a float and the status is "open".
        pair = PossibleDuplicate(
            person=first,
            other=second,
            reason=match.reason[:200],
            score=match.score,
            created_at=added.now,
            updated_at=added.now,
        )
        pair.pk = insert_row(PossibleDuplicate, row_values(pair))
        rows.append(
            audit_row(
                action="create",
                obj=pair,
                person=person,
                actor=actor,
                detail={
                    "other": str(match.person.uuid),
                    "reason": pair.reason,
                    "score": pair.score,
                },
            )
        )
    return person, rows


@dataclass
class ConsentInBatch:
    """A consent record added to a RowBatch (``consent_batch_add``)."""

    uuid: uuid_lib.UUID
    purpose: str
    given: bool
    method: str


def consent_batch_add(
    *,
    person: PersonInBatch,
    purpose: str,
    given: bool,
    actor: Any,
    method: str,
    note: str,
    batch: RowBatch,
) -> ConsentInBatch:
    """``consent_record`` for a new person's record in the same batch (so not merged), recorded
    at the record's ``now``; ``consent_batch_audit_row`` gives its audit row once written. The
    purpose and the method must be valid: the caller passes constants."""
    if purpose not in ConsentPurpose.values or method not in ConsentMethod.values:
        raise ValueError(f"Not a consent purpose and method: {purpose!r}, {method!r}.")
    consent = ConsentInBatch(uuid_lib.uuid4(), purpose, bool(given), method)
    batch.add(
        Consent,
        {
            "uuid": consent.uuid,
            "created_at": person.now,
            "updated_at": person.now,
            "person_id": person.ref,
            "purpose": purpose,
            "given": consent.given,
            "recorded_at": person.now,
            "recorded_by_id": actor.pk if getattr(actor, "pk", None) else None,
            "method": method,
            "note": (note or "").strip(),
        },
    )
    return consent


def consent_batch_audit_row(*, consent: ConsentInBatch, person: Person, actor: Any) -> AuditRow:
    """The audit row ``consent_record`` would log for a consent written by ``consent_batch_add``."""
    return audit_row(
        action="create",
        object_type=Consent.__name__,
        object_id=str(consent.uuid),
        person=person,
        actor=actor,
        detail={"purpose": consent.purpose, "given": consent.given, "method": consent.method},
    )


def person_create(*, actor: Any, given_name: str, family_name: str, **fields: Any) -> Person:
    """Create a person's record (NHS number and postcode normalised), audited as "create".

    Also runs the duplicate check (``person_flag_duplicates``), so a possible duplicate is flagged
    for review however the record arrived; ``person_update`` runs it again when identity changes.
    """
    new = person_new(given_name=given_name, family_name=family_name, **fields)
    return person_insert(new=new, actor=actor)


@transaction.atomic
def person_update(*, person: Person, actor: Any, **fields: Any) -> Person:
    """Change a person's record; the audit row names the changed fields (never their values).

    A merged record cannot be changed: its survivor holds the history.
    """
    if person.merged_into_id is not None:
        raise Conflict("This record was merged into another one; change that record instead.")
    cleaned = _clean_person_fields(fields)
    for name in ("given_name", "family_name"):
        if name in cleaned and not cleaned[name]:
            raise ValidationError({name: ["This field cannot be blank."]})
    person = Person.objects.select_for_update().get(pk=person.pk)
    changed: list[str] = []
    for name, value in cleaned.items():
        current = getattr(person, name)
        if current != value:
            setattr(person, name, value)
            changed.append(name)
    if not changed:
        return person
    _check_date_of_birth(person)
    person.full_clean()
    person.save()
    audit_log(
        action="update", obj=person, person=person, actor=actor, detail={"fields": sorted(changed)}
    )
    if IDENTITY_FIELDS.intersection(changed):
        person_flag_duplicates(person=person, actor=actor)
    return person


def consent_record(
    *,
    person: Person,
    purpose: str,
    given: bool,
    actor: Any,
    method: str,
    note: str = "",
    recorded_at: dt.datetime | None = None,
) -> Consent:
    """Record consent given or withdrawn for one purpose; the newest record is the one in force
    (``selectors.consent_in_force``). ``recorded_at`` defaults to now and cannot be in the future.
    """
    if person.merged_into_id is not None:
        raise Conflict("This record was merged into another one; record consent there.")
    errors: dict[str, list[str]] = {}
    if purpose not in ConsentPurpose.values:
        errors["purpose"] = [f"{quoted(purpose)} is not a consent purpose."]
    if method not in ConsentMethod.values:
        errors["method"] = [f"{quoted(method)} is not a way of recording consent."]
    now = timezone.now()
    if recorded_at is None:
        recorded_at = now
    elif timezone.is_naive(recorded_at):
        errors["recorded_at"] = ["Give the time with a time zone."]
    elif recorded_at > now + _CLOCK_SKEW:
        errors["recorded_at"] = ["Consent cannot be recorded in the future."]
    if errors:
        raise ValidationError(errors)
    consent = Consent(
        person=person,
        purpose=purpose,
        given=bool(given),
        recorded_at=recorded_at,
        recorded_by=actor if getattr(actor, "pk", None) else None,
        method=method,
        note=(note or "").strip(),
    )
    consent.full_clean(exclude=["uuid", "person", "recorded_by"])
    with transaction.atomic(savepoint=False):  # see person_create
        consent.save()
        audit_log(
            action="create",
            obj=consent,
            person=person,
            actor=actor,
            detail={"purpose": purpose, "given": bool(given), "method": method},
        )
    return consent
