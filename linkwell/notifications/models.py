"""Alerts: messages to a member of staff that something needs their attention."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from linkwell.common.models import BaseModel


class AlertKind(models.TextChoices):
    RISK = "risk", "Possible risk"
    DEADLINE_REMINDER = "deadline_reminder", "Response deadline reminder"
    ESCALATION = "escalation", "Response deadline missed"
    OTHER = "other", "Other"


class Alert(BaseModel):
    """One alert for one recipient. Messages never name the person (they are also emailed)."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="alerts"
    )
    kind = models.CharField(max_length=20, choices=AlertKind.choices)
    message = models.CharField(max_length=300)
    url = models.CharField(max_length=300, blank=True)
    # What the alert is about, by class name and public uuid (a referral, an episode...).
    object_type = models.CharField(max_length=60, blank=True)
    object_uuid = models.UUIDField(null=True, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # The unread alerts shown at the top of a user's inbox.
            models.Index(fields=["recipient", "read_at", "-created_at"], name="alert_unread_idx"),
        ]

    def __str__(self) -> str:
        return self.message
