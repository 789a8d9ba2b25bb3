"""Reading episodes. Access: link workers and supervisors see their team's episodes, an
organisation's administrators see every team of the organisation, nobody else sees any."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.db.models import Q, QuerySet

from linkwell.accounts.models import Role, Team
from linkwell.audit.services import audit_log
from linkwell.common.errors import NotFound

from ..models import Episode, EpisodeStatus, EpisodeStatusChange

TEAM_ROLES = (Role.LINK_WORKER, Role.SUPERVISOR)
OPEN_EPISODE_STATUSES = (EpisodeStatus.OPEN, EpisodeStatus.ACTIVE, EpisodeStatus.CLOSING)
_NOTHING = Q(pk__in=[])


def user_is_team_staff(user: Any, team: Team) -> bool:
    """Link workers and supervisors of the team, or an administrator of its organisation."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.role in TEAM_ROLES:
        return user.team_id is not None and user.team_id == team.pk
    if user.role == Role.ADMIN:
        return user.organisation_id is not None and user.organisation_id == team.organisation_id
    return False


def team_staff_q(user: Any, *, team_field: str = "team") -> Q:
    """The rows whose ``team_field`` is a team the user works in (see ``user_is_team_staff``)."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return _NOTHING
    if user.role in TEAM_ROLES and user.team_id is not None:
        return Q(**{f"{team_field}_id": user.team_id})
    if user.role == Role.ADMIN and user.organisation_id is not None:
        return Q(**{f"{team_field}__organisation_id": user.organisation_id})
    return _NOTHING


def episode_visible_q(user: Any) -> Q:
    return team_staff_q(user)


def _as_uuid(value: UUID | str) -> UUID:
    try:
        return UUID(str(value))
    except ValueError:
        raise NotFound("Episode not found.") from None


def episode_get_for_user(*, user: Any, episode_uuid: UUID | str) -> Episode:
    """The episode if the user may see it (audited as a read of the person's record)."""
    episode = (
        Episode.objects.filter(episode_visible_q(user), uuid=_as_uuid(episode_uuid))
        .select_related("person", "team", "link_worker", "referral")
        .first()
    )
    if episode is None:
        raise NotFound("Episode not found.")
    audit_log(action="read", obj=episode, person=episode.person, actor=user)
    return episode


def episode_list_for_user(*, user: Any, status: str | None = None) -> QuerySet[Episode]:
    qs = Episode.objects.filter(episode_visible_q(user)).select_related(
        "person", "team", "link_worker"
    )
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-opened_at", "-id")


def caseload_for_user(*, user: Any) -> QuerySet[Episode]:
    """Open, active and closing episodes: a link worker's own, a supervisor's whole team's, an
    administrator's whole organisation's. Everyone else has no caseload."""
    qs = Episode.objects.filter(status__in=OPEN_EPISODE_STATUSES)
    if user is None or not getattr(user, "is_authenticated", False):
        return qs.none()
    if user.role == Role.LINK_WORKER:
        qs = qs.filter(episode_visible_q(user), link_worker=user)
    elif user.role in (Role.SUPERVISOR, Role.ADMIN):
        qs = qs.filter(episode_visible_q(user))
    else:
        return qs.none()
    return qs.select_related("person", "team", "link_worker").order_by("opened_at", "id")


def episode_history(*, episode: Episode) -> QuerySet[EpisodeStatusChange]:
    """Status changes, oldest first. The caller has already fetched the episode for the user."""
    return episode.history.select_related("actor").order_by("at", "id")
