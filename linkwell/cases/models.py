"""Episodes: one period of support for one person."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from linkwell.common.models import BaseModel


class EpisodeStatus(models.TextChoices):
    OPEN = "open", "Open"
    ACTIVE = "active", "Active"
    CLOSING = "closing", "Closing"
    CLOSED = "closed", "Closed"


EPISODE_ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
    EpisodeStatus.OPEN: frozenset(
        {EpisodeStatus.ACTIVE, EpisodeStatus.CLOSING, EpisodeStatus.CLOSED}
    ),
    EpisodeStatus.ACTIVE: frozenset({EpisodeStatus.CLOSING, EpisodeStatus.CLOSED}),
    EpisodeStatus.CLOSING: frozenset({EpisodeStatus.ACTIVE, EpisodeStatus.CLOSED}),
    EpisodeStatus.CLOSED: frozenset(),
}


class DischargeReason(models.TextChoices):
    GOALS_MET = "goals_met", "Goals met"
    CONNECTED = "connected", "Connected to community support"
    PERSON_CHOSE = "person_chose", "The person chose to end support"
    NO_CONTACT = "no_contact", "Could not make contact"
    MOVED_AWAY = "moved_away", "Moved out of the area"
    NEEDS_OTHER_SERVICE = "needs_other_service", "Needs a different service"
    DIED = "died", "Died"
    OTHER = "other", "Other"


class Episode(BaseModel):
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="episodes")
    # 1 for a person's first episode, 2 for the second...: the revolving door is visible.
    number = models.PositiveIntegerField()
    referral = models.OneToOneField(
        "referrals.Referral",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="episode",
    )
    team = models.ForeignKey("accounts.Team", on_delete=models.PROTECT, related_name="episodes")
    link_worker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="caseload",
    )
    status = models.CharField(
        max_length=10, choices=EpisodeStatus.choices, default=EpisodeStatus.OPEN
    )
    opened_at = models.DateTimeField()
    first_contact_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    discharge_reason = models.CharField(max_length=30, choices=DischargeReason.choices, blank=True)
    discharge_note = models.TextField(blank=True)
    # SNOMED CT 871731000000106 "referral to social prescribing service", recorded at acceptance.
    snomed_code = models.CharField(max_length=20, default="871731000000106")

    class Meta:
        ordering = ["-opened_at"]
        constraints = [
            models.UniqueConstraint(fields=["person", "number"], name="episode_number_unique"),
            models.CheckConstraint(
                condition=~models.Q(status="closed") | ~models.Q(discharge_reason=""),
                name="closed_episode_has_discharge_reason",
            ),
        ]
        indexes = [
            # Caseload pages: a team's or a link worker's episodes by status.
            models.Index(fields=["team", "status"], name="episode_team_status_idx"),
            models.Index(fields=["link_worker", "status"], name="episode_worker_status_idx"),
        ]

    def __str__(self) -> str:
        return f"Episode {self.number} for {self.person}"


class EpisodeStatusChange(models.Model):
    episode = models.ForeignKey(Episode, on_delete=models.CASCADE, related_name="history")
    from_status = models.CharField(max_length=10, choices=EpisodeStatus.choices, blank=True)
    to_status = models.CharField(max_length=10, choices=EpisodeStatus.choices)
    reason = models.TextField(blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField()

    class Meta:
        ordering = ["at", "id"]
