"""Writing episodes: opening one, moving it through open → active → closing → closed, assigning it.

Only staff of the episode's team (its link workers and supervisors, or an administrator of the
organisation) may change an episode.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from linkwell.accounts.models import Team, User
from linkwell.audit.services import audit_log
from linkwell.common.errors import Conflict, Forbidden, InvalidTransition, quoted
from linkwell.people.models import Person

from .models import (
    EPISODE_ALLOWED_TRANSITIONS,
    DischargeReason,
    Episode,
    EpisodeStatus,
    EpisodeStatusChange,
)
from .selectors import OPEN_EPISODE_STATUSES, TEAM_ROLES, user_is_team_staff

# SNOMED CT "referral to social prescribing service", recorded once per episode at acceptance.
SNOMED_REFERRAL_TO_SOCIAL_PRESCRIBING = "871731000000106"


def _require_staff(actor: Any, team: Team, *, what: str = "episode") -> None:
    if not user_is_team_staff(actor, team):
        raise Forbidden(f"Only staff of the {team.name} team can change this {what}.")


def _check_link_worker(link_worker: User, team: Team) -> None:
    if not (
        link_worker.is_active and link_worker.role in TEAM_ROLES and link_worker.team_id == team.pk
    ):
        raise ValidationError(
            {"link_worker": f"{link_worker.display_name} is not a link worker in this team."}
        )


@transaction.atomic
def episode_open(
    *,
    person: Person,
    team: Team,
    actor: Any,
    referral: Any = None,
    link_worker: User | None = None,
) -> Episode:
    """Open the person's next episode (number = their highest so far + 1) with this team.

    Refused while the person already has an episode in progress with the same team, so the
    revolving door shows as a sequence of episodes, never two at once.
    """
    _require_staff(actor, team)
    # Locking the person serialises episode numbering for them (the unique constraint backs it).
    person = Person.objects.select_for_update().get(pk=person.pk)
    if person.merged_into_id is not None:
        raise ValidationError("This record was merged into another; open the episode there.")
    if link_worker is not None:
        _check_link_worker(link_worker, team)
    current = Episode.objects.filter(
        person=person, team=team, status__in=OPEN_EPISODE_STATUSES
    ).first()
    if current is not None:
        raise Conflict(
            f"This person already has an episode in progress with this team (episode "
            f"{current.number}). Close it before opening another.",
            extra={"episode": str(current.uuid)},
        )
    last = Episode.objects.filter(person=person).aggregate(n=Max("number"))["n"] or 0
    now = timezone.now()
    episode = Episode(
        person=person,
        number=last + 1,
        referral=referral,
        team=team,
        link_worker=link_worker,
        status=EpisodeStatus.OPEN,
        opened_at=now,
        snomed_code=SNOMED_REFERRAL_TO_SOCIAL_PRESCRIBING,
    )
    episode.full_clean()
    episode.save()
    EpisodeStatusChange.objects.create(
        episode=episode, from_status="", to_status=EpisodeStatus.OPEN, actor=actor, at=now
    )
    audit_log(
        action="create",
        obj=episode,
        person=person,
        actor=actor,
        detail={"number": episode.number, "referral": str(referral.uuid) if referral else None},
    )
    return episode


def _lock(episode: Episode) -> Episode:
    return (
        Episode.objects.select_for_update(of=("self",))
        .select_related("team", "person")
        .get(pk=episode.pk)
    )


@transaction.atomic
def episode_transition(
    *,
    episode: Episode,
    to_status: str,
    actor: Any,
    reason: str = "",
    discharge_reason: str = "",
) -> Episode:
    """Move the episode along EPISODE_ALLOWED_TRANSITIONS, writing one history row.

    Closing needs a discharge reason. The first move to active records the first contact. The
    referral the episode came from follows, so the referrer sees it: in progress once support
    starts, completed when the episode closes.
    """
    episode = _lock(episode)
    _require_staff(actor, episode.team)
    valid = {s.value for s in EpisodeStatus}
    if to_status not in valid:
        raise ValidationError({"status": f"Unknown episode status {quoted(to_status)}."})
    current = episode.status
    if to_status not in EPISODE_ALLOWED_TRANSITIONS[current]:
        if current == EpisodeStatus.CLOSED:
            raise InvalidTransition(
                "This episode is closed and cannot be reopened. Open a new episode instead."
            )
        raise InvalidTransition(
            f"An episode cannot move from {EpisodeStatus(current).label.lower()} to "
            f"{EpisodeStatus(to_status).label.lower()}."
        )
    reason = reason.strip()
    now = timezone.now()
    if to_status == EpisodeStatus.CLOSED:
        if discharge_reason not in {r.value for r in DischargeReason}:
            raise ValidationError(
                {"discharge_reason": "Choose why support ended before closing the episode."}
            )
        episode.discharge_reason = discharge_reason
        episode.discharge_note = reason
        episode.closed_at = now
    if to_status == EpisodeStatus.ACTIVE and episode.first_contact_at is None:
        episode.first_contact_at = now
    episode.status = to_status
    episode.full_clean()
    episode.save()
    EpisodeStatusChange.objects.create(
        episode=episode,
        from_status=current,
        to_status=to_status,
        reason=reason,
        actor=actor,
        at=now,
    )
    audit_log(
        action="transition",
        obj=episode,
        person=episode.person,
        actor=actor,
        detail={"from": current, "to": to_status, "discharge_reason": discharge_reason or None},
    )
    _follow_referral(episode=episode, actor=actor)
    return episode


def _follow_referral(*, episode: Episode, actor: Any) -> None:
    """Keep the inbound referral's Gravity status in step with the episode (the closed loop)."""
    if episode.referral_id is None:
        return
    # Imported here: the referral engine itself opens episodes through this module.
    from linkwell.common.statuses import TaskStatus
    from linkwell.referrals.services import referral_transition

    referral = episode.referral
    assert referral is not None  # noqa: S101  # referral_id was checked just above
    if episode.status == EpisodeStatus.ACTIVE and referral.status == TaskStatus.ACCEPTED:
        referral_transition(referral=referral, to_status=TaskStatus.IN_PROGRESS, actor=actor)
    elif episode.status == EpisodeStatus.CLOSED and referral.status in (
        TaskStatus.ACCEPTED,
        TaskStatus.IN_PROGRESS,
        TaskStatus.ON_HOLD,
    ):
        label = DischargeReason(episode.discharge_reason).label
        referral_transition(
            referral=referral,
            to_status=TaskStatus.COMPLETED,
            actor=actor,
            reason=f"Support ended: {label}.",
        )


@transaction.atomic
def episode_assign(*, episode: Episode, link_worker: User, actor: Any) -> Episode:
    """Give the episode to a link worker (or supervisor) of its team."""
    episode = _lock(episode)
    _require_staff(actor, episode.team)
    if episode.status == EpisodeStatus.CLOSED:
        raise InvalidTransition("This episode is closed; it cannot be assigned.")
    _check_link_worker(link_worker, episode.team)
    previous = episode.link_worker
    episode.link_worker = link_worker
    episode.full_clean()
    episode.save(update_fields=["link_worker", "updated_at"])
    audit_log(
        action="update",
        obj=episode,
        person=episode.person,
        actor=actor,
        detail={
            "link_worker": link_worker.username,
            "previous": previous.username if previous else None,
        },
    )
    return episode
