"""Stored outcome measures: a schedule per team, due measures, responses, self-completion links,
risk flags and a service's own short polls."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from linkwell.common.models import BaseModel


class Occasion(models.TextChoices):
    BASELINE = "baseline", "Start of support"
    REVIEW = "review", "Review"
    DISCHARGE = "discharge", "End of support"
    FOLLOW_UP_3M = "follow_up_3m", "3 months after support"
    FOLLOW_UP_6M = "follow_up_6m", "6 months after support"
    ADHOC = "adhoc", "Other time"


def default_schedule_instruments() -> list[str]:
    return ["swemwbs"]


class OutcomeSchedule(BaseModel):
    """When a team asks people to complete measures. A team without one uses the defaults."""

    team = models.OneToOneField(
        "accounts.Team", on_delete=models.CASCADE, related_name="outcome_schedule"
    )
    instruments = models.JSONField(
        default=default_schedule_instruments,
        help_text="Instrument codes asked on every occasion, e.g. ['swemwbs', 'ons4'].",
    )
    baseline = models.BooleanField(default=True, help_text="At the first conversation.")
    review_after_weeks = models.PositiveSmallIntegerField(
        default=6, help_text="Weeks after the baseline; 0 for no review."
    )
    at_discharge = models.BooleanField(default=True)
    follow_up_3m = models.BooleanField(default=True)
    follow_up_6m = models.BooleanField(default=True)
    # How long a self-completion link stays valid, and how often a link worker is reminded.
    link_valid_days = models.PositiveSmallIntegerField(default=14)
    remind_every_days = models.PositiveSmallIntegerField(default=7)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(link_valid_days__gte=1, remind_every_days__gte=1),
                name="outcome_schedule_positive_days",
            )
        ]


class DueStatus(models.TextChoices):
    DUE = "due", "Due"
    COMPLETED = "completed", "Completed"
    CANCELLED = "cancelled", "No longer needed"


class DueMeasure(BaseModel):
    """One measure expected from one episode on one occasion, generated from the schedule."""

    episode = models.ForeignKey(
        "cases.Episode", on_delete=models.CASCADE, related_name="due_measures"
    )
    instrument_code = models.CharField(max_length=60)
    occasion = models.CharField(max_length=20, choices=Occasion.choices)
    due_on = models.DateField()
    status = models.CharField(max_length=10, choices=DueStatus.choices, default=DueStatus.DUE)
    reminded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["episode", "instrument_code", "occasion"],
                condition=~models.Q(occasion="adhoc"),
                name="due_measure_once_per_occasion",
            )
        ]
        indexes = [
            # The daily reminder run: measures still due on or before today.
            models.Index(fields=["status", "due_on"], name="due_measure_status_due_idx"),
        ]


class QuestionnaireResponse(BaseModel):
    """One completed (or partly completed) form, with its score as computed when stored."""

    episode = models.ForeignKey(
        "cases.Episode", on_delete=models.PROTECT, related_name="questionnaire_responses"
    )
    due = models.OneToOneField(
        DueMeasure, on_delete=models.SET_NULL, null=True, blank=True, related_name="response"
    )
    instrument_code = models.CharField(max_length=60)
    occasion = models.CharField(max_length=20, choices=Occasion.choices)
    answers = models.JSONField()
    complete = models.BooleanField()
    total = models.IntegerField(null=True, blank=True)
    metric = models.DecimalField(max_digits=6, decimal_places=2, null=True, blank=True)
    bands = models.JSONField(default=dict, blank=True)
    severity = models.CharField(max_length=30, blank=True)
    flags = models.JSONField(default=list, blank=True)
    completed_at = models.DateTimeField()
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    self_completed = models.BooleanField(default=False)

    class Meta:
        ordering = ["completed_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(self_completed=True, entered_by__isnull=True)
                | models.Q(self_completed=False, entered_by__isnull=False),
                name="response_entered_by_staff_or_self",
            )
        ]
        indexes = [
            # Change per episode and measure: first and latest response by time.
            models.Index(
                fields=["episode", "instrument_code", "completed_at"], name="response_change_idx"
            ),
        ]


class MeasureSummary(models.Model):
    """Per episode and measure: how many complete scored responses there are, and the first and
    latest score (metric, else total) by completion time. Kept by ``response_record`` in the
    response's transaction, so reports read one row per episode and measure instead of grouping
    every response. Derived data: ``measure_summary_refresh`` rebuilds a row from the responses.
    """

    episode = models.ForeignKey(
        "cases.Episode", on_delete=models.CASCADE, related_name="measure_summaries"
    )
    instrument_code = models.CharField(max_length=60)
    responses = models.PositiveIntegerField()
    first_score = models.FloatField()
    latest_score = models.FloatField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["episode", "instrument_code"], name="measure_summary_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(responses__gte=1), name="measure_summary_has_responses"
            ),
        ]


class SelfCompletionLink(BaseModel):
    """A single-use link a person opens without signing in to complete one due measure.

    The URL carries a signed token of this row's uuid; the row says whether it was used and when
    it expires, so a link can be used once and never after its expiry.
    """

    due = models.ForeignKey(DueMeasure, on_delete=models.CASCADE, related_name="links")
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]


class RiskFlagStatus(models.TextChoices):
    OPEN = "open", "Waiting for a response"
    RESPONDED = "responded", "Responded"


class RiskFlag(BaseModel):
    """A risk answer (PHQ-9 item 9 of 1 or more) for a supervisor to respond to."""

    episode = models.ForeignKey("cases.Episode", on_delete=models.PROTECT, related_name="+")
    response = models.ForeignKey(
        QuestionnaireResponse, on_delete=models.PROTECT, related_name="risk_flags"
    )
    kind = models.CharField(max_length=30)
    detail = models.CharField(max_length=300)
    status = models.CharField(
        max_length=10, choices=RiskFlagStatus.choices, default=RiskFlagStatus.OPEN
    )
    response_text = models.TextField(blank=True)
    responded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    responded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["response", "kind"], name="risk_flag_once_per_kind"),
            models.CheckConstraint(
                condition=models.Q(status="open")
                | (
                    ~models.Q(response_text="")
                    & models.Q(responded_by__isnull=False, responded_at__isnull=False)
                ),
                name="responded_risk_flag_has_response",
            ),
        ]
        indexes = [
            # The supervisor's list: a team's open flags, newest first (joined through episode).
            models.Index(fields=["status", "created_at"], name="risk_flag_status_idx"),
        ]


class Poll(BaseModel):
    """A service's own short poll: one question, answer options each scored as its value."""

    team = models.ForeignKey("accounts.Team", on_delete=models.CASCADE, related_name="polls")
    question = models.CharField(max_length=300)
    # [{"value": 1, "label": "Not at all"}, ...]
    options = models.JSONField()
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["question"]
