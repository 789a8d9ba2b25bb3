"""Inbound referrals to the social prescribing service (the front door)."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from linkwell.common.models import BaseModel
from linkwell.common.statuses import TaskStatus


class ReferralSource(models.TextChoices):
    GP_PRACTICE = "gp_practice", "GP practice"
    TALKING_THERAPIES = "talking_therapies", "NHS Talking Therapies"
    JOB_CENTRE = "job_centre", "Job centre"
    HOUSING = "housing", "Housing officer or provider"
    HOSPITAL = "hospital", "Hospital discharge team"
    COMMUNITY = "community", "Community organisation"
    SELF = "self", "Self-referral"
    OTHER = "other", "Other"


class Urgency(models.TextChoices):
    ROUTINE = "routine", "Routine"
    SOON = "soon", "Soon (within a week)"
    URGENT = "urgent", "Urgent (within 2 working days)"


class Referral(BaseModel):
    reference = models.CharField(max_length=20, unique=True, help_text="e.g. LW-7K3D-9QX2")
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="referrals")
    source = models.CharField(max_length=20, choices=ReferralSource.choices)
    # Indexed by referral_org_idx, which leads with it.
    referring_organisation = models.ForeignKey(
        "accounts.Organisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="referrals_made",
        db_index=False,
    )
    referred_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="referrals_made",
    )
    # For referrers without an account (self-referral, a phone call): who gets the message back.
    referrer_name = models.CharField(max_length=200, blank=True)
    referrer_contact = models.CharField(max_length=200, blank=True)
    # The social prescribing team that receives it. Indexed by referral_inbox_idx, which leads
    # with it.
    team = models.ForeignKey(
        "accounts.Team", on_delete=models.PROTECT, related_name="referrals", db_index=False
    )
    reason = models.TextField(help_text="Why they are referred, in their own words where possible.")
    suggested_needs = models.JSONField(default=list, blank=True)
    urgency = models.CharField(max_length=10, choices=Urgency.choices, default=Urgency.ROUTINE)
    risk_of_harm = models.BooleanField(default=False)
    safeguarding_concern = models.BooleanField(default=False)
    risk_details = models.TextField(blank=True)
    consent_confirmed = models.BooleanField(
        default=False, help_text="The person agreed to be referred and to be contacted."
    )
    status = models.CharField(
        max_length=20, choices=TaskStatus.choices, default=TaskStatus.REQUESTED
    )
    status_reason = models.TextField(blank=True)
    status_changed_at = models.DateTimeField(null=True, blank=True)
    response_due = models.DateField(null=True, blank=True)
    reminders_sent = models.PositiveSmallIntegerField(default=0)
    escalated_at = models.DateTimeField(null=True, blank=True)
    # Indexed by referral_assigned_idx, only where set: a new referral is assigned to nobody, so
    # it writes no entry; the look-ups (a user's referrals, SET_NULL when a user goes) name one.
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_referrals",
        db_index=False,
    )
    message_back = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            # The link worker inbox: a team's referrals by status, newest first.
            models.Index(fields=["team", "status", "-created_at"], name="referral_inbox_idx"),
            # The referrer's closed loop: their organisation's referrals.
            models.Index(fields=["referring_organisation", "-created_at"], name="referral_org_idx"),
            # Deadline sweep: open referrals past their reminder days.
            models.Index(fields=["status", "response_due"], name="referral_due_idx"),
            models.Index(
                fields=["assigned_to"],
                condition=models.Q(assigned_to__isnull=False),
                name="referral_assigned_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status__in=["rejected", "cancelled", "on-hold", "failed"])
                | ~models.Q(status_reason=""),
                name="referral_reason_for_status",
            ),
        ]

    def __str__(self) -> str:
        return self.reference


class ReferralStatusChange(models.Model):
    """One row per transition: the history a referrer and link worker see."""

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="history")
    from_status = models.CharField(max_length=20, choices=TaskStatus.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=TaskStatus.choices)
    reason = models.TextField(blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField()
    # SNOMED CT code recorded with the change: 871731000000106 "referral to social prescribing
    # service" on acceptance, 871711000000103 "social prescribing declined" on rejection.
    snomed_code = models.CharField(max_length=20, blank=True)

    class Meta:
        ordering = ["at", "id"]


class IdempotencyRecord(BaseModel):
    """Remembers an API request's Idempotency-Key so a retry returns the first result."""

    # BaseModel's, without its index: a record is only ever found by its user and key.
    created_at = models.DateTimeField(auto_now_add=True)

    key = models.CharField(max_length=200)
    # Indexed by idempotency_key_unique, which leads with it.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    request_fingerprint = models.CharField(max_length=64)
    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="idempotency_key_unique")
        ]


class SelfReferralAttempt(models.Model):
    """Submissions of the public form by hashed address, for rate limiting without storing IPs."""

    client_hash = models.CharField(max_length=64)
    at = models.DateTimeField()

    class Meta:
        indexes = [
            # Rate limit: attempts from one client in the last hour.
            models.Index(fields=["client_hash", "at"], name="selfref_rate_idx")
        ]
