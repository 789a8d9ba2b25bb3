"""Group session reminders, through the same machinery as one-to-one session reminders
(sessions.reminders): the person's preferred method only with consent in force, their language
where a wording exists, nothing in quiet hours, failures retried with exponential back-off, one
GroupReminder row per booking recording how it went. Run by the huey task in tasks.py.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from linkwell.audit.services import audit_log
from linkwell.people.models import ConsentPurpose, ContactMethod, Person
from linkwell.people.selectors import consent_in_force
from linkwell.sessions.models import ReminderStatus
from linkwell.sessions.reminders import (
    LANGUAGE_CODES,
    REMINDER_LEAD,
    in_quiet_hours,
    send_with_retry,
)
from linkwell.sessions.selectors import LONDON

from .models import Booking, BookingStatus, GroupReminder

TEMPLATES: dict[str, tuple[str, str]] = {
    "en": (
        "Reminder of your group session",
        "Reminder: {name} meets on {when}{where}. We look forward to seeing you.",
    ),
    "cy": (
        "Nodyn atgoffa am eich sesiwn grŵp",
        "Nodyn atgoffa: mae {name} yn cwrdd ar {when}{where}. Edrychwn ymlaen at eich gweld.",
    ),
    "pl": (
        "Przypomnienie o spotkaniu grupy",
        "Przypomnienie: {name} spotyka się {when}{where}. Do zobaczenia.",
    ),
    "ur": (
        "آپ کے گروپ سیشن کی یاد دہانی",
        "یاد دہانی: {name} کی ملاقات {when} کو ہے{where}۔ ہم آپ سے ملنے کے منتظر ہیں۔",
    ),
}


def group_reminder_text(*, booking: Booking, language: str) -> tuple[str, str, str]:
    """(language code used, subject, body)."""
    code = LANGUAGE_CODES.get(language.strip().lower(), "en")
    subject, body = TEMPLATES[code]
    session = booking.session
    when = session.starts_at.astimezone(LONDON).strftime("%d/%m/%Y %H:%M")
    where = ", online" if session.online else (f", {session.venue}" if session.venue else "")
    return code, subject, body.format(name=session.programme.name, when=when, where=where)


def contact_route(person: Person) -> tuple[str, str] | str:
    """(method, address) to reach the person by their preferred method, or why they cannot be:
    texts and emails go only by the method they prefer, with consent to it in force now."""
    method = person.preferred_contact_method
    if method == ContactMethod.SMS:
        purpose, address, missing = ConsentPurpose.CONTACT_SMS, person.phone, "mobile number"
    elif method == ContactMethod.EMAIL:
        purpose, address, missing = ConsentPurpose.CONTACT_EMAIL, person.email, "email address"
    else:
        how = person.get_preferred_contact_method_display() if method else "no method recorded"
        return f"They prefer not to be contacted by text or email ({how})."
    if not address:
        return f"No {missing} is recorded."
    if not consent_in_force(person=person, purpose=purpose):
        what = "text message" if method == ContactMethod.SMS else "email"
        return f"No consent to contact by {what} is in force."
    return method, address


def _deliver(reminder: GroupReminder, now: dt.datetime) -> None:
    booking = reminder.booking
    person = booking.person
    route = contact_route(person)
    if isinstance(route, str):
        reminder.status = ReminderStatus.SKIPPED
        reminder.detail = route
        return
    method, address = route
    code, subject, body = group_reminder_text(booking=booking, language=person.language)
    reminder.language = code
    send_with_retry(reminder, method=method, address=address, subject=subject, body=body, now=now)


def group_reminders_send_due(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Remind people with a place at a group session in the next 24 hours, and retry failures
    whose back-off has passed. Nothing is sent in quiet hours; the next run catches up."""
    now = now or timezone.now()
    counts = dict.fromkeys(ReminderStatus.values, 0)
    if in_quiet_hours(now):
        return counts
    due = Booking.objects.filter(
        status=BookingStatus.BOOKED,
        session__starts_at__gt=now,
        session__starts_at__lte=now + REMINDER_LEAD,
        reminder__isnull=True,
    ).values_list("pk", flat=True)
    retry = GroupReminder.objects.filter(
        status=ReminderStatus.FAILED,
        next_attempt_at__lte=now,
        booking__session__starts_at__gt=now,
        booking__status=BookingStatus.BOOKED,
    ).values_list("booking_id", flat=True)
    for booking_id in [*due, *retry]:
        status = _remind_one(booking_id=booking_id, now=now)
        if status:
            counts[status] += 1
    return counts


@transaction.atomic
def _remind_one(*, booking_id: int, now: dt.datetime) -> str:
    booking = (
        Booking.objects.select_related("person", "session__programme")
        .filter(pk=booking_id, status=BookingStatus.BOOKED)
        .first()
    )
    if booking is None:
        return ""
    reminder, _ = GroupReminder.objects.select_for_update().get_or_create(booking=booking)
    if reminder.status not in (ReminderStatus.PENDING, ReminderStatus.FAILED):
        return ""
    _deliver(reminder, now)
    reminder.full_clean()
    reminder.save()
    audit_log(
        action="update",
        obj=reminder,
        person=booking.person,
        detail={"reminder": reminder.status, "channel": reminder.channel},
    )
    return reminder.status
