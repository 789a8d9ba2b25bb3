"""Reading conversations, plans and options. Access is the episode's (cases.selectors): its team's
staff only; anyone else is told the episode does not exist. Each read is audited once, by
``episode_get_for_user``."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

from linkwell.cases.models import Episode
from linkwell.cases.selectors import episode_get_for_user
from linkwell.common.errors import NotFound

from .models import Conversation, OptionStatus, PlanOption, SupportPlan


@dataclass
class EpisodeRecord:
    episode: Episode
    conversation: Conversation | None  # the current version
    history: list[Conversation]  # every version, newest first
    plan: SupportPlan | None
    options: list[PlanOption]


def episode_record_for_user(*, user: Any, episode_uuid: uuid.UUID | str) -> EpisodeRecord:
    """The episode with its conversation versions, current plan and options (one audited read)."""
    episode = episode_get_for_user(user=user, episode_uuid=episode_uuid)
    history = list(episode.conversations.select_related("recorded_by").order_by("-version"))
    plan = episode.support_plans.select_related("recorded_by").order_by("-version").first()
    options = list(episode.options.order_by("created_at", "id"))
    return EpisodeRecord(
        episode=episode,
        conversation=history[0] if history else None,
        history=history,
        plan=plan,
        options=options,
    )


def conversation_current(*, episode: Episode) -> Conversation | None:
    """The newest version for an episode the caller has already fetched for the user."""
    return episode.conversations.order_by("-version").first()


def plan_history(*, episode: Episode) -> QuerySet[SupportPlan]:
    return episode.support_plans.select_related("recorded_by").order_by("-version")


def declined_service_ids(*, episode: Episode) -> set[uuid.UUID]:
    """Services this person said no to, in this or an earlier episode."""
    return set(
        PlanOption.objects.filter(
            episode__person_id=episode.person_id, status=OptionStatus.DECLINED
        ).values_list("service_id", flat=True)
    )


def option_get_for_user(
    *, user: Any, episode_uuid: uuid.UUID | str, option_uuid: uuid.UUID | str
) -> PlanOption:
    episode = episode_get_for_user(user=user, episode_uuid=episode_uuid)
    try:
        key = uuid.UUID(str(option_uuid))
    except ValueError:
        raise NotFound("Option not found.") from None
    option = episode.options.filter(uuid=key).first()
    if option is None:
        raise NotFound("Option not found.")
    option.episode = episode
    return option
