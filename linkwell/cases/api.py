"""/api/v1/episodes: episodes of support for the team that holds them."""

from __future__ import annotations

import datetime as dt
from typing import Any
from uuid import UUID

from django.http import HttpRequest
from ninja import Query, Router, Schema

from .models import Episode, EpisodeStatusChange
from .selectors import (
    caseload_for_user,
    episode_get_for_user,
    episode_history,
    episode_list_for_user,
)
from .services import episode_transition

router = Router()


class HistoryOut(Schema):
    from_status: str
    to_status: str
    reason: str
    at: dt.datetime
    actor: str | None


class EpisodeOut(Schema):
    uuid: UUID
    number: int
    status: str
    person: UUID
    person_name: str
    team: UUID
    link_worker: UUID | None
    referral: UUID | None
    opened_at: dt.datetime
    first_contact_at: dt.datetime | None
    closed_at: dt.datetime | None
    discharge_reason: str
    snomed_code: str


class EpisodeDetailOut(EpisodeOut):
    discharge_note: str
    history: list[HistoryOut]


class TransitionIn(Schema):
    status: str
    reason: str = ""
    discharge_reason: str = ""


def _history_out(change: EpisodeStatusChange) -> dict[str, Any]:
    return {
        "from_status": change.from_status,
        "to_status": change.to_status,
        "reason": change.reason,
        "at": change.at,
        "actor": change.actor.display_name if change.actor else None,
    }


def episode_out(episode: Episode, *, detail: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {
        "uuid": episode.uuid,
        "number": episode.number,
        "status": episode.status,
        "person": episode.person.uuid,
        "person_name": episode.person.display_name,
        "team": episode.team.uuid,
        "link_worker": episode.link_worker.uuid if episode.link_worker else None,
        "referral": episode.referral.uuid if episode.referral else None,
        "opened_at": episode.opened_at,
        "first_contact_at": episode.first_contact_at,
        "closed_at": episode.closed_at,
        "discharge_reason": episode.discharge_reason,
        "snomed_code": episode.snomed_code,
    }
    if detail:
        out["discharge_note"] = episode.discharge_note
        out["history"] = [_history_out(c) for c in episode_history(episode=episode)]
    return out


@router.get("", response=list[EpisodeOut], summary="Episodes I can see")
def list_episodes(
    request: HttpRequest,
    status: str | None = None,
    limit: int = Query(50, ge=1, le=200),  # noqa: B008
    offset: int = Query(0, ge=0),  # noqa: B008
) -> list[dict[str, Any]]:
    qs = episode_list_for_user(user=request.user, status=status).select_related("referral")
    return [episode_out(e) for e in qs[offset : offset + limit]]


@router.get("/caseload", response=list[EpisodeOut], summary="My caseload (or my team's)")
def my_caseload(request: HttpRequest) -> list[dict[str, Any]]:
    return [episode_out(e) for e in caseload_for_user(user=request.user).select_related("referral")]


@router.get("/{episode_uuid}", response=EpisodeDetailOut, summary="One episode with its history")
def get_episode(request: HttpRequest, episode_uuid: str) -> dict[str, Any]:
    episode = episode_get_for_user(user=request.user, episode_uuid=episode_uuid)
    return episode_out(episode, detail=True)


@router.post(
    "/{episode_uuid}/transition",
    response=EpisodeDetailOut,
    summary="Move an episode: active, closing, or closed with a discharge reason",
)
def transition_episode(
    request: HttpRequest, episode_uuid: str, payload: TransitionIn
) -> dict[str, Any]:
    episode = episode_get_for_user(user=request.user, episode_uuid=episode_uuid)
    episode = episode_transition(
        episode=episode,
        to_status=payload.status,
        actor=request.user,
        reason=payload.reason,
        discharge_reason=payload.discharge_reason,
    )
    return episode_out(episode, detail=True)
