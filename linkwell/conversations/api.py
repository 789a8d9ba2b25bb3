"""/api/v1/episodes/{uuid}/conversation, /plan and /options: the "what matters to you" record,
the support plan and the services offered. The episode's team only; others get 404."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any
from uuid import UUID

from django.http import HttpRequest
from ninja import Router, Schema
from pydantic import Field

from linkwell.common.schemas import AnObject, ApiDate

from . import selectors, services
from .models import Conversation, PlanOption, SupportPlan

router = Router()


class NeedIn(Schema):
    code: str
    priority: int = 2
    own_words: str = ""


class PreferencesIn(Schema):
    delivery_modes: list[str] = []
    max_travel_km: float | None = None
    days: list[int] = []
    times: list[str] = []
    language: str = ""
    group: str = "either"
    avoid_mental_health_label: bool = False


class ConversationIn(Schema):
    needs: list[NeedIn]
    strengths: str = Field("", max_length=5000)
    preferences: Annotated[PreferencesIn, AnObject] = PreferencesIn()
    notes: str = Field("", max_length=10000)


class ConversationOut(Schema):
    uuid: UUID
    version: int
    needs: list[dict[str, Any]]
    strengths: str
    preferences: dict[str, Any]
    notes: str
    safeguarding_flag: bool
    recorded_by: str | None
    created_at: dt.datetime


class ConversationHistoryOut(Schema):
    current: ConversationOut | None
    versions: list[ConversationOut]


def _conversation_out(c: Conversation) -> dict[str, Any]:
    return {
        "uuid": c.uuid,
        "version": c.version,
        "needs": c.needs,
        "strengths": c.strengths,
        "preferences": c.preferences,
        "notes": c.notes,
        "safeguarding_flag": c.safeguarding_flag,
        "recorded_by": c.recorded_by.username if c.recorded_by else None,
        "created_at": c.created_at,
    }


@router.get("/episodes/{episode_uuid}/conversation", response=ConversationHistoryOut)
def conversation_get(request: HttpRequest, episode_uuid: UUID) -> dict:
    record = selectors.episode_record_for_user(user=request.user, episode_uuid=episode_uuid)
    versions = [_conversation_out(c) for c in record.history]
    return {"current": versions[0] if versions else None, "versions": versions}


@router.post("/episodes/{episode_uuid}/conversation", response={201: ConversationOut})
def conversation_post(
    request: HttpRequest, episode_uuid: UUID, payload: ConversationIn
) -> tuple[int, dict]:
    """Save a new version; a safety need or risk words alert the team's supervisors."""
    record = selectors.episode_record_for_user(user=request.user, episode_uuid=episode_uuid)
    conversation = services.conversation_record(
        episode=record.episode,
        actor=request.user,
        needs=[n.dict() for n in payload.needs],
        strengths=payload.strengths,
        preferences=payload.preferences.dict(),
        notes=payload.notes,
    )
    return 201, _conversation_out(conversation)


class ActionIn(Schema):
    what: str
    who: str
    by: str = ""


class PlanIn(Schema):
    goals: list[str]
    actions: list[ActionIn] = []
    review_date: ApiDate | None = None


class OptionOut(Schema):
    uuid: UUID
    service: UUID
    service_name: str
    reasons: str
    status: str
    note: str


class PlanOut(Schema):
    uuid: UUID
    version: int
    goals: list[str]
    actions: list[dict[str, str]]
    review_date: dt.date | None
    created_at: dt.datetime


class PlanWithOptionsOut(Schema):
    plan: PlanOut | None
    options: list[OptionOut]


def _plan_out(p: SupportPlan) -> dict[str, Any]:
    return {
        "uuid": p.uuid,
        "version": p.version,
        "goals": p.goals,
        "actions": p.actions,
        "review_date": p.review_date,
        "created_at": p.created_at,
    }


def _option_out(o: PlanOption) -> dict[str, Any]:
    return {
        "uuid": o.uuid,
        "service": o.service_id,
        "service_name": o.service_name,
        "reasons": o.reasons,
        "status": o.status,
        "note": o.note,
    }


@router.get("/episodes/{episode_uuid}/plan", response=PlanWithOptionsOut)
def plan_get(request: HttpRequest, episode_uuid: UUID) -> dict:
    record = selectors.episode_record_for_user(user=request.user, episode_uuid=episode_uuid)
    return {
        "plan": _plan_out(record.plan) if record.plan else None,
        "options": [_option_out(o) for o in record.options],
    }


@router.post("/episodes/{episode_uuid}/plan", response={201: PlanOut})
def plan_post(request: HttpRequest, episode_uuid: UUID, payload: PlanIn) -> tuple[int, dict]:
    record = selectors.episode_record_for_user(user=request.user, episode_uuid=episode_uuid)
    plan = services.plan_record(
        episode=record.episode,
        actor=request.user,
        goals=payload.goals,
        actions=[a.dict() for a in payload.actions],
        review_date=payload.review_date,
    )
    return 201, _plan_out(plan)


class OfferIn(Schema):
    service: UUID
    reasons: str = ""


class DecideIn(Schema):
    status: str
    note: str = ""


@router.post("/episodes/{episode_uuid}/options", response={201: OptionOut})
def option_post(request: HttpRequest, episode_uuid: UUID, payload: OfferIn) -> tuple[int, dict]:
    """Record that a service was offered to the person (the plan keeps what was offered)."""
    record = selectors.episode_record_for_user(user=request.user, episode_uuid=episode_uuid)
    option = services.option_offer(
        episode=record.episode,
        actor=request.user,
        service_id=payload.service,
        reasons=payload.reasons,
    )
    return 201, _option_out(option)


@router.post("/episodes/{episode_uuid}/options/{option_uuid}", response=OptionOut)
def option_decide(
    request: HttpRequest, episode_uuid: UUID, option_uuid: UUID, payload: DecideIn
) -> dict:
    """The person's choice: status "chosen" or "declined"."""
    option = selectors.option_get_for_user(
        user=request.user, episode_uuid=episode_uuid, option_uuid=option_uuid
    )
    option = services.option_decide(
        option=option, actor=request.user, status=payload.status, note=payload.note
    )
    return _option_out(option)
