"""Writes for groups. Booking is serialised per session so a session is never overbooked:
select_for_update on the session row (PostgreSQL); SQLite's IMMEDIATE transactions (settings)
already let one writer in at a time."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from linkwell.audit.services import audit_log
from linkwell.cases.selectors import user_is_team_staff
from linkwell.common.errors import Conflict, Forbidden
from linkwell.people.models import Person

from .models import Booking, BookingStatus, GroupSession


@transaction.atomic
def booking_create(*, session: GroupSession, person: Person, actor: Any) -> Booking:
    """A place if one is free, otherwise a place on the waiting list."""
    session = (
        GroupSession.objects.select_for_update()
        .select_related("programme__team")
        .get(pk=session.pk)
    )
    if not user_is_team_staff(actor, session.programme.team):
        raise Forbidden("Only the programme's team can book places.")
    live = session.bookings.exclude(status=BookingStatus.CANCELLED)
    if live.filter(person=person).exists():
        raise Conflict("This person already has a place or is on the waiting list.")
    taken = live.filter(status=BookingStatus.BOOKED).count()
    status = BookingStatus.BOOKED if taken < session.capacity else BookingStatus.WAITING
    booking = Booking(session=session, person=person, status=status, booked_at=timezone.now())
    booking.full_clean()
    booking.save()
    audit_log(
        action="booking_create", obj=booking, person=person, actor=actor, detail={"status": status}
    )
    return booking
