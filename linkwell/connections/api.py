"""/api/v1/connections: onward referrals to directory services and their closed loop."""

from __future__ import annotations

import datetime as dt
from typing import Any
from uuid import UUID

from django.http import HttpRequest
from ninja import Router, Schema

from linkwell.cases.selectors import episode_get_for_user

from . import selectors, services
from .models import Connection

router = Router()


class ConnectionIn(Schema):
    episode: UUID
    service: UUID
    note: str = ""


class ConnectionTransitionIn(Schema):
    status: str
    reason: str = ""
    decline_reason: str = ""
    waiting_list: bool = False


class ConnectionHistoryOut(Schema):
    from_status: str
    to_status: str
    reason: str
    at: dt.datetime


class ConnectionOut(Schema):
    uuid: UUID
    episode: UUID
    service: UUID
    service_name: str
    status: str
    status_reason: str
    decline_reason: str
    on_waiting_list: bool
    response_due: dt.date | None
    support_started_at: dt.datetime | None
    support_ended_at: dt.datetime | None
    created_at: dt.datetime
    shared: dict[str, Any] | None
    history: list[ConnectionHistoryOut]


def connection_out(connection: Connection, user: Any, *, history: bool = True) -> dict[str, Any]:
    return {
        "uuid": connection.uuid,
        "episode": connection.episode.uuid,
        "service": connection.service_id,
        "service_name": connection.service_name,
        "status": connection.status,
        "status_reason": connection.status_reason,
        "decline_reason": connection.decline_reason,
        "on_waiting_list": connection.on_waiting_list,
        "response_due": connection.response_due,
        "support_started_at": connection.support_started_at,
        "support_ended_at": connection.support_ended_at,
        "created_at": connection.created_at,
        "shared": connection.shared
        if selectors.user_sees_shared_details(user=user, connection=connection)
        else None,
        "history": [
            {"from_status": h.from_status, "to_status": h.to_status, "reason": h.reason, "at": h.at}
            for h in selectors.connection_history(connection=connection)
        ]
        if history
        else [],
    }


@router.post("", response={201: ConnectionOut}, summary="Refer the person to a chosen service")
def connection_post(request: HttpRequest, payload: ConnectionIn) -> tuple[int, dict]:
    episode = episode_get_for_user(user=request.user, episode_uuid=payload.episode)
    connection = services.connection_create(
        episode=episode, service_id=payload.service, actor=request.user, note=payload.note
    )
    return 201, connection_out(connection, request.user)


@router.get("", response=list[ConnectionOut], summary="My inbox, my team's or my referrals'")
def connection_list(request: HttpRequest, status: str | None = None) -> list[dict]:
    return [
        connection_out(c, request.user, history=False)
        for c in selectors.connection_list_for_user(user=request.user, status=status)[:200]
    ]


@router.get("/{connection_uuid}", response=ConnectionOut)
def connection_get(request: HttpRequest, connection_uuid: UUID) -> dict:
    connection = selectors.connection_get_for_user(
        user=request.user, connection_uuid=connection_uuid
    )
    return connection_out(connection, request.user)


@router.post("/{connection_uuid}/transition", response=ConnectionOut)
def connection_transition(
    request: HttpRequest, connection_uuid: UUID, payload: ConnectionTransitionIn
) -> dict:
    """accepted, rejected (with decline_reason), on-hold (waiting_list), in-progress (support
    started), completed (support ended), failed, cancelled (the team)."""
    connection = selectors.connection_get_for_user(
        user=request.user, connection_uuid=connection_uuid
    )
    connection = services.connection_transition(
        connection=connection,
        to_status=payload.status,
        actor=request.user,
        reason=payload.reason,
        decline_reason=payload.decline_reason,
        waiting_list=payload.waiting_list,
    )
    return connection_out(connection, request.user)
