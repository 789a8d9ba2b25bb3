"""The "what matters to you" conversation and the support plan of an episode.

Both are versioned: every save writes a new row (version n + 1) and the old ones are kept, so the
record shows how the person's needs and plan changed over the episode.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from linkwell.common.models import BaseModel


class Priority(models.IntegerChoices):
    HIGH = 1, "Most important"
    MEDIUM = 2, "Important"
    LOW = 3, "Would be good"


class GroupPreference(models.TextChoices):
    EITHER = "either", "Either"
    GROUP = "group", "In a group"
    ONE_TO_ONE = "one_to_one", "One to one"


class TimeOfDay(models.TextChoices):
    MORNING = "morning", "Mornings"
    AFTERNOON = "afternoon", "Afternoons"
    EVENING = "evening", "Evenings"


class Conversation(BaseModel):
    """One version of the "what matters to you" record.

    ``needs`` is a list of ``{"code", "priority", "own_words"}`` (codes from linkwell.common.needs);
    ``preferences`` holds ``delivery_modes`` (directory DeliveryMode codes), ``max_travel_km``,
    ``days`` (0 = Monday), ``times`` (TimeOfDay), ``language``, ``group`` (GroupPreference) and
    ``avoid_mental_health_label``. The services validate both shapes.
    """

    episode = models.ForeignKey(
        "cases.Episode", on_delete=models.CASCADE, related_name="conversations"
    )
    version = models.PositiveIntegerField()
    needs = models.JSONField(default=list, blank=True)
    strengths = models.TextField(blank=True)
    preferences = models.JSONField(default=dict, blank=True)
    notes = models.TextField(blank=True)
    safeguarding_flag = models.BooleanField(default=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["episode", "version"], name="conversation_version_unique"
            ),
        ]

    @property
    def need_codes(self) -> list[str]:
        return [n["code"] for n in self.needs]


class SupportPlan(BaseModel):
    """One version of the support plan: goals in the person's words, actions, a review date.

    ``goals`` is a list of strings in the person's words; ``actions`` a list of
    ``{"what", "who", "by"}`` (``by`` an ISO date or empty).
    """

    episode = models.ForeignKey(
        "cases.Episode", on_delete=models.CASCADE, related_name="support_plans"
    )
    version = models.PositiveIntegerField()
    goals = models.JSONField(default=list)
    actions = models.JSONField(default=list, blank=True)
    review_date = models.DateField(null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(fields=["episode", "version"], name="plan_version_unique"),
        ]


class OptionStatus(models.TextChoices):
    OFFERED = "offered", "Offered"
    CHOSEN = "chosen", "Chosen"
    DECLINED = "declined", "Not wanted"


class PlanOption(BaseModel):
    """A directory service offered to the person, and whether they chose it (choice, DESIGN.md).

    The service is kept by its HSDS id and name so the record survives the listing's removal.
    """

    episode = models.ForeignKey("cases.Episode", on_delete=models.CASCADE, related_name="options")
    service_id = models.UUIDField()
    service_name = models.CharField(max_length=300)
    reasons = models.TextField(blank=True)
    status = models.CharField(
        max_length=10, choices=OptionStatus.choices, default=OptionStatus.OFFERED
    )
    note = models.TextField(blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    offered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["episode", "service_id"], name="option_once"),
        ]
        indexes = [
            # The matcher's "services this person already declined" across their episodes.
            models.Index(fields=["status", "service_id"], name="option_status_service_idx"),
        ]
