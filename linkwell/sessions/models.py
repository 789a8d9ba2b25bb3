"""One-to-one sessions of an episode, the team's session allowance and extension approvals."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models

from linkwell.common.models import BaseModel

DEFAULT_SESSION_ALLOWANCE = 6


class DeliveryMode(models.TextChoices):
    FACE_TO_FACE = "face_to_face", "Face to face"
    TELEPHONE = "telephone", "Telephone"
    VIDEO = "video", "Video call"
    HOME_VISIT = "home_visit", "Home visit"
    COMMUNITY_VENUE = "community_venue", "At a community venue"
    ONLINE_GROUP = "online_group", "Online group"


class VenueKind(models.TextChoices):
    NONE = "", "No venue (remote)"
    COMMUNITY_CENTRE = "community_centre", "Community centre"
    FAITH_VENUE = "faith_venue", "Faith venue"
    GP_SURGERY = "gp_surgery", "GP surgery"
    LIBRARY = "library", "Library"
    HOME = "home", "The person's home"
    SERVICE_OFFICE = "service_office", "Service office"
    OTHER = "other", "Other venue"


class Outcome(models.TextChoices):
    PENDING = "", "Not yet recorded"
    ATTENDED = "attended", "Attended"
    DID_NOT_ATTEND = "did_not_attend", "Did not attend"
    CANCELLED_BY_PERSON = "cancelled_by_person", "Cancelled by the person"
    CANCELLED_BY_SERVICE = "cancelled_by_service", "Cancelled by the service"


# Modes that need a place to meet; remote modes must not carry one.
MODES_NEEDING_VENUE = frozenset(
    {DeliveryMode.FACE_TO_FACE, DeliveryMode.HOME_VISIT, DeliveryMode.COMMUNITY_VENUE}
)


class Appointment(BaseModel):
    episode = models.ForeignKey(
        "cases.Episode", on_delete=models.PROTECT, related_name="appointments"
    )
    link_worker = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="appointments"
    )
    starts_at = models.DateTimeField()
    duration_minutes = models.PositiveSmallIntegerField(default=45)
    mode = models.CharField(max_length=20, choices=DeliveryMode.choices)
    venue_kind = models.CharField(max_length=20, choices=VenueKind.choices, blank=True)
    venue_detail = models.CharField(max_length=200, blank=True)
    outcome = models.CharField(max_length=25, choices=Outcome.choices, blank=True)
    outcome_reason = models.TextField(blank=True)
    # For a DNA: a code from the reasons that never count (built-in or the service's own).
    dna_reason = models.SlugField(max_length=40, blank=True)
    outcome_recorded_at = models.DateTimeField(null=True, blank=True)
    outcome_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["starts_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(duration_minutes__gte=5, duration_minutes__lte=480),
                name="appointment_duration_range",
            ),
            # Cancellations and non-attendance always say why.
            models.CheckConstraint(
                condition=models.Q(outcome__in=["", "attended"]) | ~models.Q(outcome_reason=""),
                name="appointment_outcome_has_reason",
            ),
        ]
        indexes = [
            # The diary: a link worker's appointments in a day or week.
            models.Index(fields=["link_worker", "starts_at"], name="appointment_diary_idx"),
            # The allowance: an episode's attended sessions.
            models.Index(fields=["episode", "outcome"], name="appt_episode_outcome_idx"),
        ]

    @property
    def ends_at(self) -> dt.datetime:
        return self.starts_at + dt.timedelta(minutes=self.duration_minutes)

    def __str__(self) -> str:
        return f"{self.get_mode_display()} session at {self.starts_at:%Y-%m-%d %H:%M}"


class SessionAllowance(BaseModel):
    """A team's number of attended sessions per episode before an extension is needed."""

    team = models.OneToOneField(
        "accounts.Team", on_delete=models.CASCADE, related_name="session_allowance"
    )
    sessions_per_episode = models.PositiveSmallIntegerField(default=DEFAULT_SESSION_ALLOWANCE)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(sessions_per_episode__gte=1, sessions_per_episode__lte=100),
                name="allowance_sessions_range",
            )
        ]


class ExtensionStatus(models.TextChoices):
    PENDING = "pending", "Awaiting approval"
    APPROVED = "approved", "Approved"
    DECLINED = "declined", "Declined"


class AllowanceExtension(BaseModel):
    """A practitioner's request for more sessions, decided by a supervisor (never the requester)."""

    episode = models.ForeignKey(
        "cases.Episode", on_delete=models.PROTECT, related_name="allowance_extensions"
    )
    extra_sessions = models.PositiveSmallIntegerField()
    reason = models.TextField()
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField()
    status = models.CharField(
        max_length=10, choices=ExtensionStatus.choices, default=ExtensionStatus.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)

    class Meta:
        ordering = ["requested_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(extra_sessions__gte=1, extra_sessions__lte=20),
                name="extension_extra_sessions_range",
            ),
            models.CheckConstraint(
                condition=models.Q(status="pending")
                | ~models.Q(decided_by=models.F("requested_by")),
                name="extension_decided_by_another_person",
            ),
        ]
        indexes = [
            # Supervisors' queue of requests awaiting approval.
            models.Index(fields=["status", "requested_at"], name="extension_queue_idx"),
        ]


# Reasons for missing a session that never count towards the DNA policy (a service may add more).
BUILT_IN_EXEMPT_DNA_REASONS: dict[str, str] = {
    "hospital_admission": "Admitted to hospital",
    "caring_crisis": "Caring crisis",
    "medical_appointment": "Another medical appointment",
    "bereavement": "Bereavement",
}


class DnaExemptReason(BaseModel):
    """A reason a service has added to the ones that never count as an unexplained DNA."""

    team = models.ForeignKey(
        "accounts.Team", on_delete=models.CASCADE, related_name="dna_exempt_reasons"
    )
    code = models.SlugField(max_length=40)
    label = models.CharField(max_length=100)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["team", "code"], name="dna_exempt_reason_unique")
        ]


class DnaAction(models.TextChoices):
    CONTACT_ATTEMPT = "contact_attempt", "Try to contact the person"
    WELFARE_CALL = "welfare_call", "Make a welfare call"
    SUPERVISOR_REVIEW = "supervisor_review", "Supervisor review"
    DISCHARGE = "discharge", "Discharged after missed sessions"


class DnaPolicy(BaseModel):
    """How many unexplained DNAs in an episode trigger each action. Discharge is never automatic
    unless the service sets ``discharge_after``."""

    team = models.OneToOneField(
        "accounts.Team", on_delete=models.CASCADE, related_name="dna_policy"
    )
    contact_attempt_after = models.PositiveSmallIntegerField(default=1)
    welfare_call_after = models.PositiveSmallIntegerField(default=2)
    supervisor_review_after = models.PositiveSmallIntegerField(default=3)
    discharge_after = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(
                    contact_attempt_after__gte=1,
                    welfare_call_after__gte=1,
                    supervisor_review_after__gte=1,
                )
                & (models.Q(discharge_after__isnull=True) | models.Q(discharge_after__gte=1)),
                name="dna_policy_thresholds_positive",
            )
        ]


class DnaActionTaken(BaseModel):
    """Each policy action fires once per episode, when its threshold is first reached."""

    episode = models.ForeignKey("cases.Episode", on_delete=models.CASCADE, related_name="+")
    action = models.CharField(max_length=20, choices=DnaAction.choices)
    unexplained_dnas = models.PositiveSmallIntegerField()
    triggered_by = models.ForeignKey(Appointment, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()

    class Meta:
        ordering = ["at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["episode", "action"], name="dna_action_once")
        ]


class ReminderStatus(models.TextChoices):
    PENDING = "pending", "Waiting to send"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed, will retry"
    GAVE_UP = "gave_up", "Failed, no more retries"
    SKIPPED = "skipped", "Not sent"


class AppointmentReminder(BaseModel):
    """One reminder per session: how it went, so failures are retried and skips explained."""

    appointment = models.OneToOneField(
        Appointment, on_delete=models.CASCADE, related_name="reminder"
    )
    channel = models.CharField(max_length=10, blank=True)
    language = models.CharField(max_length=10, blank=True)
    status = models.CharField(
        max_length=10, choices=ReminderStatus.choices, default=ReminderStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    detail = models.CharField(max_length=300, blank=True)

    class Meta:
        indexes = [
            # The retry sweep: failed reminders whose back-off has passed.
            models.Index(fields=["status", "next_attempt_at"], name="reminder_retry_idx"),
        ]
