"""Writes to people, consent and possible duplicates. Each one is atomic and audited."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone

from linkwell.audit.services import audit_log
from linkwell.common.errors import Conflict

from .models import (
    Consent,
    ConsentMethod,
    ConsentPurpose,
    DuplicateStatus,
    EthnicCategory,
    Person,
    PossibleDuplicate,
    Sex,
)
from .selectors import person_find_duplicates
from .validation import normalise_nhs_number, normalise_postcode

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
_UNRECORDED: dict[str, set[Any]] = {
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


def _check_date_of_birth(person: Person) -> None:
    dob = person.date_of_birth
    if dob is not None and dob > timezone.localdate():
        raise ValidationError(
            {"date_of_birth": ["The date of birth cannot be in the future."]}, code="future_dob"
        )


@transaction.atomic
def person_create(*, actor: Any, given_name: str, family_name: str, **fields: Any) -> Person:
    """Create a person's record (NHS number and postcode normalised), audited as "create".

    Also runs the duplicate check (``person_flag_duplicates``), so a possible duplicate is flagged
    for review however the record arrived; ``person_update`` runs it again when identity changes.
    """
    cleaned = _clean_person_fields({"given_name": given_name, "family_name": family_name, **fields})
    person = Person(**cleaned)
    _check_date_of_birth(person)
    person.full_clean()
    person.save()
    audit_log(
        action="create",
        obj=person,
        person=person,
        actor=actor,
        detail={"fields": sorted(k for k, v in cleaned.items() if v not in ("", None))},
    )
    person_flag_duplicates(person=person, actor=actor)
    return person


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


@transaction.atomic
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
        errors["purpose"] = [f"{purpose!r} is not a consent purpose."]
    if method not in ConsentMethod.values:
        errors["method"] = [f"{method!r} is not a way of recording consent."]
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
    consent.full_clean()
    consent.save()
    audit_log(
        action="create",
        obj=consent,
        person=person,
        actor=actor,
        detail={"purpose": purpose, "given": bool(given), "method": method},
    )
    return consent


def _ordered_pair(a: Person, b: Person) -> tuple[Person, Person]:
    """Pairs are stored lower id first, so (a, b) and (b, a) are one row."""
    return (a, b) if a.pk < b.pk else (b, a)


def _pair_lookup(a: Person, b: Person) -> models.Q:
    return models.Q(person=a, other=b) | models.Q(person=b, other=a)


@transaction.atomic
def person_flag_duplicates(*, person: Person, actor: Any = None) -> list[PossibleDuplicate]:
    """Run the duplicate check for ``person`` and return the open pairs it belongs to among the
    matches. A pair is stored once whichever record came first, and a pair already decided
    (merged or kept apart) is not raised again.
    """
    if person.merged_into_id is not None:
        return []
    matches = person_find_duplicates(
        nhs_number=person.nhs_number,
        given_name=person.given_name,
        family_name=person.family_name,
        date_of_birth=person.date_of_birth,
        postcode=person.postcode,
        exclude_id=person.pk,
    )
    flagged: list[PossibleDuplicate] = []
    for match in matches:
        existing = PossibleDuplicate.objects.filter(_pair_lookup(person, match.person)).first()
        if existing is not None:
            if existing.status == DuplicateStatus.OPEN:
                flagged.append(existing)
            continue
        first, second = _ordered_pair(person, match.person)
        pair = PossibleDuplicate(
            person=first, other=second, reason=match.reason[:200], score=match.score
        )
        pair.full_clean(validate_constraints=False)
        try:
            with transaction.atomic():
                pair.save()
        except IntegrityError:
            # Another request flagged the same pair a moment ago: use that row.
            concurrent = PossibleDuplicate.objects.filter(
                _pair_lookup(person, match.person)
            ).first()
            if concurrent is not None and concurrent.status == DuplicateStatus.OPEN:
                flagged.append(concurrent)
            continue
        audit_log(
            action="create",
            obj=pair,
            person=person,
            actor=actor,
            detail={"other": str(match.person.uuid), "reason": pair.reason, "score": pair.score},
        )
        flagged.append(pair)
    return flagged


@transaction.atomic
def duplicate_keep_apart(*, duplicate: PossibleDuplicate, actor: Any) -> PossibleDuplicate:
    """Decide that a flagged pair are two different people; the pair is not raised again."""
    duplicate = PossibleDuplicate.objects.select_for_update().get(pk=duplicate.pk)
    if duplicate.status != DuplicateStatus.OPEN:
        raise Conflict(
            f"This pair was already decided ({duplicate.get_status_display().lower()}).",
            extra={"status": duplicate.status},
        )
    duplicate.status = DuplicateStatus.KEPT_APART
    duplicate.resolved_by = actor
    duplicate.resolved_at = timezone.now()
    duplicate.full_clean(validate_constraints=False)
    duplicate.save()
    for person_id in (duplicate.person_id, duplicate.other_id):
        audit_log(
            action="update",
            obj=duplicate,
            person=Person.objects.only("uuid").get(pk=person_id),
            actor=actor,
            detail={"status": DuplicateStatus.KEPT_APART},
        )
    return duplicate


# --- merge ----------------------------------------------------------------------------------


def _person_foreign_keys() -> list[tuple[type[models.Model], Any]]:
    """Every foreign key (and one-to-one) to Person in every installed model, including hidden
    ones (related_name="+") and many-to-many link tables, except merged_into and the duplicate
    pairs (handled on their own). New apps' person links are picked up without changes here."""
    found: list[tuple[type[models.Model], Any]] = []
    for rel in Person._meta.get_fields(include_hidden=True):
        if not (rel.auto_created and not rel.concrete and rel.is_relation):
            continue
        if rel.many_to_many:
            continue  # the link table's own foreign key is listed separately
        field = rel.field  # type: ignore[union-attr]
        model = field.model
        if model is PossibleDuplicate:
            continue
        if model is Person and field.name == "merged_into":
            continue
        found.append((model, field))
    return found


def _is_number_per_person(model: type[models.Model], field: Any) -> str | None:
    """The name of a per-person sequence field ("number" unique together with the person FK),
    such as an episode number, which has to be renumbered when two people's rows meet."""
    for constraint in model._meta.constraints:
        if isinstance(constraint, models.UniqueConstraint) and constraint.condition is None:
            names = set(constraint.fields)
            if field.name in names and len(names) == 2:
                (other,) = names - {field.name}
                if isinstance(model._meta.get_field(other), models.PositiveIntegerField):
                    return other
    return None


def _repoint(model: type[models.Model], field: Any, keep: Person, merge: Person) -> int:
    """Move ``merge``'s rows of one related model onto ``keep``; returns how many moved."""
    manager = model._default_manager
    rows = manager.filter(**{field.name: merge})
    if model._meta.auto_created:
        # A many-to-many link table: a link both records have is kept once.
        other_fk: Any
        (other_fk,) = [
            f
            for f in model._meta.concrete_fields
            if f.is_relation and f.name != field.name and f.related_model is not None
        ]
        already = manager.filter(**{field.name: keep}).values(other_fk.attname)
        rows.filter(**{f"{other_fk.attname}__in": already}).delete()
    sequence = _is_number_per_person(model, field)
    if sequence is None:
        count: int = rows.update(**{field.name: keep})
        return count
    # Per-person numbering (episode 1, 2, 3...): move the rows out of the way, then number all of
    # the survivor's rows again in the order they happened.
    order = [f for f in ("opened_at", "created_at") if any(x.name == f for x in model._meta.fields)]
    both = manager.filter(**{f"{field.name}__in": [keep.pk, merge.pk]})
    high = (both.aggregate(m=models.Max(sequence))["m"] or 0) + 1
    moved = 0
    for offset, pk in enumerate(rows.order_by(sequence).values_list("pk", flat=True), start=1):
        manager.filter(pk=pk).update(**{field.name: keep, sequence: high + offset})
        moved += 1
    if moved:
        survivor_rows = list(
            manager.filter(**{field.name: keep}).order_by(*order, "pk").values_list("pk", flat=True)
        )
        top = high + moved + 1
        for step, pk in enumerate(survivor_rows, start=1):
            manager.filter(pk=pk).update(**{sequence: top + step})
        for step, pk in enumerate(survivor_rows, start=1):
            manager.filter(pk=pk).update(**{sequence: step})
    return moved


def _fill_blanks(keep: Person, merge: Person) -> list[str]:
    filled: list[str] = []
    for name in sorted(PERSON_FIELDS):
        field: Any = Person._meta.get_field(name)
        current = getattr(keep, field.attname)
        other = getattr(merge, field.attname)
        blank = current in (None, "") or current in _UNRECORDED.get(name, set())
        other_blank = other in (None, "") or other in _UNRECORDED.get(name, set())
        if isinstance(field, models.BooleanField):
            # interpreter_needed: a need recorded on either record stays recorded.
            if other and not current:
                setattr(keep, field.attname, other)
                filled.append(name)
            continue
        if blank and not other_blank:
            setattr(keep, field.attname, other)
            filled.append(name)
    return filled


@transaction.atomic
def person_merge(*, keep: Person, merge: Person, actor: Any) -> Person:
    """Merge ``merge`` into ``keep``: every referral, episode, consent, duplicate flag and any other
    row pointing at ``merge`` moves to ``keep``; blank fields of ``keep`` are filled from
    ``merge``; ``merge.merged_into`` is set, so it leaves every list and search while its old links
    still resolve to ``keep``. One transaction: it all happens or nothing does.
    """
    if keep.pk == merge.pk:
        raise ValidationError("A record cannot be merged into itself.", code="merge_self")
    # Lock both rows in a fixed order so two merges of the same pair queue rather than interleave.
    locked = {
        p.pk: p for p in Person.objects.select_for_update().filter(pk__in=[keep.pk, merge.pk])
    }
    keep, merge = locked[keep.pk], locked[merge.pk]
    if keep.merged_into_id is not None or merge.merged_into_id is not None:
        raise Conflict("One of these records has already been merged into another.")
    if keep.nhs_number and merge.nhs_number and keep.nhs_number != merge.nhs_number:
        raise Conflict(
            "These records have different NHS numbers, so they are two people. "
            "Correct the wrong NHS number first if one was entered by mistake.",
            extra={"keep": keep.nhs_number, "merge": merge.nhs_number},
        )

    moved: dict[str, int] = {}
    for model, field in _person_foreign_keys():
        label = f"{model._meta.label}.{field.name}"
        try:
            with transaction.atomic():
                count = _repoint(model, field, keep, merge)
        except IntegrityError as exc:
            raise Conflict(
                f"These records cannot be merged automatically: both have a "
                f"{model._meta.verbose_name} that can only belong to one person.",
                extra={"relation": label},
            ) from exc
        if count:
            moved[label] = count

    moved_flags = _merge_duplicate_flags(keep=keep, merge=merge, actor=actor)
    if moved_flags:
        moved["people.PossibleDuplicate"] = moved_flags

    filled = _fill_blanks(keep, merge)
    keep.full_clean()
    keep.save()
    merge.merged_into = keep
    merge.full_clean()
    merge.save()

    detail = {"kept": str(keep.uuid), "merged": str(merge.uuid), "moved": moved, "filled": filled}
    audit_log(action="merge", obj=keep, person=keep, actor=actor, detail=detail)
    audit_log(action="merge", obj=merge, person=merge, actor=actor, detail=detail)
    if filled and IDENTITY_FIELDS.intersection(filled):
        person_flag_duplicates(person=keep, actor=actor)
    return keep


def _merge_duplicate_flags(*, keep: Person, merge: Person, actor: Any) -> int:
    """Close the pair being merged and carry ``merge``'s other flags over to ``keep``."""
    now = timezone.now()
    moved = 0
    for pair in PossibleDuplicate.objects.select_for_update().filter(
        models.Q(person=merge) | models.Q(other=merge)
    ):
        partner_id = pair.other_id if pair.person_id == merge.pk else pair.person_id
        if partner_id == keep.pk:
            pair.status = DuplicateStatus.MERGED
            pair.resolved_by = actor
            pair.resolved_at = now
            pair.full_clean(validate_constraints=False)
            pair.save()
            continue
        partner = Person.objects.get(pk=partner_id)
        existing = PossibleDuplicate.objects.filter(_pair_lookup(keep, partner)).first()
        if existing is not None:
            # keep already has a pair with this person; its decision stands.
            if pair.status == DuplicateStatus.OPEN:
                pair.status = DuplicateStatus.MERGED
                pair.resolved_by = actor
                pair.resolved_at = now
                pair.full_clean(validate_constraints=False)
                pair.save()
            continue
        first, second = _ordered_pair(keep, partner)
        pair.person, pair.other = first, second
        pair.full_clean(validate_constraints=False)
        pair.save()
        moved += 1
    # The pair being merged may not have been flagged at all (merged from a search); that is fine.
    return moved


def merge_candidates_default_keep(a: Person, b: Person) -> Person:
    """The record to keep by default: the one with an NHS number, else the older one."""
    if bool(a.nhs_number) != bool(b.nhs_number):
        return a if a.nhs_number else b
    return a if (a.created_at, a.pk) <= (b.created_at, b.pk) else b
