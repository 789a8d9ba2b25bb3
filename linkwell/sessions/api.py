"""/api/v1/sessions: an episode's one-to-one sessions, the diary and extension approvals."""

from __future__ import annotations

import datetime as dt
from typing import Any
from uuid import UUID

from django.http import HttpRequest
from ninja import Router, Schema

from linkwell.cases.selectors import episode_get_for_user
from linkwell.common.schemas import ApiDateTime

from . import selectors, services
from .models import AllowanceExtension, Appointment

router = Router()


class AppointmentIn(Schema):
    starts_at: ApiDateTime
    mode: str
    duration_minutes: int = 45
    venue_kind: str = ""
    venue_detail: str = ""


class OutcomeIn(Schema):
    outcome: str
    reason: str = ""
    dna_reason: str = ""


class AppointmentOut(Schema):
    uuid: UUID
    episode: UUID
    starts_at: dt.datetime
    duration_minutes: int
    mode: str
    venue_kind: str
    venue_detail: str
    outcome: str
    outcome_reason: str


class AllowanceOut(Schema):
    base: int
    approved_extra: int
    limit: int
    attended: int
    remaining: int
    pending_request: UUID | None


class ExtensionIn(Schema):
    extra_sessions: int
    reason: str


class DecisionIn(Schema):
    approve: bool
    note: str = ""


class AllowanceExtensionOut(Schema):
    uuid: UUID
    episode: UUID
    extra_sessions: int
    reason: str
    status: str
    decision_note: str


def _appointment(a: Appointment) -> dict[str, Any]:
    return {
        "uuid": a.uuid,
        "episode": a.episode.uuid,
        "starts_at": a.starts_at,
        "duration_minutes": a.duration_minutes,
        "mode": a.mode,
        "venue_kind": a.venue_kind,
        "venue_detail": a.venue_detail,
        "outcome": a.outcome,
        "outcome_reason": a.outcome_reason,
    }


def _extension(e: AllowanceExtension) -> dict[str, Any]:
    return {
        "uuid": e.uuid,
        "episode": e.episode.uuid,
        "extra_sessions": e.extra_sessions,
        "reason": e.reason,
        "status": e.status,
        "decision_note": e.decision_note,
    }


@router.get("/episodes/{episode_uuid}/appointments", response=list[AppointmentOut])
def appointment_list(request: HttpRequest, episode_uuid: UUID) -> list[dict[str, Any]]:
    episode = episode_get_for_user(user=request.user, episode_uuid=episode_uuid)
    return [_appointment(a) for a in selectors.appointment_list_for_episode(episode=episode)]


@router.post("/episodes/{episode_uuid}/appointments", response={201: AppointmentOut})
def appointment_book(
    request: HttpRequest, episode_uuid: UUID, payload: AppointmentIn
) -> tuple[int, dict[str, Any]]:
    episode = episode_get_for_user(user=request.user, episode_uuid=episode_uuid)
    appointment = services.appointment_book(episode=episode, actor=request.user, **payload.dict())
    return 201, _appointment(appointment)


@router.post("/appointments/{appointment_uuid}/outcome", response=AppointmentOut)
def appointment_outcome(
    request: HttpRequest, appointment_uuid: UUID, payload: OutcomeIn
) -> dict[str, Any]:
    appointment = selectors.appointment_get_for_user(
        user=request.user, appointment_uuid=appointment_uuid
    )
    appointment = services.appointment_record_outcome(
        appointment=appointment,
        actor=request.user,
        outcome=payload.outcome,
        reason=payload.reason,
        dna_reason=payload.dna_reason,
    )
    return _appointment(appointment)


@router.get("/diary", response=list[AppointmentOut])
def diary(request: HttpRequest, start: dt.date, days: int = 1) -> list[dict[str, Any]]:
    days = 7 if days > 1 else 1
    return [
        _appointment(a) for a in selectors.diary_for_user(user=request.user, start=start, days=days)
    ]


@router.get("/episodes/{episode_uuid}/allowance", response=AllowanceOut)
def allowance(request: HttpRequest, episode_uuid: UUID) -> dict[str, Any]:
    episode = episode_get_for_user(user=request.user, episode_uuid=episode_uuid)
    state = selectors.allowance_for_episode(episode=episode)
    return {
        "base": state.base,
        "approved_extra": state.approved_extra,
        "limit": state.limit,
        "attended": state.attended,
        "remaining": state.remaining,
        "pending_request": state.pending_request.uuid if state.pending_request else None,
    }


@router.post("/episodes/{episode_uuid}/extensions", response={201: AllowanceExtensionOut})
def extension_request(
    request: HttpRequest, episode_uuid: UUID, payload: ExtensionIn
) -> tuple[int, dict[str, Any]]:
    episode = episode_get_for_user(user=request.user, episode_uuid=episode_uuid)
    extension = services.extension_request(
        episode=episode,
        actor=request.user,
        extra_sessions=payload.extra_sessions,
        reason=payload.reason,
    )
    return 201, _extension(extension)


@router.get("/extensions/awaiting", response=list[AllowanceExtensionOut])
def extensions_awaiting(request: HttpRequest) -> list[dict[str, Any]]:
    return [_extension(e) for e in selectors.extensions_awaiting_for_user(user=request.user)]


@router.post("/extensions/{extension_uuid}/decision", response=AllowanceExtensionOut)
def extension_decide(
    request: HttpRequest, extension_uuid: UUID, payload: DecisionIn
) -> dict[str, Any]:
    extension = selectors.extension_get_for_user(user=request.user, extension_uuid=extension_uuid)
    extension = services.extension_decide(
        extension=extension, actor=request.user, approve=payload.approve, note=payload.note
    )
    return _extension(extension)
