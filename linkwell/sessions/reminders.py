"""Session reminders: consent-checked, in the person's language, outside quiet hours, retried.

Run by the huey periodic task in tasks.py; ``reminders_send_due`` is a plain service so tests,
benchmarks and a management shell can call it with a chosen ``now``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Protocol

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from linkwell.audit.services import audit_log
from linkwell.cases.selectors import OPEN_EPISODE_STATUSES
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

from .models import Appointment, AppointmentReminder, Outcome, ReminderStatus
from .selectors import LONDON

REMINDER_LEAD = dt.timedelta(hours=24)
MAX_ATTEMPTS = 5
FIRST_RETRY = dt.timedelta(minutes=5)

# Reminder wording by language; the person's recorded language picks one, English otherwise.
TEMPLATES: dict[str, tuple[str, str]] = {
    "en": ("Reminder of your session", "Reminder: your session is on {when}. {how}."),
    "cy": ("Nodyn atgoffa am eich sesiwn", "Nodyn atgoffa: mae eich sesiwn ar {when}. {how}."),
    "pl": (
        "Przypomnienie o spotkaniu",
        "Przypomnienie: Twoje spotkanie odbędzie się {when}. {how}.",
    ),
    "ur": ("آپ کے سیشن کی یاد دہانی", "یاد دہانی: آپ کا سیشن {when} کو ہے۔ {how}."),
}
LANGUAGE_CODES = {
    "english": "en",
    "en": "en",
    "welsh": "cy",
    "cymraeg": "cy",
    "cy": "cy",
    "polish": "pl",
    "polski": "pl",
    "pl": "pl",
    "urdu": "ur",
    "ur": "ur",
}


def in_quiet_hours(moment: dt.datetime) -> bool:
    """Default 21:00-08:00 Europe/London; settings.REMINDER_QUIET_HOURS = (start, end) hours."""
    start, end = getattr(settings, "REMINDER_QUIET_HOURS", (21, 8))
    hour = moment.astimezone(LONDON).hour
    return hour >= start or hour < end if start > end else start <= hour < end


def reminder_text(*, appointment: Appointment, language: str) -> tuple[str, str, str]:
    """(language code used, subject, body)."""
    code = LANGUAGE_CODES.get(language.strip().lower(), "en")
    subject, body = TEMPLATES[code]
    when = appointment.starts_at.astimezone(LONDON).strftime("%d/%m/%Y %H:%M")
    return code, subject, body.format(when=when, how=appointment.get_mode_display())


class Notice(Protocol):
    """What a reminder or offer notice row records about its delivery."""

    uuid: Any
    channel: str
    language: str
    status: str
    attempts: int
    next_attempt_at: dt.datetime | None
    sent_at: dt.datetime | None
    detail: str


def send_with_retry(
    notice: Notice, *, method: str, address: str, subject: str, body: str, now: dt.datetime
) -> None:
    """Hand one message to the SMS or email backend and record how it went on ``notice``: sent,
    or failed with the next try after an exponential back-off, or given up after MAX_ATTEMPTS."""
    notice.channel = method
    notice.attempts += 1
    try:
        if method == ContactMethod.SMS:
            get_sms_backend().send(SmsMessage(to=address, body=body, reference=str(notice.uuid)))
        else:
            get_email_backend().send(
                PersonEmail(to=address, subject=subject, body=body, reference=str(notice.uuid))
            )
    except (SmsError, EmailError) as exc:
        failed_for_good = notice.attempts >= MAX_ATTEMPTS
        notice.status = ReminderStatus.GAVE_UP if failed_for_good else ReminderStatus.FAILED
        notice.next_attempt_at = (
            None if failed_for_good else now + FIRST_RETRY * 2 ** (notice.attempts - 1)
        )
        notice.detail = str(exc)[:300]
        return
    notice.status = ReminderStatus.SENT
    notice.sent_at = now
    notice.next_attempt_at = None
    notice.detail = ""


def _deliver(reminder: AppointmentReminder, now: dt.datetime) -> None:
    appointment = reminder.appointment
    person = appointment.episode.person
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
    code, subject, body = reminder_text(appointment=appointment, language=person.language)
    reminder.language = code
    send_with_retry(reminder, method=method, address=address, subject=subject, body=body, now=now)


def reminders_send_due(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Remind people of sessions in the next 24 hours and retry failures whose back-off passed.
    Nothing is sent in quiet hours; the next run after them catches up."""
    now = now or timezone.now()
    counts = dict.fromkeys(ReminderStatus.values, 0)
    if in_quiet_hours(now):
        return counts
    due = Appointment.objects.filter(
        outcome=Outcome.PENDING,
        starts_at__gt=now,
        starts_at__lte=now + REMINDER_LEAD,
        episode__status__in=OPEN_EPISODE_STATUSES,
        reminder__isnull=True,
    ).values_list("pk", flat=True)
    retry = AppointmentReminder.objects.filter(
        status=ReminderStatus.FAILED, next_attempt_at__lte=now, appointment__starts_at__gt=now
    ).values_list("appointment_id", flat=True)
    for appointment_id in [*due, *retry]:
        status = _remind_one(appointment_id=appointment_id, now=now)
        if status:
            counts[status] += 1
    return counts


@transaction.atomic
def _remind_one(*, appointment_id: int, now: dt.datetime) -> str:
    appointment = (
        Appointment.objects.select_related("episode__person").filter(pk=appointment_id).first()
    )
    if appointment is None:
        return ""
    reminder, _ = AppointmentReminder.objects.select_for_update().get_or_create(
        appointment=appointment
    )
    if reminder.status not in (ReminderStatus.PENDING, ReminderStatus.FAILED):
        return ""
    _deliver(reminder, now)
    reminder.full_clean()
    reminder.save()
    audit_log(
        action="reminder",
        obj=reminder,
        person=appointment.episode.person,
        detail={"status": reminder.status, "channel": reminder.channel},
    )
    return reminder.status
