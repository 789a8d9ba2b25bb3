"""The message back at discharge: what the GP and the referrer are told when support ends.

Needs, the support the person was connected to, outcome measures and the SNOMED CT codes of
DESIGN.md. Who may read it: the episode's team staff; the organisation that made the referral;
the person's GP practice when the person agreed to share with their GP. Each read is audited.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from typing import Any

from linkwell.accounts.models import Role
from linkwell.audit.services import audit_log
from linkwell.cases.models import Episode, EpisodeStatus
from linkwell.cases.selectors import user_is_team_staff
from linkwell.common.errors import Conflict, NotFound
from linkwell.common.needs import NEED_LABELS
from linkwell.people.models import ConsentPurpose
from linkwell.people.selectors import consent_in_force

SNOMED_REFERRAL = ("871731000000106", "Referral to social prescribing service")
SNOMED_DECLINED = ("871711000000103", "Social prescribing declined")
DECLINED_REASONS = {"person_chose", "no_contact"}


@dataclass
class MessageBack:
    episode: Episode
    person_name: str
    needs: list[str]
    connected: list[dict[str, Any]]  # {"service", "status", "started", "ended"}
    outcomes: list[dict[str, Any]]  # {"measure", "before", "after", "verdict"}
    codes: list[tuple[str, str]] = field(default_factory=list)

    @property
    def discharge_reason(self) -> str:
        return self.episode.get_discharge_reason_display()

    @property
    def closed_on(self) -> dt.date | None:
        return self.episode.closed_at.date() if self.episode.closed_at else None


def _may_read(user: Any, episode: Episode) -> bool:
    if user_is_team_staff(user, episode.team):
        return True
    if not getattr(user, "is_authenticated", False) or user.role != Role.REFERRER:
        return False
    org = user.organisation_id
    if org is None:
        return False
    if episode.referral_id and episode.referral.referring_organisation_id == org:  # type: ignore[union-attr]
        return True
    return episode.person.gp_practice_id == org and consent_in_force(
        person=episode.person, purpose=ConsentPurpose.SHARE_WITH_GP
    )


def message_back_for_user(*, user: Any, episode_uuid: uuid.UUID | str) -> MessageBack:
    """The message back of a closed episode; NotFound for those who may not read it, Conflict
    while support is still going on."""
    try:
        key = uuid.UUID(str(episode_uuid))
    except ValueError:
        raise NotFound("Episode not found.") from None
    episode = (
        Episode.objects.select_related("person", "team", "referral", "link_worker")
        .filter(uuid=key)
        .first()
    )
    if episode is None or not _may_read(user, episode):
        raise NotFound("Episode not found.")
    if episode.status != EpisodeStatus.CLOSED:
        raise Conflict("The message back is written when support ends; this episode is open.")
    audit_log(
        action="read", obj=episode, person=episode.person, actor=user,
        detail={"view": "message_back"},
    )  # fmt: skip
    conversation = episode.conversations.order_by("-version").first()
    needs = [NEED_LABELS[n["code"]] for n in (conversation.needs if conversation else [])]
    connected = [
        {
            "service": c.service_name,
            "status": c.get_status_display(),
            "status_code": c.status,
            "started": c.support_started_at,
            "ended": c.support_ended_at,
        }
        for c in episode.connections.order_by("created_at", "id")
    ]
    from linkwell.outcomes.selectors import episode_outcomes_for_episode

    change = episode_outcomes_for_episode(episode=episode).change
    outcomes = [
        {
            "measure": m.instrument_name,
            "before": m.before,
            "after": m.after,
            "verdict": m.verdict,
        }
        for m in change.measures
    ]
    codes = [SNOMED_REFERRAL]
    if episode.discharge_reason in DECLINED_REASONS and not any(c["started"] for c in connected):
        codes.append(SNOMED_DECLINED)
    person = episode.person
    return MessageBack(
        episode=episode,
        person_name=f"{person.given_name} {person.family_name}",
        needs=needs,
        connected=connected,
        outcomes=outcomes,
        codes=codes,
    )
