"""Writes for community: feedback (named or anonymous), you said/we did, practice training."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from linkwell.accounts.models import Organisation, OrganisationKind, Role, User
from linkwell.audit.context import RequestContext, reset_context, set_context
from linkwell.audit.services import audit_log
from linkwell.common.errors import NotFound

from .models import Feedback, FeedbackKind, PracticeTrainingSession, TrainingProgramme, YouSaidWeDid

STAFF_ROLES = (Role.LINK_WORKER, Role.SUPERVISOR, Role.ADMIN)


def is_service_staff(user: Any, organisation_id: int | None) -> bool:
    return bool(
        getattr(user, "is_authenticated", False)
        and user.is_active
        and user.role in STAFF_ROLES
        and organisation_id is not None
        and user.organisation_id == organisation_id
    )


def _require_staff(actor: Any, organisation_id: int | None) -> int:
    if organisation_id is None or not is_service_staff(actor, organisation_id):
        raise NotFound("Not found.")
    return organisation_id


@transaction.atomic
def feedback_submit(
    *,
    organisation: Organisation,
    kind: str,
    text: str,
    rating: int | None = None,
    anonymous: bool = True,
    name: str = "",
    contact: str = "",
    about_service_uuid: Any = None,
    user: Any = None,
) -> Feedback:
    """Store feedback or an idea. Anonymous feedback keeps no user, name, contact, IP address,
    request id or exact time, in the row or in its audit row."""
    errors: dict[str, list[str]] = {}
    text = (text or "").strip()
    if kind not in FeedbackKind.values:
        errors["kind"] = ["Choose feedback or an idea."]
    if not text:
        errors["text"] = ["Tell us what you think."]
    elif len(text) > 2000:
        errors["text"] = ["Keep it to 2,000 characters or fewer."]
    if rating is not None and not 1 <= rating <= 5:
        errors["rating"] = ["Choose a rating from 1 to 5."]
    if not anonymous and not name.strip():
        errors["name"] = ["Enter your name, or choose to stay anonymous."]
    if organisation.kind != OrganisationKind.SOCIAL_PRESCRIBING_SERVICE:
        errors["organisation"] = ["Feedback goes to a social prescribing service."]
    if errors:
        raise ValidationError(errors)
    signed_in = user if getattr(user, "is_authenticated", False) else None
    feedback = Feedback(
        organisation=organisation,
        kind=kind,
        text=text,
        rating=rating,
        about_service_uuid=about_service_uuid,
        anonymous=anonymous,
        name="" if anonymous else name.strip()[:100],
        contact="" if anonymous else contact.strip()[:200],
        submitted_by=None if anonymous else signed_in,
        submitted_on=timezone.localdate(),
    )
    feedback.full_clean()
    feedback.save()
    if anonymous:
        # An empty context: no actor, no IP address, no request id that could lead back.
        token = set_context(RequestContext())
        try:
            audit_log(action="create", obj=feedback, actor=None, detail={"anonymous": True})
        finally:
            reset_context(token)
    else:
        audit_log(action="create", obj=feedback, actor=signed_in)
    return feedback


@transaction.atomic
def you_said_we_did_create(
    *, actor: User, you_said: str, we_did: str, publish: bool = False
) -> YouSaidWeDid:
    org_id = _require_staff(actor, actor.organisation_id)
    entry = YouSaidWeDid(
        organisation_id=org_id,
        you_said=you_said.strip(),
        we_did=we_did.strip(),
        published=publish,
        published_on=timezone.localdate() if publish else None,
    )
    entry.full_clean()
    entry.save()
    audit_log(action="create", obj=entry, actor=actor, detail={"published": publish})
    return entry


@transaction.atomic
def you_said_we_did_publish(*, actor: User, entry: YouSaidWeDid, publish: bool) -> YouSaidWeDid:
    _require_staff(actor, entry.organisation_id)
    entry.published = publish
    entry.published_on = timezone.localdate() if publish else None
    entry.full_clean()
    entry.save()
    audit_log(action="update", obj=entry, actor=actor, detail={"published": publish})
    return entry


@transaction.atomic
def training_programme_create(
    *, actor: User, title: str, description: str = ""
) -> TrainingProgramme:
    org_id = _require_staff(actor, actor.organisation_id)
    programme = TrainingProgramme(
        organisation_id=org_id, title=title.strip(), description=description
    )
    programme.full_clean()
    programme.save()
    audit_log(action="create", obj=programme, actor=actor)
    return programme


@transaction.atomic
def training_session_record(
    *,
    actor: User,
    programme: TrainingProgramme,
    practice: Organisation,
    delivered_on: dt.date,
    trainers: list[str],
    attendance: int,
    feedback_score: Decimal | None = None,
    feedback_notes: str = "",
) -> PracticeTrainingSession:
    """Record a session delivered to a practice's team: trainers, attendance and feedback."""
    _require_staff(actor, programme.organisation_id)
    errors: dict[str, list[str]] = {}
    if delivered_on > timezone.localdate():
        errors["delivered_on"] = ["The session date cannot be in the future."]
    if not [t for t in trainers if t.strip()]:
        errors["trainers"] = ["Enter at least one trainer."]
    if feedback_score is not None and not Decimal(0) <= feedback_score <= Decimal(5):
        errors["feedback_score"] = ["Enter a feedback score from 0 to 5."]
    if errors:
        raise ValidationError(errors)
    session = PracticeTrainingSession(
        programme=programme,
        practice=practice,
        delivered_on=delivered_on,
        trainers=[t.strip() for t in trainers if t.strip()],
        attendance=attendance,
        feedback_score=feedback_score,
        feedback_notes=feedback_notes,
    )
    session.full_clean()
    session.save()
    audit_log(action="create", obj=session, actor=actor, detail={"practice": str(practice.uuid)})
    return session
