"""Group programmes, their sessions with a capacity and facilitators, bookings with a waiting list
and time-limited offers, the attendance register, reminders and the end-of-session poll."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from linkwell.common.models import BaseModel
from linkwell.sessions.models import ReminderStatus


class Programme(BaseModel):
    team = models.ForeignKey("accounts.Team", on_delete=models.PROTECT, related_name="programmes")
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    # The community organisation that runs the sessions, if not the team itself: its provider
    # users may fill in the attendance register.
    provider = models.ForeignKey(
        "accounts.Organisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="group_programmes",
    )

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class GroupSession(BaseModel):
    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="sessions")
    starts_at = models.DateTimeField()
    duration_minutes = models.PositiveSmallIntegerField(default=90)
    capacity = models.PositiveSmallIntegerField()
    venue = models.CharField(max_length=200, blank=True)
    online = models.BooleanField(default=False)
    # Staff or volunteers who run the session; they may fill in its register.
    facilitators = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="facilitated_group_sessions"
    )

    class Meta:
        ordering = ["starts_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(capacity__gte=1), name="group_session_capacity_positive"
            )
        ]


class BookingStatus(models.TextChoices):
    BOOKED = "booked", "Booked"
    # A freed place held for the head of the waiting list until ``offer_expires_at``.
    OFFERED = "offered", "Offered a place"
    WAITING = "waiting", "On the waiting list"
    CANCELLED = "cancelled", "Cancelled"


# Statuses that hold one of the session's places.
PLACE_HOLDING = (BookingStatus.BOOKED, BookingStatus.OFFERED)


class EndReason(models.TextChoices):
    NONE = "", "Still live"
    CANCELLED = "cancelled", "Cancelled"
    DECLINED = "declined", "Offer declined"
    LAPSED = "lapsed", "Offer not taken up in time"


class Attendance(models.TextChoices):
    UNKNOWN = "", "Not recorded"
    ATTENDED = "attended", "Attended"
    ABSENT = "absent", "Absent"


class Booking(BaseModel):
    session = models.ForeignKey(GroupSession, on_delete=models.PROTECT, related_name="bookings")
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=10, choices=BookingStatus.choices)
    booked_at = models.DateTimeField()
    offered_at = models.DateTimeField(null=True, blank=True)
    offer_expires_at = models.DateTimeField(null=True, blank=True)
    ended_reason = models.CharField(max_length=10, choices=EndReason.choices, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    attendance = models.CharField(max_length=10, choices=Attendance.choices, blank=True)
    attendance_recorded_at = models.DateTimeField(null=True, blank=True)
    attendance_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["booked_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "person"],
                condition=~models.Q(status="cancelled"),
                name="booking_one_live_per_person",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="offered") | models.Q(offer_expires_at__isnull=False),
                name="booking_offer_has_time_limit",
            ),
        ]
        indexes = [
            # Counting places taken and finding the head of the waiting list.
            models.Index(
                fields=["session", "status", "booked_at"], name="booking_session_status_idx"
            ),
            # The lapse sweep: offers whose time limit has passed.
            models.Index(fields=["status", "offer_expires_at"], name="booking_offer_expiry_idx"),
        ]


class GroupReminder(BaseModel):
    """One reminder per booking, like sessions.AppointmentReminder for one-to-one sessions."""

    booking = models.OneToOneField(Booking, on_delete=models.CASCADE, related_name="reminder")
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
            models.Index(fields=["status", "next_attempt_at"], name="group_reminder_retry_idx"),
        ]


class PollResponse(BaseModel):
    """The end-of-session answer to "How much did today help?": one per booking, never changed.
    No link to the person beyond the booking, and no name in the results."""

    booking = models.OneToOneField(Booking, on_delete=models.PROTECT, related_name="poll_response")
    score = models.PositiveSmallIntegerField()
    comment = models.TextField(blank=True, max_length=1000)
    answered_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(score__gte=1, score__lte=5), name="poll_score_one_to_five"
            )
        ]


class GroupOfferNotice(BaseModel):
    """How the person offered a place was told of it: one per offer (a booking is offered at most
    once). ``status`` pending with ``next_attempt_at`` in the future means queued until quiet
    hours end; skipped means they could not be told, and ``detail`` says why."""

    booking = models.OneToOneField(Booking, on_delete=models.CASCADE, related_name="offer_notice")
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
            # The send sweep: messages queued past quiet hours and failures whose back-off passed.
            models.Index(fields=["status", "next_attempt_at"], name="group_offer_notice_due_idx"),
        ]
