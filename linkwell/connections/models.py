"""Connections: onward referrals from an episode to a directory service, with a closed loop.

They follow the HL7 Gravity Task statuses (linkwell.common.statuses) like inbound referrals; every
change is a history row. The provider sees only ``shared``, the snapshot the person consented to.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from linkwell.common.models import BaseModel
from linkwell.common.statuses import TaskStatus


class DeclineReason(models.TextChoices):
    NO_CAPACITY = "no_capacity", "No capacity"
    NOT_ELIGIBLE = "not_eligible", "Not eligible"
    COULD_NOT_CONTACT = "could_not_contact", "Could not contact the person"
    PERSON_DECLINED = "person_declined", "The person said no"
    OTHER = "other", "Other"


class Connection(BaseModel):
    episode = models.ForeignKey(
        "cases.Episode", on_delete=models.PROTECT, related_name="connections"
    )
    # The directory service by its HSDS id and name, kept if the listing goes.
    service_id = models.UUIDField()
    service_name = models.CharField(max_length=300)
    # The provider organisation whose users answer it (the HSDS organization's Linkwell owner).
    provider = models.ForeignKey(
        "accounts.Organisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="connections_received",
    )
    status = models.CharField(
        max_length=20, choices=TaskStatus.choices, default=TaskStatus.REQUESTED
    )
    status_reason = models.TextField(blank=True)
    decline_reason = models.CharField(max_length=20, choices=DeclineReason.choices, blank=True)
    on_waiting_list = models.BooleanField(default=False)
    note = models.TextField(blank=True)
    # What the provider may see, fixed when the connection is made (consent at that moment).
    shared = models.JSONField(default=dict, blank=True)
    response_due = models.DateField(null=True, blank=True)
    reminders_sent = models.PositiveSmallIntegerField(default=0)
    escalated_at = models.DateTimeField(null=True, blank=True)
    support_started_at = models.DateTimeField(null=True, blank=True)
    support_ended_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # The provider's inbox: its connections by status.
            models.Index(fields=["provider", "status"], name="connection_provider_idx"),
            # The deadline sweep: requested connections.
            models.Index(fields=["status", "response_due"], name="connection_due_idx"),
        ]


class ConnectionStatusChange(models.Model):
    connection = models.ForeignKey(Connection, on_delete=models.CASCADE, related_name="history")
    from_status = models.CharField(max_length=20, choices=TaskStatus.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=TaskStatus.choices)
    reason = models.TextField(blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField()

    class Meta:
        ordering = ["at", "id"]
