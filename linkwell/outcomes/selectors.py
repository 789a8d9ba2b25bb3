"""Reading outcome measures. Access: the link workers and supervisors of the episode's team (and
an administrator of the team's organisation, as for episodes); nobody else, and records they may
not see are reported as not found. Each read of a person's record writes an audit row."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from django.core import signing
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from linkwell.accounts.models import Role
from linkwell.audit.services import audit_batch, audit_log
from linkwell.cases.models import Episode
from linkwell.common.errors import ApplicationError, NotFound

from .change import EpisodeChange, MeasureChange, episode_change
from .models import (
    DueMeasure,
    DueStatus,
    Poll,
    QuestionnaireResponse,
    RiskFlag,
    RiskFlagStatus,
    SelfCompletionLink,
)

TEAM_ROLES = (Role.LINK_WORKER, Role.SUPERVISOR)
LINK_SALT = "linkwell.outcomes.self-completion"
_NOTHING = Q(pk__in=[])


def team_staff_q(user: Any, *, team_field: str = "team") -> Q:
    """Rows whose ``team_field`` is a team the user works in."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return _NOTHING
    if user.role in TEAM_ROLES and user.team_id is not None:
        return Q(**{f"{team_field}_id": user.team_id})
    if user.role == Role.ADMIN and user.organisation_id is not None:
        return Q(**{f"{team_field}__organisation_id": user.organisation_id})
    return _NOTHING


def user_is_team_staff(user: Any, team: Any) -> bool:
    """Link workers and supervisors of the team, or an administrator of its organisation."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.role in TEAM_ROLES:
        return user.team_id is not None and user.team_id == team.pk
    if user.role == Role.ADMIN:
        return user.organisation_id is not None and user.organisation_id == team.organisation_id
    return False


def _uuid(value: UUID | str, what: str) -> UUID:
    try:
        return UUID(str(value))
    except ValueError:
        raise NotFound(f"{what} not found.") from None


def outcomes_episode_get_for_user(*, user: Any, episode_uuid: UUID | str) -> Episode:
    """The episode if the user is staff of its team; audited as a read of the person's record."""
    episode = (
        Episode.objects.filter(team_staff_q(user), uuid=_uuid(episode_uuid, "Episode"))
        .select_related("person", "team", "link_worker")
        .first()
    )
    if episode is None:
        raise NotFound("Episode not found.")
    audit_log(
        action="read", obj=episode, person=episode.person, actor=user, detail={"view": "outcomes"}
    )
    return episode


@dataclass(frozen=True)
class EpisodeOutcomes:
    episode: Episode
    due: list[DueMeasure]
    responses: list[QuestionnaireResponse]
    risk_flags: list[RiskFlag]
    change: EpisodeChange


def episode_outcomes_get_for_user(*, user: Any, episode_uuid: UUID | str) -> EpisodeOutcomes:
    """Everything on the episode outcomes page: due measures, responses, flags and change."""
    episode = outcomes_episode_get_for_user(user=user, episode_uuid=episode_uuid)
    return episode_outcomes_for_episode(episode=episode)


def episode_outcomes_for_episode(*, episode: Episode) -> EpisodeOutcomes:
    """As ``episode_outcomes_get_for_user`` for an episode the caller already fetched for the
    user (through ``outcomes_episode_get_for_user``, which decided access and audited it)."""
    responses = list(
        QuestionnaireResponse.objects.filter(episode=episode)
        .select_related("entered_by")
        .order_by("completed_at", "id")
    )
    due = list(
        DueMeasure.objects.filter(episode=episode)
        .exclude(status=DueStatus.CANCELLED)
        .order_by("due_on", "id")
    )
    flags = list(
        RiskFlag.objects.filter(episode=episode).select_related("responded_by", "response")
    )
    return EpisodeOutcomes(
        episode=episode,
        due=due,
        responses=responses,
        risk_flags=flags,
        change=episode_change(responses),
    )


def due_measure_get_for_user(*, user: Any, due_uuid: UUID | str) -> DueMeasure:
    due = (
        DueMeasure.objects.filter(
            team_staff_q(user, team_field="episode__team"), uuid=_uuid(due_uuid, "Measure")
        )
        .select_related("episode", "episode__person", "episode__team")
        .first()
    )
    if due is None:
        raise NotFound("Measure not found.")
    audit_log(action="read", obj=due, person=due.episode.person, actor=user)
    return due


def response_get_for_user(*, user: Any, response_uuid: UUID | str) -> QuestionnaireResponse:
    response = (
        QuestionnaireResponse.objects.filter(
            team_staff_q(user, team_field="episode__team"), uuid=_uuid(response_uuid, "Response")
        )
        .select_related("episode", "episode__person", "episode__team", "entered_by")
        .first()
    )
    if response is None:
        raise NotFound("Response not found.")
    audit_log(action="read", obj=response, person=response.episode.person, actor=user)
    return response


def response_list_for_episode(*, episode: Episode) -> QuerySet[QuestionnaireResponse]:
    """The caller has already fetched the episode for the user."""
    return QuestionnaireResponse.objects.filter(episode=episode).order_by("completed_at", "id")


@dataclass(frozen=True)
class PersonEpisodeChange:
    episode: Episode
    measures: tuple[MeasureChange, ...]
    change: EpisodeChange


def person_change_for_user(*, user: Any, person_uuid: UUID | str) -> list[PersonEpisodeChange]:
    """Change per episode for one person, over the episodes the user may see (newest first)."""
    episodes = list(
        Episode.objects.filter(team_staff_q(user), person__uuid=_uuid(person_uuid, "Person"))
        .select_related("person", "team")
        .order_by("-opened_at", "-id")
    )
    if not episodes:
        raise NotFound("Person not found.")
    audit_log(
        action="read",
        obj=episodes[0].person,
        actor=user,
        detail={"view": "outcome change"},
    )
    responses: dict[int, list[QuestionnaireResponse]] = {e.pk: [] for e in episodes}
    for response in QuestionnaireResponse.objects.filter(episode__in=episodes).order_by(
        "completed_at", "id"
    ):
        responses[response.episode_id].append(response)
    result = []
    for episode in episodes:
        change = episode_change(responses[episode.pk])
        result.append(PersonEpisodeChange(episode=episode, measures=change.measures, change=change))
    return result


def risk_flag_list_for_user(*, user: Any, open_only: bool = True) -> list[RiskFlag]:
    """Risk flags of the user's team, newest first; each listed flag is a read of that person."""
    qs = RiskFlag.objects.filter(team_staff_q(user, team_field="episode__team")).select_related(
        "episode", "episode__person", "response", "responded_by"
    )
    if open_only:
        qs = qs.filter(status=RiskFlagStatus.OPEN)
    flags = list(qs.order_by("-created_at", "-id")[:200])
    if flags:
        # One transaction for the list's audit rows (up to 200), not one each.
        with transaction.atomic(), audit_batch():
            for flag in flags:
                audit_log(action="read", obj=flag, person=flag.episode.person, actor=user)
    return flags


def risk_flag_get_for_user(*, user: Any, flag_uuid: UUID | str) -> RiskFlag:
    flag = (
        RiskFlag.objects.filter(
            team_staff_q(user, team_field="episode__team"), uuid=_uuid(flag_uuid, "Risk flag")
        )
        .select_related("episode", "episode__person", "episode__team", "response", "responded_by")
        .first()
    )
    if flag is None:
        raise NotFound("Risk flag not found.")
    audit_log(action="read", obj=flag, person=flag.episode.person, actor=user)
    return flag


def poll_list_for_team(*, team: Any) -> QuerySet[Poll]:
    return Poll.objects.filter(team=team, is_active=True)


class LinkUnusable(ApplicationError):
    """The self-completion link cannot be used; ``reason`` is "invalid", "used", "expired" or
    "withdrawn" (the measure is no longer needed)."""

    status_code = 410

    def __init__(self, reason: str) -> None:
        messages = {
            "invalid": "This link is not valid. Please ask the person who sent it for a new one.",
            "used": "This questionnaire has already been completed. Thank you.",
            "expired": "This link has expired. Please ask the person who sent it for a new one.",
            "withdrawn": "This questionnaire is no longer needed, so there is nothing to fill in.",
        }
        super().__init__(messages[reason], extra={"reason": reason})
        self.reason = reason


def self_completion_link_resolve(*, token: str) -> SelfCompletionLink:
    """The link a token names if it can still be used; raises ``LinkUnusable`` otherwise.

    No user and no audit row: opening the link shows the questions only, never the person's
    details, so a forwarded link reveals nothing about them."""
    try:
        link_uuid = signing.loads(token, salt=LINK_SALT)
        link = (
            SelfCompletionLink.objects.select_related("due", "due__episode")
            .filter(uuid=UUID(str(link_uuid)))
            .first()
        )
    except (signing.BadSignature, ValueError, TypeError):
        link = None
    if link is None:
        raise LinkUnusable("invalid")
    if link.used_at is not None or link.due.status == DueStatus.COMPLETED:
        raise LinkUnusable("used")
    if link.due.status == DueStatus.CANCELLED:
        raise LinkUnusable("withdrawn")
    if link.expires_at <= timezone.now():
        raise LinkUnusable("expired")
    return link


def due_measure_list_for_user(*, user: Any) -> list[DueMeasure]:
    """Measures due today or earlier: a link worker's own caseload, a supervisor's (or an
    administrator's) whole team. One audit read per person listed."""
    today = timezone.localdate()
    qs = DueMeasure.objects.filter(
        team_staff_q(user, team_field="episode__team"), status=DueStatus.DUE, due_on__lte=today
    )
    if getattr(user, "role", None) == Role.LINK_WORKER:
        qs = qs.filter(episode__link_worker=user)
    due = list(
        qs.select_related("episode", "episode__person", "episode__link_worker").order_by(
            "due_on", "id"
        )[:500]
    )
    seen: set[int] = set()
    if not due:
        return due
    # One transaction for the list's audit rows (one per person, up to 500), not one each.
    with transaction.atomic(), audit_batch():
        for measure in due:
            if measure.episode.person_id not in seen:
                seen.add(measure.episode.person_id)
                audit_log(
                    action="read",
                    obj=measure.episode,
                    person=measure.episode.person,
                    actor=user,
                    detail={"view": "due measures"},
                )
    return due


def team_get_for_user(*, user: Any, team_uuid: UUID | str) -> Any:
    """A team the user works in (or administers); others are not found."""
    from linkwell.accounts.models import Team

    team = Team.objects.filter(uuid=_uuid(team_uuid, "Team")).first()
    if team is None or not user_is_team_staff(user, team):
        raise NotFound("Team not found.")
    return team
