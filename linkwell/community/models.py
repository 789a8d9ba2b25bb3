"""The voice of people who use the service, and training for GP practices and partners."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from linkwell.common.models import BaseModel


class FeedbackKind(models.TextChoices):
    FEEDBACK = "feedback", "Feedback"
    IDEA = "idea", "Idea or suggestion"


class Feedback(BaseModel):
    """Named or anonymous. Anonymous rows hold no user, name, contact, address or session."""

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="feedback"
    )
    kind = models.CharField(max_length=10, choices=FeedbackKind.choices)
    text = models.TextField(max_length=2000)
    rating = models.PositiveSmallIntegerField(null=True, blank=True, help_text="1 to 5")
    # Optional link to a directory service or a community group, by public uuid.
    about_service_uuid = models.UUIDField(null=True, blank=True, db_index=True)
    anonymous = models.BooleanField(default=True)
    name = models.CharField(max_length=100, blank=True)
    contact = models.CharField(max_length=200, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Only the date is kept for anonymous feedback, so the time cannot single anyone out.
    submitted_on = models.DateField()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(anonymous=False)
                | models.Q(name="", contact="", submitted_by__isnull=True),
                name="feedback_anonymous_has_no_identity",
            ),
            models.CheckConstraint(
                condition=models.Q(rating__isnull=True) | models.Q(rating__gte=1, rating__lte=5),
                name="feedback_rating_range",
            ),
        ]


class YouSaidWeDid(BaseModel):
    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="you_said_we_did"
    )
    you_said = models.TextField(max_length=1000)
    we_did = models.TextField(max_length=1000)
    published = models.BooleanField(default=False)
    published_on = models.DateField(null=True, blank=True)


class TrainingProgramme(BaseModel):
    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="training_programmes"
    )
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)


class PracticeTrainingSession(BaseModel):
    """One delivery of a programme to a GP practice's team (or another partner)."""

    programme = models.ForeignKey(
        TrainingProgramme, on_delete=models.PROTECT, related_name="sessions"
    )
    practice = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="training_sessions"
    )
    delivered_on = models.DateField()
    trainers = models.JSONField(default=list, blank=True)
    attendance = models.PositiveSmallIntegerField(default=0)
    feedback_score = models.DecimalField(max_digits=3, decimal_places=1, null=True, blank=True)
    feedback_notes = models.TextField(blank=True)


class GroupKind(models.TextChoices):
    PEER_SUPPORT = "peer_support", "Peer support group"
    ACTIVITY = "activity", "Activity group"


class Funding(models.TextChoices):
    NONE = "none", "No funding"
    SHORT_TERM = "short_term", "Funded for less than a year"
    SECURED = "secured", "Funded for a year or more"


class CommunityGroup(BaseModel):
    """A group started with a community development worker's help; listed in the directory."""

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="community_groups"
    )
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=14, choices=GroupKind.choices)
    description = models.TextField(blank=True)
    meeting_place = models.CharField(max_length=200)
    meeting_times = models.CharField(max_length=200)
    development_worker = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    funding = models.CharField(max_length=12, choices=Funding.choices, default=Funding.NONE)
    # The HSDS organization and service ids the group is listed under in the directory.
    directory_service_id = models.CharField(max_length=64, blank=True)


class GroupFacilitator(BaseModel):
    group = models.ForeignKey(CommunityGroup, on_delete=models.CASCADE, related_name="facilitators")
    name = models.CharField(max_length=100)
    trained = models.BooleanField(default=False)


class GroupAttendance(BaseModel):
    group = models.ForeignKey(CommunityGroup, on_delete=models.CASCADE, related_name="attendance")
    met_on = models.DateField()
    attended = models.PositiveSmallIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["group", "met_on"], name="group_attendance_once_a_day")
        ]


class BoardMeeting(BaseModel):
    """A meeting of the service-user board."""

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="board_meetings"
    )
    held_on = models.DateField()
    summary = models.TextField(blank=True)


class BoardAction(BaseModel):
    meeting = models.ForeignKey(BoardMeeting, on_delete=models.CASCADE, related_name="actions")
    action = models.CharField(max_length=300)
    owner = models.CharField(max_length=100)
    due_on = models.DateField(null=True, blank=True)
    done_on = models.DateField(null=True, blank=True)
