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
from linkwell.notifications.backends import (
    EmailError,
    PersonEmail,
    SmsError,
    SmsMessage,
    get_email_backend,
    get_sms_backend,
)
from linkwell.people.models import ConsentPurpose, ContactMethod
from linkwell.people.selectors import consent_in_force
from linkwell.sessions.models import ReminderStatus
from linkwell.sessions.reminders import (
    FIRST_RETRY,
    LANGUAGE_CODES,
    MAX_ATTEMPTS,
    REMINDER_LEAD,
    in_quiet_hours,
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


def _deliver(reminder: GroupReminder, now: dt.datetime) -> None:
    booking = reminder.booking
    person = booking.person
    method = person.preferred_contact_method
    if method == ContactMethod.SMS:
        purpose, address = ConsentPurpose.CONTACT_SMS, person.phone
    elif method == ContactMethod.EMAIL:
        purpose, address = ConsentPurpose.CONTACT_EMAIL, person.email
    else:
        reminder.status = ReminderStatus.SKIPPED
        reminder.detail = "The person prefers not to be contacted by text or email."
        return
    if not address or not consent_in_force(person=person, purpose=purpose):
        reminder.status = ReminderStatus.SKIPPED
        reminder.detail = "No consent in force, or no address, for the preferred method."
        return
    code, subject, body = group_reminder_text(booking=booking, language=person.language)
    reminder.channel, reminder.language = method, code
    reminder.attempts += 1
    try:
        if method == ContactMethod.SMS:
            get_sms_backend().send(SmsMessage(to=address, body=body, reference=str(reminder.uuid)))
        else:
            get_email_backend().send(
                PersonEmail(to=address, subject=subject, body=body, reference=str(reminder.uuid))
            )
    except (SmsError, EmailError) as exc:
        failed_for_good = reminder.attempts >= MAX_ATTEMPTS
        reminder.status = ReminderStatus.GAVE_UP if failed_for_good else ReminderStatus.FAILED
        reminder.next_attempt_at = (
            None if failed_for_good else now + FIRST_RETRY * 2 ** (reminder.attempts - 1)
        )
        reminder.detail = str(exc)[:300]
        return
    reminder.status = ReminderStatus.SENT
    reminder.sent_at = now
    reminder.next_attempt_at = None
    reminder.detail = ""


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
