"""/api/v1/referrals: make a referral (idempotent), follow it, and move it through its statuses.

Referrers see their organisation's referrals (status, history, the message back); the receiving
team also sees the episode it opened. Everyone else gets 404.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from uuid import UUID

from django.http import HttpRequest
from ninja import Header, Query, Router, Schema

from linkwell.accounts.models import User
from linkwell.common.errors import ApplicationError, Forbidden, NotFound
from linkwell.common.paging import MAX_OFFSET
from linkwell.common.schemas import ApiDate

from .models import Referral, ReferralStatusChange
from .selectors import (
    referral_get_for_user,
    referral_history,
    referral_is_staff_view,
    referral_list_for_user,
)
from .services import (
    REFERRING_ROLES,
    referral_assign,
    referral_create_via_api,
    referral_transition,
)

router = Router()


class PersonIn(Schema):
    given_name: str
    family_name: str
    date_of_birth: ApiDate | None = None
    nhs_number: str | None = None
    preferred_name: str | None = None
    address: str | None = None
    postcode: str | None = None
    phone: str | None = None
    email: str | None = None
    preferred_contact_method: str | None = None
    preferred_contact_times: str | None = None
    language: str | None = None
    interpreter_needed: bool | None = None
    accessibility_needs: str | None = None
    ethnic_category: str | None = None
    sex: str | None = None
    gender_identity: str | None = None


class ReferralIn(Schema):
    person: PersonIn
    source: str
    reason: str
    suggested_needs: list[str] = []
    urgency: str = "routine"
    risk_of_harm: bool = False
    safeguarding_concern: bool = False
    risk_details: str = ""
    consent_confirmed: bool = False
    referrer_name: str = ""
    referrer_contact: str = ""
    team: UUID | None = None


class TeamOut(Schema):
    uuid: UUID
    name: str


class ReferralOut(Schema):
    uuid: UUID
    reference: str
    status: str
    status_reason: str
    status_changed_at: dt.datetime | None
    source: str
    urgency: str
    reason: str
    suggested_needs: list[str]
    risk_of_harm: bool
    safeguarding_concern: bool
    risk_details: str
    response_due: dt.date | None
    created_at: dt.datetime
    person: UUID
    team: TeamOut
    referring_organisation: str | None
    assigned_to: UUID | None
    message_back: str
    # Only for the receiving team; a referrer never sees the episode.
    episode: UUID | None = None


class ReferralHistoryOut(Schema):
    from_status: str
    to_status: str
    reason: str
    at: dt.datetime
    snomed_code: str
    actor: str | None


class ReferralTransitionIn(Schema):
    status: str
    reason: str = ""


class AssignIn(Schema):
    link_worker: UUID


def referral_out(referral: Referral, *, user: Any) -> dict[str, Any]:
    staff = referral_is_staff_view(user=user, referral=referral)
    episode = getattr(referral, "episode", None) if staff else None
    return {
        "uuid": referral.uuid,
        "reference": referral.reference,
        "status": referral.status,
        "status_reason": referral.status_reason,
        "status_changed_at": referral.status_changed_at,
        "source": referral.source,
        "urgency": referral.urgency,
        "reason": referral.reason,
        "suggested_needs": list(referral.suggested_needs or []),
        "risk_of_harm": referral.risk_of_harm,
        "safeguarding_concern": referral.safeguarding_concern,
        "risk_details": referral.risk_details,
        "response_due": referral.response_due,
        "created_at": referral.created_at,
        "person": referral.person.uuid,
        "team": {"uuid": referral.team.uuid, "name": referral.team.name},
        "referring_organisation": (
            referral.referring_organisation.name if referral.referring_organisation else None
        ),
        "assigned_to": referral.assigned_to.uuid if referral.assigned_to else None,
        "message_back": referral.message_back,
        "episode": episode.uuid if episode else None,
    }


def _history_out(change: ReferralStatusChange) -> dict[str, Any]:
    return {
        "from_status": change.from_status,
        "to_status": change.to_status,
        "reason": change.reason,
        "at": change.at,
        "snomed_code": change.snomed_code,
        "actor": change.actor.display_name if change.actor else None,
    }


@router.post(
    "",
    response={200: ReferralOut, 201: ReferralOut},
    summary="Make a referral (send an Idempotency-Key header; a retry returns the first result)",
)
def create_referral(
    request: HttpRequest,
    payload: ReferralIn,
    idempotency_key: str | None = Header(None, alias="Idempotency-Key"),  # noqa: B008
) -> tuple[int, ReferralOut]:
    user = request.user
    if getattr(user, "role", None) not in REFERRING_ROLES:
        raise Forbidden("Your role cannot make referrals.")
    if not idempotency_key or not idempotency_key.strip():
        raise ApplicationError(
            "Send an Idempotency-Key header with a new unique value (for example a UUID) so a "
            "retried request cannot make a second referral."
        )
    referral, created = referral_create_via_api(
        actor=user, idempotency_key=idempotency_key, payload=payload.dict()
    )
    # Built without validation: referral_out's values already have the schema's types (the API's
    # busiest response; reading a referral back renders the same bytes through validation).
    out = referral_out(referral, user=user)
    out["team"] = TeamOut.model_construct(**out["team"])
    return (201 if created else 200), ReferralOut.model_construct(**out)


@router.get("", response=list[ReferralOut], summary="Referrals I can see")
def list_referrals(
    request: HttpRequest,
    status: str | None = None,
    limit: int = Query(50, ge=1, le=200),  # noqa: B008
    offset: int = Query(0, ge=0, le=MAX_OFFSET),  # noqa: B008
) -> list[dict[str, Any]]:
    qs = referral_list_for_user(user=request.user, status=status).select_related("episode")
    return [referral_out(r, user=request.user) for r in qs[offset : offset + limit]]


@router.get("/{referral_uuid}", response=ReferralOut, summary="One referral")
def get_referral(request: HttpRequest, referral_uuid: str) -> dict[str, Any]:
    referral = referral_get_for_user(user=request.user, referral_uuid=referral_uuid)
    return referral_out(referral, user=request.user)


@router.get(
    "/{referral_uuid}/history",
    response=list[ReferralHistoryOut],
    summary="A referral's status history",
)
def get_referral_history(request: HttpRequest, referral_uuid: str) -> list[dict[str, Any]]:
    referral = referral_get_for_user(user=request.user, referral_uuid=referral_uuid)
    return [_history_out(c) for c in referral_history(referral=referral)]


@router.post(
    "/{referral_uuid}/transition",
    response=ReferralOut,
    summary="Change a referral's status (accept, decline, hold, cancel...)",
)
def transition_referral(
    request: HttpRequest, referral_uuid: str, payload: ReferralTransitionIn
) -> dict[str, Any]:
    referral = referral_get_for_user(user=request.user, referral_uuid=referral_uuid)
    referral = referral_transition(
        referral=referral, to_status=payload.status, actor=request.user, reason=payload.reason
    )
    return referral_out(referral, user=request.user)


@router.post(
    "/{referral_uuid}/assign", response=ReferralOut, summary="Assign a referral to a link worker"
)
def assign_referral(request: HttpRequest, referral_uuid: str, payload: AssignIn) -> dict[str, Any]:
    referral = referral_get_for_user(user=request.user, referral_uuid=referral_uuid)
    worker = User.objects.filter(uuid=payload.link_worker, is_active=True).first()
    if worker is None:
        raise NotFound("No such link worker.")
    referral = referral_assign(referral=referral, link_worker=worker, actor=request.user)
    return referral_out(referral, user=request.user)
