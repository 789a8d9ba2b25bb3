"""/api/v1/needs/suggest and /api/v1/episodes/{uuid}/matches."""

from __future__ import annotations

from uuid import UUID

from django.http import HttpRequest
from ninja import Router, Schema
from pydantic import Field

from linkwell.accounts.models import Role
from linkwell.common.errors import Forbidden

from .selectors import episode_matches_for_user
from .suggest import MAX_TEXT, suggest_needs

router = Router()
# Who may ask for suggestions: staff writing a conversation, referrers writing a referral reason.
SUGGEST_ROLES = (Role.LINK_WORKER, Role.SUPERVISOR, Role.ADMIN, Role.REFERRER)


class SuggestIn(Schema):
    text: str = Field(min_length=1, max_length=MAX_TEXT)


class NeedSuggestionOut(Schema):
    code: str
    score: float


class SuggestOut(Schema):
    suggestions: list[NeedSuggestionOut]


@router.post("/needs/suggest", response=SuggestOut, summary="Suggest needs domains from words")
def needs_suggest(request: HttpRequest, payload: SuggestIn) -> dict:
    """Needs domains the words suggest, best first, scores from 0 to 1. Offline, no model."""
    role = getattr(request.user, "role", "")
    if role not in SUGGEST_ROLES:
        raise Forbidden("Only link workers, supervisors and referrers can use need suggestion.")
    if not payload.text.strip():
        from django.core.exceptions import ValidationError

        raise ValidationError({"text": "Write some words to suggest needs from."})
    return {
        "suggestions": [{"code": c, "score": s} for c, s in suggest_needs(payload.text)],
    }


class ServiceMatchOut(Schema):
    service: UUID
    name: str
    organization: str
    score: float
    needs_met: list[str]
    distance_km: float | None
    delivery_modes: list[str]
    reasons: list[str]
    cautions: list[str]
    reasons_text: str
    declined_before: bool


class MatchesOut(Schema):
    episode: UUID
    conversation_version: int
    considered: int
    notices: list[str]
    matches: list[ServiceMatchOut]


@router.get(
    "/episodes/{episode_uuid}/matches", response=MatchesOut, summary="Services ranked for a person"
)
def episode_matches(request: HttpRequest, episode_uuid: UUID, limit: int = 20) -> dict:
    result = episode_matches_for_user(
        user=request.user, episode_uuid=episode_uuid, limit=max(1, min(limit, 100))
    )
    return {
        "episode": result.episode.uuid,
        "conversation_version": result.conversation.version,
        "considered": result.considered,
        "notices": result.notices,
        "matches": [
            {
                "service": m.service_id,
                "name": m.name,
                "organization": m.organization,
                "score": m.score,
                "needs_met": m.needs_met,
                "distance_km": m.distance_km,
                "delivery_modes": m.modes,
                "reasons": m.reasons,
                "cautions": m.cautions,
                "reasons_text": m.reasons_text,
                "declined_before": m.declined_before,
            }
            for m in result.matches
        ],
    }
