"""Matches for an episode: access is the episode's (its team's staff), one audited read."""

from __future__ import annotations

import datetime as dt
import gc
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from linkwell.cases.models import Episode
from linkwell.cases.selectors import episode_get_for_user
from linkwell.common.errors import Conflict
from linkwell.conversations.models import Conversation
from linkwell.conversations.selectors import conversation_current, declined_service_ids
from linkwell.directory.search import geocoder

from .engine import Match, MatchProfile, best_matches


@dataclass
class MatchResult:
    episode: Episode
    conversation: Conversation
    profile: MatchProfile
    considered: int  # services that passed the hard filters
    matches: list[Match]
    notices: list[str]


@contextmanager
def _cyclic_gc_paused() -> Iterator[None]:
    """Decoding and scoring a thousand or more candidates makes tens of thousands of small
    containers, none of them in a reference cycle, so reference counting frees them all; the
    cycle collector's passes over the whole heap meanwhile found nothing and were a quarter of
    the time of the slowest matches."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _age(born: dt.date | None, today: dt.date) -> int | None:
    if born is None:
        return None
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def match_profile(*, episode: Episode, conversation: Conversation) -> MatchProfile:
    """The person's needs, preferences and circumstances as the matcher reads them."""
    person = episode.person
    prefs = conversation.preferences or {}
    origin = geocoder().locate(person.postcode) if person.postcode else None
    return MatchProfile(
        needs=tuple((n["code"], int(n.get("priority", 2))) for n in conversation.needs),
        modes=frozenset(prefs.get("delivery_modes") or ()),
        max_travel_km=prefs.get("max_travel_km"),
        days=frozenset(prefs.get("days") or ()),
        times=frozenset(prefs.get("times") or ()),
        language=prefs.get("language") or ("" if person.language == "English" else person.language),
        group=prefs.get("group") or "either",
        avoid_mental_health_label=bool(prefs.get("avoid_mental_health_label")),
        age=_age(person.date_of_birth, timezone.localdate()),
        sex=person.sex,
        ethnic_category=person.ethnic_category,
        origin=origin,
        declined=frozenset(declined_service_ids(episode=episode)),
    )


def episode_matches_for_user(
    *, user: Any, episode_uuid: uuid.UUID | str, limit: int = 20
) -> MatchResult:
    """Directory services ranked for the episode's person, each with its reasons.

    Needs come from the current "what matters to you" record; without one there is nothing to
    match on (Conflict). NotFound when the user may not see the episode.
    """
    episode = episode_get_for_user(user=user, episode_uuid=episode_uuid)
    conversation = conversation_current(episode=episode)
    if conversation is None or not conversation.needs:
        raise Conflict(
            "Record what matters to the person (at least one need) before looking for support."
        )
    profile = match_profile(episode=episode, conversation=conversation)
    notices = []
    if profile.origin is None:
        notices.append(
            "We do not know where the person lives (no postcode, or one we cannot place), so "
            "only support by phone, video or online is listed."
        )
    with _cyclic_gc_paused():
        considered, matches = best_matches(profile, now=timezone.now(), limit=limit)
    return MatchResult(
        episode=episode,
        conversation=conversation,
        profile=profile,
        considered=considered,
        matches=matches,
        notices=notices,
    )
