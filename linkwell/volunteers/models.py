"""Volunteers and peer support: roles, recruitment, checks, training, matches, hours."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from linkwell.common.models import BaseModel


class VolunteerRole(models.TextChoices):
    PEER_SUPPORTER = "peer_supporter", "Peer supporter"
    BEFRIENDER = "befriender", "Befriender"
    WELLBEING_CHAMPION = "wellbeing_champion", "Wellbeing champion"
    GROUP_FACILITATOR = "group_facilitator", "Group facilitator"


# Roles that can be matched one-to-one with a person.
MATCHING_ROLES = (VolunteerRole.PEER_SUPPORTER, VolunteerRole.BEFRIENDER)


class VolunteerStatus(models.TextChoices):
    APPLIED = "applied", "Applied"
    REFERENCES = "references", "Waiting for references"
    CHECKS = "checks", "Waiting for DBS check"
    TRAINING = "training", "In training"
    ACTIVE = "active", "Active"
    PAUSED = "paused", "Paused"
    LEFT = "left", "Left"


class Volunteer(BaseModel):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="volunteer_profile"
    )
    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="volunteers"
    )
    role = models.CharField(max_length=20, choices=VolunteerRole.choices)
    status = models.CharField(
        max_length=12, choices=VolunteerStatus.choices, default=VolunteerStatus.APPLIED
    )
    references_received = models.PositiveSmallIntegerField(default=0)
    dbs_checked_on = models.DateField(null=True, blank=True)
    dbs_renew_by = models.DateField(null=True, blank=True)
    # Lower-case lists, kept short: languages spoken, interests, availability slots ("mon_am").
    languages = models.JSONField(default=list, blank=True)
    interests = models.JSONField(default=list, blank=True)
    availability = models.JSONField(default=list, blank=True)
    # Postcode district the volunteer covers, e.g. "LS6".
    area = models.CharField(max_length=8, blank=True)
    max_matches = models.PositiveSmallIntegerField(default=2)

    def __str__(self) -> str:
        return f"{self.user.get_full_name() or self.user.username} ({self.get_role_display()})"


class TrainingModule(BaseModel):
    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="training_modules"
    )
    name = models.CharField(max_length=200)
    required_for = models.JSONField(default=list, blank=True, help_text="Volunteer roles.")
    valid_for_days = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organisation", "name"], name="training_module_unique")
        ]

    def __str__(self) -> str:
        return self.name


class TrainingCompletion(BaseModel):
    volunteer = models.ForeignKey(Volunteer, on_delete=models.CASCADE, related_name="training")
    module = models.ForeignKey(TrainingModule, on_delete=models.PROTECT, related_name="+")
    completed_on = models.DateField()
    expires_on = models.DateField(null=True, blank=True)


class SupervisionSession(BaseModel):
    volunteer = models.ForeignKey(Volunteer, on_delete=models.CASCADE, related_name="supervision")
    supervisor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    held_on = models.DateField()
    notes = models.TextField(blank=True)


class MatchStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    ENDED = "ended", "Ended"


class MatchEndReason(models.TextChoices):
    GOALS_MET = "goals_met", "The person's goals were met"
    PERSON_CHOSE = "person_chose", "The person chose to stop"
    VOLUNTEER_LEFT = "volunteer_left", "The volunteer stopped volunteering"
    NOT_A_GOOD_FIT = "not_a_good_fit", "Not a good fit"
    SAFEGUARDING = "safeguarding", "Safeguarding concern"
    OTHER = "other", "Other"


class Match(BaseModel):
    volunteer = models.ForeignKey(Volunteer, on_delete=models.PROTECT, related_name="matches")
    person = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, related_name="volunteer_matches"
    )
    team = models.ForeignKey("accounts.Team", on_delete=models.PROTECT, related_name="+")
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(max_length=8, choices=MatchStatus.choices, default=MatchStatus.ACTIVE)
    # What the person agreed the volunteer helps with: the only plan detail the volunteer sees.
    agreed_plan_items = models.JSONField(default=list, blank=True)
    started_on = models.DateField()
    ended_on = models.DateField(null=True, blank=True)
    end_reason = models.CharField(max_length=20, choices=MatchEndReason.choices, blank=True)
    end_note = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["volunteer", "person"],
                condition=models.Q(status="active"),
                name="volunteer_match_one_active",
            )
        ]


class MatchReview(BaseModel):
    match = models.ForeignKey(Match, on_delete=models.CASCADE, related_name="reviews")
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    reviewed_on = models.DateField()
    going_well = models.BooleanField(default=True)
    notes = models.TextField(blank=True)


class HoursLog(BaseModel):
    volunteer = models.ForeignKey(Volunteer, on_delete=models.CASCADE, related_name="hours")
    match = models.ForeignKey(Match, on_delete=models.SET_NULL, null=True, blank=True)
    worked_on = models.DateField()
    hours = models.DecimalField(max_digits=4, decimal_places=2)
    activity = models.CharField(max_length=200, blank=True)
