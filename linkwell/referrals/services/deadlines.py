"""Response deadlines: reminders on working days 6 and 9, escalation after the deadline."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone

from linkwell.accounts.models import Role
from linkwell.audit.services import audit_log
from linkwell.common.statuses import TaskStatus
from linkwell.common.working_days import working_days_between
from linkwell.notifications.models import AlertKind
from linkwell.notifications.services import alert_create

from ..models import Referral, SelfReferralAttempt
from ._common import _rule, _supervisors, _team_users, referral_url


def referral_deadline_sweep_run(*, today: dt.date | None = None) -> dict[str, int]:
    """Remind and escalate referrals still waiting for a reply (run daily by tasks.py).

    For each requested referral: on the reminder working days (LINKWELL
    "REFERRAL_REMINDER_WORKING_DAYS", 6 and 9 after the referral) the assignee, or the team's
    link workers when nobody is assigned, get one reminder each (``reminders_sent`` counts them,
    so a day is never reminded twice, and a missed run catches up with one reminder). Once the
    response deadline has passed the team's supervisors get one escalation (``escalated_at``).
    Each referral is handled in its own transaction under a row lock.
    """
    today = today or timezone.localdate()
    reminder_days = sorted(_rule("REFERRAL_REMINDER_WORKING_DAYS"))
    result = {"checked": 0, "reminders": 0, "escalations": 0}
    ids = list(
        Referral.objects.filter(status=TaskStatus.REQUESTED)
        .order_by("id")
        .values_list("id", flat=True)
    )
    for pk in ids:
        reminded, escalated = _sweep_one(pk=pk, today=today, reminder_days=reminder_days)
        result["checked"] += 1
        result["reminders"] += int(reminded)
        result["escalations"] += int(escalated)
    return result


@transaction.atomic
def _sweep_one(*, pk: int, today: dt.date, reminder_days: list[int]) -> tuple[bool, bool]:
    referral = (
        Referral.objects.select_for_update(of=("self",))
        .select_related("team", "assigned_to")
        .filter(pk=pk, status=TaskStatus.REQUESTED)
        .first()
    )
    if referral is None:
        return False, False
    made_on = timezone.localtime(referral.created_at).date()
    elapsed = working_days_between(made_on, today)
    window = working_days_between(made_on, referral.response_due) if referral.response_due else None
    # Reminders only for days before the deadline: an urgent referral goes straight to escalation.
    due_points = [d for d in reminder_days if d <= elapsed and (window is None or d < window)]
    reminded = escalated = False
    changed: dict[str, Any] = {}
    if len(due_points) > referral.reminders_sent:
        recipients = (
            [referral.assigned_to]
            if referral.assigned_to and referral.assigned_to.is_active
            else _team_users(referral.team, [Role.LINK_WORKER]) or _supervisors(referral.team)
        )
        due = (
            f"{referral.response_due.day} {referral.response_due:%B %Y}"
            if referral.response_due
            else ""
        )
        alert_create(
            recipients=recipients,
            kind=AlertKind.DEADLINE_REMINDER,
            message=f"A referral is waiting for a reply (due {due}): {referral.reference}",
            url=referral_url(referral),
            obj=referral,
        )
        referral.reminders_sent = len(due_points)
        changed["reminders_sent"] = referral.reminders_sent
        reminded = True
    if referral.response_due and today > referral.response_due and referral.escalated_at is None:
        alert_create(
            recipients=_supervisors(referral.team),
            kind=AlertKind.ESCALATION,
            message=f"A referral has passed its reply deadline: {referral.reference}",
            url=referral_url(referral),
            obj=referral,
        )
        referral.escalated_at = timezone.now()
        changed["escalated"] = True
        escalated = True
    if changed:
        referral.full_clean()
        referral.save(update_fields=["reminders_sent", "escalated_at", "updated_at"])
        audit_log(action="update", obj=referral, actor=None, detail={"deadline_sweep": changed})
    return reminded, escalated


@transaction.atomic
def self_referral_attempts_prune(*, older_than_hours: int = 24) -> int:
    """Forget rate-limit rows once they no longer count; returns how many were removed."""
    cutoff = timezone.now() - dt.timedelta(hours=older_than_hours)
    deleted, _ = SelfReferralAttempt.objects.filter(at__lt=cutoff).delete()
    return deleted
