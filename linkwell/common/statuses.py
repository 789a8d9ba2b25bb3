"""HL7 Gravity referral Task statuses (DESIGN.md), shared by inbound referrals and connections."""

from __future__ import annotations

from django.db import models


class TaskStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    REQUESTED = "requested", "Requested"
    ACCEPTED = "accepted", "Accepted"
    REJECTED = "rejected", "Declined"
    CANCELLED = "cancelled", "Cancelled"
    IN_PROGRESS = "in-progress", "In progress"
    ON_HOLD = "on-hold", "On hold"
    COMPLETED = "completed", "Completed"
    FAILED = "failed", "Failed"
    ENTERED_IN_ERROR = "entered-in-error", "Entered in error"


S = TaskStatus

# Any status may also move to entered-in-error; terminal states never reopen.
TASK_ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
    S.DRAFT: frozenset({S.REQUESTED, S.ENTERED_IN_ERROR}),
    S.REQUESTED: frozenset({S.ACCEPTED, S.REJECTED, S.CANCELLED, S.ENTERED_IN_ERROR}),
    S.ACCEPTED: frozenset(
        {S.IN_PROGRESS, S.ON_HOLD, S.CANCELLED, S.COMPLETED, S.FAILED, S.ENTERED_IN_ERROR}
    ),
    S.IN_PROGRESS: frozenset({S.ON_HOLD, S.CANCELLED, S.COMPLETED, S.FAILED, S.ENTERED_IN_ERROR}),
    S.ON_HOLD: frozenset({S.IN_PROGRESS, S.CANCELLED, S.COMPLETED, S.FAILED, S.ENTERED_IN_ERROR}),
    S.REJECTED: frozenset(),
    S.CANCELLED: frozenset(),
    S.COMPLETED: frozenset(),
    S.FAILED: frozenset(),
    S.ENTERED_IN_ERROR: frozenset(),
}

TASK_TERMINAL_STATUSES = frozenset(s for s, nxt in TASK_ALLOWED_TRANSITIONS.items() if not nxt)
TASK_REASON_REQUIRED = frozenset({S.REJECTED, S.CANCELLED, S.ON_HOLD, S.FAILED})
TASK_OPEN_STATUSES = frozenset({S.DRAFT, S.REQUESTED, S.ACCEPTED, S.IN_PROGRESS, S.ON_HOLD})
