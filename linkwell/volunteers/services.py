"""Writes for volunteers: recruitment steps, checks, training, supervision, matches and hours."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from linkwell.accounts.models import Role, User
from linkwell.audit.services import audit_log
from linkwell.common.errors import Conflict, Forbidden, NotFound, quoted
from linkwell.notifications.services import alert_create
from linkwell.people.models import ConsentPurpose, Person
from linkwell.people.selectors import consent_in_force, person_is_visible

from .models import (
    HoursLog,
    Match,
    MatchEndReason,
    MatchReview,
    MatchStatus,
    SupervisionSession,
    TrainingCompletion,
    TrainingModule,
    Volunteer,
    VolunteerRole,
    VolunteerStatus,
)
from .rules import expiring_soon, is_volunteer_staff, match_blockers, organisation_modules

# Recruitment moves forward one step at a time; pause and leave are possible from anywhere.
_NEXT = {
    VolunteerStatus.APPLIED: {VolunteerStatus.REFERENCES},
    VolunteerStatus.REFERENCES: {VolunteerStatus.CHECKS},
    VolunteerStatus.CHECKS: {VolunteerStatus.TRAINING},
    VolunteerStatus.TRAINING: {VolunteerStatus.ACTIVE},
    VolunteerStatus.ACTIVE: {VolunteerStatus.PAUSED},
    VolunteerStatus.PAUSED: {VolunteerStatus.ACTIVE},
    VolunteerStatus.LEFT: set(),
}


def _today() -> dt.date:
    return timezone.localdate()


def _words(values: list[str] | None) -> list[str]:
    return sorted({v.strip().lower() for v in values or [] if v and v.strip()})


def _require_staff(actor: Any, volunteer_org_id: int | None) -> int:
    if volunteer_org_id is None or not is_volunteer_staff(actor, volunteer_org_id):
        raise NotFound("No such volunteer.")
    return volunteer_org_id


@transaction.atomic
def volunteer_create(
    *,
    actor: User,
    user: User,
    role: str,
    languages: list[str] | None = None,
    interests: list[str] | None = None,
    availability: list[str] | None = None,
    area: str = "",
    max_matches: int = 2,
) -> Volunteer:
    """Record an application; the user must have the volunteer role in the actor's service."""
    org_id = _require_staff(actor, actor.organisation_id)
    if user.role != Role.VOLUNTEER or user.organisation_id != actor.organisation_id:
        raise ValidationError({"user": ["Choose a user with the volunteer role in your service."]})
    if role not in VolunteerRole.values:
        raise ValidationError({"role": [f"{quoted(role)} is not a volunteer role."]})
    volunteer = Volunteer(
        user=user,
        organisation_id=org_id,
        role=role,
        languages=_words(languages),
        interests=_words(interests),
        availability=_words(availability),
        area=area.strip().upper(),
        max_matches=max_matches,
    )
    volunteer.full_clean()
    volunteer.save()
    audit_log(action="create", obj=volunteer, actor=actor, detail={"role": role})
    return volunteer


@transaction.atomic
def volunteer_set_status(*, volunteer: Volunteer, actor: User, status: str) -> Volunteer:
    """Move the volunteer along recruitment (applied → references → checks → training → active)."""
    _require_staff(actor, volunteer.organisation_id)
    volunteer = Volunteer.objects.select_for_update().get(pk=volunteer.pk)
    if status not in VolunteerStatus.values:
        raise ValidationError({"status": [f"{quoted(status)} is not a volunteer status."]})
    allowed = _NEXT[VolunteerStatus(volunteer.status)] | (
        {VolunteerStatus.LEFT} if volunteer.status != VolunteerStatus.LEFT else set()
    )
    if status not in allowed:
        raise Conflict(
            f"A volunteer cannot go from '{volunteer.get_status_display()}' to "
            f"'{VolunteerStatus(status).label}'."
        )
    if status == VolunteerStatus.CHECKS and volunteer.references_received < 2:
        raise Conflict("Two references are needed before the DBS check.")
    if status == VolunteerStatus.ACTIVE:
        blockers = [b for b in match_blockers(volunteer, today=_today()) if "not matched" not in b]
        blockers = [b for b in blockers if "status" not in b]
        if blockers:
            raise Conflict("The volunteer cannot be active yet.", extra={"reasons": blockers})
    before = volunteer.status
    volunteer.status = status
    volunteer.full_clean()
    volunteer.save()
    audit_log(action="update", obj=volunteer, actor=actor, detail={"status": [before, status]})
    return volunteer


@transaction.atomic
def volunteer_record_references(*, volunteer: Volunteer, actor: User, received: int) -> Volunteer:
    _require_staff(actor, volunteer.organisation_id)
    if received < 0 or received > 5:
        raise ValidationError({"received": ["Enter a number of references from 0 to 5."]})
    volunteer.references_received = received
    volunteer.full_clean()
    volunteer.save()
    audit_log(action="update", obj=volunteer, actor=actor, detail={"references": received})
    return volunteer


@transaction.atomic
def dbs_record(
    *, volunteer: Volunteer, actor: User, checked_on: dt.date, renew_by: dt.date
) -> Volunteer:
    """Record a DBS check with the date it must be renewed by."""
    _require_staff(actor, volunteer.organisation_id)
    errors: dict[str, list[str]] = {}
    if checked_on > _today():
        errors["checked_on"] = ["The check date cannot be in the future."]
    if renew_by <= checked_on:
        errors["renew_by"] = ["The renewal date must be after the check date."]
    if errors:
        raise ValidationError(errors)
    volunteer.dbs_checked_on = checked_on
    volunteer.dbs_renew_by = renew_by
    volunteer.full_clean()
    volunteer.save()
    audit_log(
        action="update",
        obj=volunteer,
        actor=actor,
        detail={"dbs_checked_on": checked_on.isoformat(), "dbs_renew_by": renew_by.isoformat()},
    )
    return volunteer


@transaction.atomic
def training_module_create(
    *, actor: User, name: str, required_for: list[str], valid_for_days: int | None = None
) -> TrainingModule:
    org_id = _require_staff(actor, actor.organisation_id)
    bad = [r for r in required_for if r not in VolunteerRole.values]
    if bad:
        raise ValidationError({"required_for": [f"{quoted(bad[0])} is not a volunteer role."]})
    module = TrainingModule(
        organisation_id=org_id,
        name=name.strip(),
        required_for=sorted(set(required_for)),
        valid_for_days=valid_for_days,
    )
    module.full_clean()
    module.save()
    audit_log(action="create", obj=module, actor=actor)
    return module


@transaction.atomic
def training_record(
    *, volunteer: Volunteer, actor: User, module: TrainingModule, completed_on: dt.date
) -> TrainingCompletion:
    """Record a completed module; its expiry follows from the module's validity."""
    _require_staff(actor, volunteer.organisation_id)
    if module.organisation_id != volunteer.organisation_id:
        raise NotFound("No such training module.")
    if completed_on > _today():
        raise ValidationError({"completed_on": ["The completion date cannot be in the future."]})
    expires = (
        completed_on + dt.timedelta(days=module.valid_for_days) if module.valid_for_days else None
    )
    done = TrainingCompletion(
        volunteer=volunteer, module=module, completed_on=completed_on, expires_on=expires
    )
    done.full_clean()
    done.save()
    audit_log(action="create", obj=done, actor=actor, detail={"module": module.name})
    return done


@transaction.atomic
def supervision_record(
    *, volunteer: Volunteer, actor: User, held_on: dt.date, notes: str = ""
) -> SupervisionSession:
    _require_staff(actor, volunteer.organisation_id)
    if held_on > _today():
        raise ValidationError({"held_on": ["The session date cannot be in the future."]})
    session = SupervisionSession(
        volunteer=volunteer, supervisor=actor, held_on=held_on, notes=notes
    )
    session.full_clean()
    session.save()
    audit_log(action="create", obj=session, actor=actor)
    return session


@transaction.atomic
def match_create(
    *,
    actor: User,
    volunteer: Volunteer,
    person: Person,
    agreed_plan_items: list[str],
) -> Match:
    """A link worker confirms a match of a person (who consents to support) with a volunteer."""
    if actor.role not in (Role.LINK_WORKER, Role.SUPERVISOR) or not actor.team_id:
        raise Forbidden("Only link workers and supervisors confirm matches.")
    _require_staff(actor, volunteer.organisation_id)
    if not person_is_visible(user=actor, person=person):
        raise NotFound("No such person.")
    volunteer = Volunteer.objects.select_for_update().get(pk=volunteer.pk)
    if not consent_in_force(person=person, purpose=ConsentPurpose.SUPPORT):
        raise Conflict("The person has not consented to support, so they cannot be matched.")
    blockers = match_blockers(volunteer, today=_today())
    if blockers:
        raise Conflict(
            "This volunteer cannot take a new match until this is sorted out.",
            extra={"reasons": blockers},
        )
    active = volunteer.matches.filter(status=MatchStatus.ACTIVE)
    if active.filter(person=person).exists():
        raise Conflict("This person is already matched with this volunteer.")
    if active.count() >= volunteer.max_matches:
        raise Conflict("This volunteer already has as many matches as they can take.")
    items = [i.strip() for i in agreed_plan_items if i and i.strip()]
    if not items:
        raise ValidationError(
            {"agreed_plan_items": ["Enter at least one thing the person agreed to get help with."]}
        )
    match = Match(
        volunteer=volunteer,
        person=person,
        team_id=actor.team_id,
        confirmed_by=actor,
        agreed_plan_items=items,
        started_on=_today(),
    )
    match.full_clean()
    match.save()
    audit_log(
        action="create",
        obj=match,
        person=person,
        actor=actor,
        detail={"volunteer": str(volunteer.uuid)},
    )
    return match


def _require_match_staff(actor: Any, match: Match) -> None:
    if not is_volunteer_staff(actor, match.volunteer.organisation_id) or not person_is_visible(
        user=actor, person=match.person
    ):
        raise NotFound("No such match.")


@transaction.atomic
def match_review_add(
    *, match: Match, actor: User, going_well: bool, notes: str = ""
) -> MatchReview:
    _require_match_staff(actor, match)
    if match.status != MatchStatus.ACTIVE:
        raise Conflict("This match has ended.")
    review = MatchReview(
        match=match, reviewed_by=actor, reviewed_on=_today(), going_well=going_well, notes=notes
    )
    review.full_clean()
    review.save()
    audit_log(action="create", obj=review, person=match.person, actor=actor)
    return review


@transaction.atomic
def match_end(*, match: Match, actor: User, reason: str, note: str = "") -> Match:
    _require_match_staff(actor, match)
    match = Match.objects.select_for_update().get(pk=match.pk)
    if match.status != MatchStatus.ACTIVE:
        raise Conflict("This match has already ended.")
    if reason not in MatchEndReason.values:
        raise ValidationError({"reason": ["Choose why the match is ending."]})
    if reason == MatchEndReason.OTHER and not note.strip():
        raise ValidationError({"note": ["Say why the match is ending."]})
    match.status = MatchStatus.ENDED
    match.ended_on = _today()
    match.end_reason = reason
    match.end_note = note.strip()
    match.full_clean()
    match.save()
    audit_log(
        action="update", obj=match, person=match.person, actor=actor, detail={"ended": reason}
    )
    return match


@transaction.atomic
def hours_log(
    *,
    actor: User,
    worked_on: dt.date,
    hours: Decimal,
    match_uuid: str | None = None,
    activity: str = "",
) -> HoursLog:
    """A volunteer logs their own hours, optionally against one of their own active matches."""
    if not getattr(actor, "is_authenticated", False) or actor.role != Role.VOLUNTEER:
        raise Forbidden("Only volunteers log their hours here.")
    volunteer = Volunteer.objects.filter(user=actor).first()
    if volunteer is None:
        raise Forbidden("Only volunteers log their hours here.")
    errors: dict[str, list[str]] = {}
    if worked_on > _today():
        errors["worked_on"] = ["The date cannot be in the future."]
    # NaN is a Decimal too, and comparing one raises: checked first.
    if not hours.is_finite() or not Decimal("0.25") <= hours <= Decimal("12"):
        errors["hours"] = ["Enter hours from 0.25 to 12."]
    match = None
    if match_uuid:
        match = volunteer.matches.filter(uuid=match_uuid, status=MatchStatus.ACTIVE).first()
        if match is None:
            errors["match"] = ["Choose one of your current matches."]
    if errors:
        raise ValidationError(errors)
    entry = HoursLog(
        volunteer=volunteer, match=match, worked_on=worked_on, hours=hours, activity=activity
    )
    entry.full_clean()
    entry.save()
    audit_log(action="create", obj=entry, actor=actor, detail={"hours": str(hours)})
    return entry


@transaction.atomic
def compliance_reminders_send(*, today: dt.date | None = None) -> int:
    """Alert each volunteer, and their service's supervisors, about checks and training that run
    out within 30 days or already have. Returns the number of volunteers reminded."""
    today = today or _today()
    reminded = 0
    volunteers = list(
        Volunteer.objects.exclude(status=VolunteerStatus.LEFT)
        .select_related("user")
        .prefetch_related("training")
    )
    modules = organisation_modules(v.organisation_id for v in volunteers)
    for volunteer in volunteers:
        items = expiring_soon(volunteer, today=today, modules=modules[volunteer.organisation_id])
        if not items:
            continue
        supervisors = User.objects.filter(
            organisation_id=volunteer.organisation_id, role=Role.SUPERVISOR, is_active=True
        )
        alert_create(
            recipients=[volunteer.user, *supervisors],
            kind="deadline_reminder",
            message="Volunteer checks or training need renewing: " + "; ".join(items),
            url=f"/volunteers/{volunteer.uuid}/",
            obj=volunteer,
        )
        reminded += 1
    return reminded
