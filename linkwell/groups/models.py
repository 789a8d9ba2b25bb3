"""Group programmes, their sessions with a capacity, and bookings with a waiting list."""

from __future__ import annotations

from django.db import models

from linkwell.common.models import BaseModel


class Programme(BaseModel):
    team = models.ForeignKey("accounts.Team", on_delete=models.PROTECT, related_name="programmes")
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)

    def __str__(self) -> str:
        return self.name


class GroupSession(BaseModel):
    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="sessions")
    starts_at = models.DateTimeField()
    duration_minutes = models.PositiveSmallIntegerField(default=90)
    capacity = models.PositiveSmallIntegerField()
    venue = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["starts_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(capacity__gte=1), name="group_session_capacity_positive"
            )
        ]


class BookingStatus(models.TextChoices):
    BOOKED = "booked", "Booked"
    WAITING = "waiting", "On the waiting list"
    CANCELLED = "cancelled", "Cancelled"


class Booking(BaseModel):
    session = models.ForeignKey(GroupSession, on_delete=models.PROTECT, related_name="bookings")
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=10, choices=BookingStatus.choices)
    booked_at = models.DateTimeField()

    class Meta:
        ordering = ["booked_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "person"],
                condition=~models.Q(status="cancelled"),
                name="booking_one_live_per_person",
            )
        ]
        indexes = [
            # Counting places taken and finding the head of the waiting list.
            models.Index(
                fields=["session", "status", "booked_at"], name="booking_session_status_idx"
            )
        ]
