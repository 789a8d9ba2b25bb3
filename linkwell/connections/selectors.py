"""Reading connections. The episode's team staff and the provider organisation's users see a
connection (the provider only what was shared); the organisation that made the original referral
sees its status only. Anyone else is told it does not exist."""

from __future__ import annotations

import uuid
from typing import Any

from django.db.models import Q, QuerySet

from linkwell.accounts.models import Role
from linkwell.audit.services import audit_log
from linkwell.cases.selectors import team_staff_q
from linkwell.common.errors import NotFound

from .models import Connection, ConnectionStatusChange

_NOTHING = Q(pk__in=[])


def _active(user: Any) -> bool:
    return user is not None and getattr(user, "is_authenticated", False) and user.is_active


def connection_visible_q(user: Any) -> Q:
    if not _active(user):
        return _NOTHING
    if user.role == Role.PROVIDER:
        if user.organisation_id is None:
            return _NOTHING
        return Q(provider_id=user.organisation_id)
    if user.role == Role.REFERRER:
        if user.organisation_id is None:
            return _NOTHING
        return Q(episode__referral__referring_organisation_id=user.organisation_id)
    return team_staff_q(user, team_field="episode__team")


def connection_get_for_user(*, user: Any, connection_uuid: uuid.UUID | str) -> Connection:
    """The connection if the user may see it; a read of the person's record is audited."""
    try:
        key = uuid.UUID(str(connection_uuid))
    except ValueError:
        raise NotFound("Referral not found.") from None
    connection = (
        Connection.objects.filter(connection_visible_q(user), uuid=key)
        .select_related("episode", "episode__person", "episode__team", "provider")
        .first()
    )
    if connection is None:
        raise NotFound("Referral not found.")
    audit_log(action="read", obj=connection, person=connection.episode.person, actor=user)
    return connection


def connection_list_for_user(*, user: Any, status: str | None = None) -> QuerySet[Connection]:
    """A provider's inbox, a team's connections, or a referrer's closed loop; newest first."""
    qs = Connection.objects.filter(connection_visible_q(user)).select_related(
        "episode", "episode__team", "provider"
    )
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-created_at", "-id")


def connection_list_for_episode(*, episode: Any) -> QuerySet[Connection]:
    """Connections of an episode the caller has already fetched for the user."""
    return episode.connections.order_by("-created_at", "-id")


def connection_history(*, connection: Connection) -> QuerySet[ConnectionStatusChange]:
    return connection.history.select_related("actor").order_by("at", "id")


def user_sees_shared_details(*, user: Any, connection: Connection) -> bool:
    """Referrers see the status only; staff and the provider see what was shared."""
    return _active(user) and user.role != Role.REFERRER
