"""Flagging possible duplicates and deciding to keep a pair apart."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, models, transaction
from django.utils import timezone

from linkwell.audit.services import audit_log
from linkwell.common.errors import Conflict

from ..models import DuplicateStatus, Person, PossibleDuplicate
from ..selectors import person_find_duplicates


def ordered_pair(a: Person, b: Person) -> tuple[Person, Person]:
    """Pairs are stored lower id first, so (a, b) and (b, a) are one row."""
    return (a, b) if a.pk < b.pk else (b, a)


def pair_lookup(a: Person, b: Person) -> models.Q:
    return models.Q(person=a, other=b) | models.Q(person=b, other=a)


@transaction.atomic(savepoint=False)  # joins the caller's (person_create's) transaction
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
        existing = PossibleDuplicate.objects.filter(pair_lookup(person, match.person)).first()
        if existing is not None:
            if existing.status == DuplicateStatus.OPEN:
                flagged.append(existing)
            continue
        first, second = ordered_pair(person, match.person)
        pair = PossibleDuplicate(
            person=first, other=second, reason=match.reason[:200], score=match.score
        )
        pair.full_clean(exclude=["uuid", "person", "other"], validate_constraints=False)
        try:
            with transaction.atomic():
                pair.save()
        except IntegrityError:
            # Another request flagged the same pair a moment ago: use that row.
            concurrent = PossibleDuplicate.objects.filter(pair_lookup(person, match.person)).first()
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
