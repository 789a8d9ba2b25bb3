import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from linkwell.cases.services import episode_open
from linkwell.notifications.backends import LocmemBackend, LocmemEmailBackend, SmsError
from linkwell.people.models import ConsentMethod, ConsentPurpose
from linkwell.people.services import consent_record
from linkwell.people.tests.factories import PersonFactory
from linkwell.sessions.models import AppointmentReminder, ReminderStatus
from linkwell.sessions.reminders import in_quiet_hours, reminders_send_due
from linkwell.sessions.services import appointment_book

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")
NOON = dt.datetime(2030, 6, 3, 12, 0, tzinfo=LONDON)


@pytest.fixture
def outboxes(settings):
    settings.SMS_BACKEND = "linkwell.notifications.backends.LocmemBackend"
    settings.PERSON_EMAIL_BACKEND = "linkwell.notifications.backends.LocmemEmailBackend"
    LocmemBackend.outbox.clear()
    LocmemEmailBackend.outbox.clear()
    yield LocmemBackend.outbox, LocmemEmailBackend.outbox
    LocmemBackend.outbox.clear()
    LocmemEmailBackend.outbox.clear()


def _session(world, *, method="sms", language="English", consent=True):
    person = PersonFactory(
        preferred_contact_method=method,
        language=language,
        phone="07700 900123",
        email="sam@example.org",
    )
    if consent:
        purpose = ConsentPurpose.CONTACT_SMS if method == "sms" else ConsentPurpose.CONTACT_EMAIL
        consent_record(
            person=person,
            purpose=purpose,
            given=True,
            actor=world.link_worker,
            method=ConsentMethod.VERBAL,
        )
    episode = episode_open(
        person=person,
        team=world.service_team,
        actor=world.link_worker,
        link_worker=world.link_worker,
    )
    return appointment_book(
        episode=episode,
        actor=world.link_worker,
        starts_at=NOON + dt.timedelta(hours=20),
        mode="telephone",
    )


def test_text_reminder_sent_once_with_consent(world, outboxes):
    sms, _ = outboxes
    appointment = _session(world)
    assert reminders_send_due(now=NOON)["sent"] == 1
    assert reminders_send_due(now=NOON)["sent"] == 0
    assert len(sms) == 1 and "04/06/2030 08:00" in sms[0].body
    assert appointment.reminder.status == ReminderStatus.SENT


def test_no_reminder_without_consent(world, outboxes):
    sms, _ = outboxes
    appointment = _session(world, consent=False)
    reminders_send_due(now=NOON)
    assert sms == []
    assert AppointmentReminder.objects.get(appointment=appointment).status == "skipped"


def test_email_reminder_in_welsh(world, outboxes):
    _, emails = outboxes
    _session(world, method="email", language="Welsh")
    reminders_send_due(now=NOON)
    assert emails[0].subject == "Nodyn atgoffa am eich sesiwn"


def test_nothing_sent_in_quiet_hours(world, outboxes):
    sms, _ = outboxes
    _session(world)
    late = NOON.replace(hour=22)
    assert in_quiet_hours(late) and in_quiet_hours(NOON.replace(hour=7))
    assert not in_quiet_hours(NOON.replace(hour=8))
    reminders_send_due(now=late)
    assert sms == []


def test_failures_retry_with_exponential_back_off(world, outboxes, monkeypatch):
    sms, _ = outboxes
    appointment = _session(world)

    def refuse(self, message):
        raise SmsError("provider down")

    monkeypatch.setattr(LocmemBackend, "send", refuse)
    reminders_send_due(now=NOON)
    reminder = AppointmentReminder.objects.get(appointment=appointment)
    assert reminder.status == "failed"
    assert reminder.next_attempt_at == NOON + dt.timedelta(minutes=5)
    reminders_send_due(now=NOON + dt.timedelta(minutes=5))
    reminder.refresh_from_db()
    assert reminder.attempts == 2
    assert reminder.next_attempt_at == NOON + dt.timedelta(minutes=15)
    monkeypatch.undo()
    LocmemBackend.outbox.clear()
    reminders_send_due(now=NOON + dt.timedelta(minutes=15))
    reminder.refresh_from_db()
    assert reminder.status == "sent" and reminder.attempts == 3
