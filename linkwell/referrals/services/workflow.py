"""The Gravity status workflow and assignment of referrals."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from linkwell.accounts.models import Role, User
from linkwell.audit.services import audit_log
from linkwell.cases.selectors import user_is_team_staff
from linkwell.cases.services import SNOMED_REFERRAL_TO_SOCIAL_PRESCRIBING, episode_open
from linkwell.common.errors import Forbidden, InvalidTransition, NotFound, quoted
from linkwell.common.statuses import (
    TASK_ALLOWED_TRANSITIONS,
    TASK_REASON_REQUIRED,
    TASK_TERMINAL_STATUSES,
    TaskStatus,
)

from ..models import Referral
from ..selectors import referral_visible_q
from ._common import SNOMED_SOCIAL_PRESCRIBING_DECLINED, _history


def _lock(referral: Referral) -> Referral:
    return (
        Referral.objects.select_for_update(of=("self",))
        .select_related("team", "person", "assigned_to")
        .get(pk=referral.pk)
    )


def _can_see(actor: Any, referral: Referral) -> bool:
    return Referral.objects.filter(referral_visible_q(actor), pk=referral.pk).exists()


@transaction.atomic
def referral_transition(
    *, referral: Referral, to_status: str, actor: Any, reason: str = ""
) -> Referral:
    """Move the referral along TASK_ALLOWED_TRANSITIONS, writing one history row.

    Staff of the receiving team may make any allowed move; the referrer who made the referral may
    cancel it while it is still requested. Rejected, cancelled, on-hold and failed need a reason.
    Terminal states never reopen. Accepting opens an episode (SNOMED 871731000000106) for the
    acting link worker, or for the referral's assignee when a supervisor accepts.
    """
    referral = _lock(referral)
    if not user_is_team_staff(actor, referral.team):
        referrer_cancel = (
            to_status == TaskStatus.CANCELLED
            and referral.referred_by_id is not None
            and referral.referred_by_id == getattr(actor, "pk", None)
        )
        if not referrer_cancel:
            if _can_see(actor, referral):
                raise Forbidden("Only the team that received this referral can change its status.")
            raise NotFound("Referral not found.")
        if referral.status != TaskStatus.REQUESTED:
            raise InvalidTransition(
                "The service has already replied to this referral, so it can no longer be "
                "cancelled here. Contact the service instead."
            )
    if to_status not in TaskStatus.values:
        raise ValidationError({"status": f"Unknown referral status {quoted(to_status)}."})
    current = referral.status
    if current in TASK_TERMINAL_STATUSES:
        raise InvalidTransition(
            f"This referral is {TaskStatus(current).label.lower()} and cannot be reopened. "
            "Make a new referral instead.",
            extra={"status": current},
        )
    if to_status not in TASK_ALLOWED_TRANSITIONS[current]:
        raise InvalidTransition(
            f"A referral cannot move from {TaskStatus(current).label.lower()} to "
            f"{TaskStatus(to_status).label.lower()}.",
            extra={"status": current},
        )
    reason = (reason or "").strip()
    if to_status in TASK_REASON_REQUIRED and not reason:
        raise ValidationError(
            {
                "reason": f"Give a reason for marking this referral "
                f"{TaskStatus(to_status).label.lower()}."
            }
        )
    now = timezone.now()
    referral.status = to_status
    referral.status_reason = reason
    referral.status_changed_at = now
    snomed = ""
    if to_status == TaskStatus.ACCEPTED:
        snomed = SNOMED_REFERRAL_TO_SOCIAL_PRESCRIBING
        worker = actor if getattr(actor, "role", None) == Role.LINK_WORKER else None
        worker = worker or referral.assigned_to
        if referral.assigned_to is None and worker is not None:
            referral.assigned_to = worker
        referral.full_clean()
        referral.save()
        episode_open(
            person=referral.person,
            team=referral.team,
            actor=actor,
            referral=referral,
            link_worker=worker,
        )
    else:
        if to_status == TaskStatus.REJECTED:
            snomed = SNOMED_SOCIAL_PRESCRIBING_DECLINED
        referral.full_clean()
        referral.save()
    _history(
        referral=referral,
        from_status=current,
        to_status=to_status,
        actor=actor,
        reason=reason,
        snomed_code=snomed,
        at=now,
    )
    audit_log(
        action="transition",
        obj=referral,
        person=referral.person,
        actor=actor,
        detail={"from": current, "to": to_status, "snomed": snomed or None},
    )
    return referral


@transaction.atomic
def referral_assign(*, referral: Referral, link_worker: User, actor: Any) -> Referral:
    """Give an open referral to a link worker (or supervisor) of the receiving team."""
    referral = _lock(referral)
    if not user_is_team_staff(actor, referral.team):
        if _can_see(actor, referral):
            raise Forbidden("Only the team that received this referral can assign it.")
        raise NotFound("Referral not found.")
    if referral.status in TASK_TERMINAL_STATUSES:
        raise InvalidTransition(
            f"This referral is {TaskStatus(referral.status).label.lower()}; it cannot be assigned."
        )
    if not (
        link_worker.is_active
        and link_worker.role in (Role.LINK_WORKER, Role.SUPERVISOR)
        and link_worker.team_id == referral.team_id
    ):
        raise ValidationError(
            {"link_worker": f"{link_worker.display_name} is not a link worker in this team."}
        )
    previous = referral.assigned_to
    referral.assigned_to = link_worker
    referral.full_clean()
    referral.save(update_fields=["assigned_to", "updated_at"])
    audit_log(
        action="update",
        obj=referral,
        person=referral.person,
        actor=actor,
        detail={
            "assigned_to": link_worker.username,
            "previous": previous.username if previous else None,
        },
    )
    return referral
