"""Merging two records of one person: everything that points at one moves to the other."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone

from linkwell.audit.services import audit_log
from linkwell.common.errors import Conflict

from ..models import DuplicateStatus, Person, PossibleDuplicate
from .duplicates import ordered_pair, pair_lookup, person_flag_duplicates
from .records import IDENTITY_FIELDS, PERSON_FIELDS, UNRECORDED_VALUES


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
        blank = current in (None, "") or current in UNRECORDED_VALUES.get(name, set())
        other_blank = other in (None, "") or other in UNRECORDED_VALUES.get(name, set())
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
        existing = PossibleDuplicate.objects.filter(pair_lookup(keep, partner)).first()
        if existing is not None:
            # keep already has a pair with this person; its decision stands.
            if pair.status == DuplicateStatus.OPEN:
                pair.status = DuplicateStatus.MERGED
                pair.resolved_by = actor
                pair.resolved_at = now
                pair.full_clean(validate_constraints=False)
                pair.save()
            continue
        first, second = ordered_pair(keep, partner)
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
