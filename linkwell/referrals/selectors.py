"""Reading referrals. Access: staff of the receiving team (its link workers and supervisors, or
an administrator of its organisation) see the team's referrals; a referrer sees the referrals
their organisation made (status, history, the message back; never episodes or case notes);
everyone else sees none (NotFound)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When

from linkwell.accounts.models import Role
from linkwell.audit.services import audit_log
from linkwell.cases.selectors import team_staff_q, user_is_team_staff
from linkwell.common.errors import NotFound, quoted
from linkwell.common.statuses import TASK_ALLOWED_TRANSITIONS, TaskStatus

from .models import Referral, ReferralStatusChange, Urgency
from .references import normalise_reference

_NOTHING = Q(pk__in=[])


def referral_visible_q(user: Any) -> Q:
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return _NOTHING
    if user.role == Role.REFERRER:
        if user.organisation_id is not None:
            return Q(referring_organisation_id=user.organisation_id)
        return Q(referred_by_id=user.pk)
    return team_staff_q(user)


def _base() -> QuerySet[Referral]:
    return Referral.objects.select_related(
        "person", "team", "referring_organisation", "referred_by", "assigned_to"
    )


def referral_list_for_user(*, user: Any, status: str | None = None) -> QuerySet[Referral]:
    """Referrals the user may see, newest first, optionally of one status."""
    qs = _base().filter(referral_visible_q(user))
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-created_at", "-id")


def referral_inbox_for_user(*, user: Any) -> QuerySet[Referral]:
    """The team's referrals waiting for a reply: risk first, then by urgency, then due date.

    Only for team staff; a referrer's inbox is empty (they use referral_list_for_user).
    """
    if getattr(user, "role", None) == Role.REFERRER:
        return Referral.objects.none()
    return (
        _base()
        .filter(team_staff_q(user), status=TaskStatus.REQUESTED)
        .annotate(
            risk_rank=Case(
                When(Q(risk_of_harm=True) | Q(safeguarding_concern=True), then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            ),
            urgency_rank=Case(
                When(urgency=Urgency.URGENT, then=Value(0)),
                When(urgency=Urgency.SOON, then=Value(1)),
                default=Value(2),
                output_field=IntegerField(),
            ),
        )
        .order_by("risk_rank", "urgency_rank", "response_due", "created_at", "id")
    )


def _as_uuid(value: UUID | str) -> UUID:
    try:
        return UUID(str(value))
    except ValueError:
        raise NotFound("Referral not found.") from None


def referral_get_for_user(*, user: Any, referral_uuid: UUID | str) -> Referral:
    """The referral if the user may see it; audited as a read of the person's record."""
    referral = _base().filter(referral_visible_q(user), uuid=_as_uuid(referral_uuid)).first()
    if referral is None:
        raise NotFound("Referral not found.")
    audit_log(action="read", obj=referral, person=referral.person, actor=user)
    return referral


def referral_history(*, referral: Referral) -> QuerySet[ReferralStatusChange]:
    """Status changes, oldest first. The caller has already fetched the referral for the user."""
    return referral.history.select_related("actor").order_by("at", "id")


def referral_get_by_reference(*, reference: str) -> Referral:
    """Internal lookup (no access check: for services, tasks and commands, never for a page)."""
    referral = _base().filter(reference=normalise_reference(reference)).first()
    if referral is None:
        raise NotFound(f"No referral with the reference {quoted(reference)}.")
    return referral


def referral_is_staff_view(*, user: Any, referral: Referral) -> bool:
    """Whether the user sees the referral as the receiving team (episode, risk, actions) rather
    than as the referrer (status, history and message back only)."""
    return user_is_team_staff(user, referral.team)


def referral_actions_for_user(*, user: Any, referral: Referral) -> list[str]:
    """The statuses this user may move the referral to now, for showing the right buttons."""
    if user_is_team_staff(user, referral.team):
        return sorted(TASK_ALLOWED_TRANSITIONS[referral.status])
    if (
        referral.status == TaskStatus.REQUESTED
        and referral.referred_by_id is not None
        and referral.referred_by_id == getattr(user, "pk", None)
    ):
        return [TaskStatus.CANCELLED]
    return []
