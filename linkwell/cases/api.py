"""/api/v1/episodes: episodes of support for the team that holds them, and the caseload's views
(waiting for first contact, overdue follow-ups, sessions coming up, requests for more sessions)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any
from uuid import UUID

from django.http import HttpRequest
from django.utils import timezone
from ninja import Query, Router, Schema

from linkwell.common.paging import MAX_OFFSET
from linkwell.common.working_days import working_days_between

from .models import Episode, EpisodeStatusChange
from .selectors import (
    RevolvingDoor,
    caseload_audit,
    caseload_counts,
    caseload_flags,
    caseload_for_user,
    episode_get_for_user,
    episode_history,
    episode_list_for_user,
    extensions_for_user,
    overdue_follow_ups,
    upcoming_items,
    upcoming_keys,
    waiting_for_first_contact,
)
from .services import episode_transition

router = Router()


class EpisodeHistoryOut(Schema):
    from_status: str
    to_status: str
    reason: str
    at: dt.datetime
    actor: str | None


class RevolvingDoorOut(Schema):
    episodes: int
    recurring_needs: list[str]


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
    # Set when the person has come back often enough to be flagged (cases.selectors.revolving).
    revolving_door: RevolvingDoorOut | None = None


class WaitingOut(EpisodeOut):
    waiting_working_days: int


class OverdueOut(EpisodeOut):
    last_contact_at: dt.datetime
    next_session_at: dt.datetime | None


class UpcomingOut(Schema):
    starts_at: dt.datetime
    kind: str
    what: str
    where: str
    with_whom: str
    episode: EpisodeOut


class PendingExtensionOut(Schema):
    uuid: UUID
    extra_sessions: int
    reason: str
    requested_by: str
    requested_at: dt.datetime
    episode: EpisodeOut


class CountsOut(Schema):
    all: int
    waiting: int
    overdue: int
    upcoming: int
    extensions: int


class EpisodeDetailOut(EpisodeOut):
    discharge_note: str
    history: list[EpisodeHistoryOut]


class EpisodeTransitionIn(Schema):
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


def _flag_out(flag: RevolvingDoor | None) -> dict[str, Any] | None:
    if flag is None:
        return None
    return {"episodes": flag.episodes, "recurring_needs": list(flag.recurring_needs)}


def episode_out(
    episode: Episode, *, detail: bool = False, flags: dict[int, RevolvingDoor] | None = None
) -> dict[str, Any]:
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
        "revolving_door": _flag_out((flags or {}).get(episode.person_id)),
    }
    if detail:
        out["discharge_note"] = episode.discharge_note
        out["history"] = [_history_out(c) for c in episode_history(episode=episode)]
    return out


LIMIT = Query(50, ge=1, le=200)
# Bounded: a larger offset than any list holds overflowed the databases' 64-bit integers (500).
OFFSET = Query(0, ge=0, le=MAX_OFFSET)


@router.get("", response=list[EpisodeOut], summary="Episodes I can see")
def list_episodes(
    request: HttpRequest,
    status: str | None = None,
    limit: int = LIMIT,
    offset: int = OFFSET,
) -> list[dict[str, Any]]:
    qs = episode_list_for_user(user=request.user, status=status).select_related("referral")
    episodes = _page(qs, limit, offset)
    flags = caseload_flags(user=request.user, episodes=episodes)
    return [episode_out(e, flags=flags) for e in episodes]


def _listed(request: HttpRequest, view: str, episodes: list[Episode]) -> dict[int, RevolvingDoor]:
    """The revolving-door flags of a caseload view's episodes, and its audit row."""
    caseload_audit(user=request.user, view=view, episodes=episodes)
    return caseload_flags(user=request.user, episodes=episodes)


def _page(qs: Any, limit: int, offset: int) -> list[Episode]:
    return list(qs[offset : offset + limit])


@router.get("/caseload", response=list[EpisodeOut], summary="My caseload (or my team's)")
def my_caseload(
    request: HttpRequest, limit: int = LIMIT, offset: int = OFFSET
) -> list[dict[str, Any]]:
    episodes = _page(caseload_for_user(user=request.user).select_related("referral"), limit, offset)
    flags = _listed(request, "all", episodes)
    return [episode_out(e, flags=flags) for e in episodes]


@router.get("/caseload/counts", response=CountsOut, summary="How many are in each caseload view")
def caseload_view_counts(request: HttpRequest) -> dict[str, int]:
    return dataclasses.asdict(caseload_counts(user=request.user))


@router.get(
    "/caseload/waiting",
    response=list[WaitingOut],
    summary="Waiting for first contact, oldest first, with working days waited",
)
def caseload_waiting(
    request: HttpRequest, limit: int = LIMIT, offset: int = OFFSET
) -> list[dict[str, Any]]:
    qs = waiting_for_first_contact(user=request.user).select_related("referral")
    episodes = _page(qs, limit, offset)
    flags = _listed(request, "waiting", episodes)
    today = timezone.localdate()
    return [
        {
            **episode_out(e, flags=flags),
            "waiting_working_days": working_days_between(timezone.localdate(e.opened_at), today),
        }
        for e in episodes
    ]


@router.get(
    "/caseload/overdue",
    response=list[OverdueOut],
    summary="Follow-up overdue: no contact or attended session for FOLLOW_UP_OVERDUE_DAYS",
)
def caseload_overdue(
    request: HttpRequest, limit: int = LIMIT, offset: int = OFFSET
) -> list[dict[str, Any]]:
    qs = overdue_follow_ups(user=request.user).select_related("referral")
    episodes = _page(qs, limit, offset)
    flags = _listed(request, "overdue", episodes)
    return [
        {
            **episode_out(e, flags=flags),
            "last_contact_at": e.last_contact_at,  # type: ignore[attr-defined]  # annotated
            "next_session_at": e.next_session_at,  # type: ignore[attr-defined]  # annotated
        }
        for e in episodes
    ]


@router.get(
    "/caseload/upcoming",
    response=list[UpcomingOut],
    summary="Sessions and group bookings in the next 7 days",
)
def caseload_upcoming(
    request: HttpRequest, limit: int = LIMIT, offset: int = OFFSET
) -> list[dict[str, Any]]:
    keys = upcoming_keys(user=request.user)[offset : offset + limit]
    items = upcoming_items(user=request.user, keys=keys)
    flags = _listed(request, "upcoming", [item.episode for item in items])
    return [
        {
            "starts_at": item.starts_at,
            "kind": item.kind,
            "what": item.what,
            "where": item.where,
            "with_whom": item.with_whom,
            "episode": episode_out(item.episode, flags=flags),
        }
        for item in items
    ]


@router.get(
    "/caseload/extensions",
    response=list[PendingExtensionOut],
    summary="Requests for more sessions: those I may decide, or those I made",
)
def caseload_extensions(request: HttpRequest) -> list[dict[str, Any]]:
    extensions = list(extensions_for_user(user=request.user))
    flags = _listed(request, "extensions", [x.episode for x in extensions])
    return [
        {
            "uuid": x.uuid,
            "extra_sessions": x.extra_sessions,
            "reason": x.reason,
            "requested_by": x.requested_by.display_name,
            "requested_at": x.requested_at,
            "episode": episode_out(x.episode, flags=flags),
        }
        for x in extensions
    ]


@router.get("/{episode_uuid}", response=EpisodeDetailOut, summary="One episode with its history")
def get_episode(request: HttpRequest, episode_uuid: str) -> dict[str, Any]:
    episode = episode_get_for_user(user=request.user, episode_uuid=episode_uuid)
    flags = caseload_flags(user=request.user, episodes=[episode])
    return episode_out(episode, detail=True, flags=flags)


@router.post(
    "/{episode_uuid}/transition",
    response=EpisodeDetailOut,
    summary="Move an episode: active, closing, or closed with a discharge reason",
)
def transition_episode(
    request: HttpRequest, episode_uuid: str, payload: EpisodeTransitionIn
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
