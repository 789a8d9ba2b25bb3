import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from linkwell.groups import services
from linkwell.groups.models import GroupReminder
from linkwell.groups.reminders import group_reminders_send_due
from linkwell.notifications.backends import LocmemBackend, LocmemEmailBackend, SmsError
from linkwell.people.models import ConsentMethod, ConsentPurpose
from linkwell.people.services import consent_record
from linkwell.sessions.models import ReminderStatus

from .factories import consenting_person, make_programme

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


@pytest.fixture
def session(world):
    from linkwell.groups.models import GroupSession

    programme = make_programme(world, name="Sleep well")
    return GroupSession.objects.create(
        programme=programme,
        starts_at=NOON + dt.timedelta(hours=20),
        capacity=10,
        venue="Meadow Lane Library",
    )


def booked(world, session, *, method="sms", language="English", contact=True):
    person = consenting_person(
        world,
        contact=method if contact else None,
        preferred_contact_method=method,
        language=language,
        phone="07700 900123",
        email="sam@example.org",
    )
    with time_machine.travel(NOON - dt.timedelta(days=1)):
        return services.booking_create(session=session, person=person, actor=world.link_worker)


def test_text_reminder_sent_once_with_consent(world, session, outboxes):
    sms, _ = outboxes
    booking = booked(world, session)
    assert group_reminders_send_due(now=NOON)["sent"] == 1
    assert group_reminders_send_due(now=NOON)["sent"] == 0
    assert len(sms) == 1
    assert "Sleep well meets on 04/06/2030 08:00, Meadow Lane Library" in sms[0].body
    booking.reminder.refresh_from_db()
    assert (booking.reminder.status, booking.reminder.channel) == ("sent", "sms")


def test_no_reminder_without_consent_to_be_contacted(world, session, outboxes):
    sms, emails = outboxes
    booking = booked(world, session, contact=False)
    group_reminders_send_due(now=NOON)
    assert sms == [] and emails == []
    assert GroupReminder.objects.get(booking=booking).status == "skipped"


def test_withdrawn_consent_stops_the_reminder(world, session, outboxes):
    sms, _ = outboxes
    booking = booked(world, session)
    consent_record(
        person=booking.person,
        purpose=ConsentPurpose.CONTACT_SMS,
        given=False,
        actor=world.link_worker,
        method=ConsentMethod.VERBAL,
    )
    group_reminders_send_due(now=NOON)
    assert sms == []


def test_email_reminder_in_the_persons_language(world, session, outboxes):
    _, emails = outboxes
    booking = booked(world, session, method="email", language="Welsh")
    group_reminders_send_due(now=NOON)
    assert len(emails) == 1 and emails[0].subject == "Nodyn atgoffa am eich sesiwn grŵp"
    assert GroupReminder.objects.get(booking=booking).language == "cy"


def test_nothing_sent_in_quiet_hours_then_caught_up(world, session, outboxes):
    sms, _ = outboxes
    session.starts_at = NOON + dt.timedelta(days=1, hours=2)  # 14:00 the next day
    session.save()
    booked(world, session)
    late_evening = NOON.replace(hour=22)
    assert group_reminders_send_due(now=late_evening)["sent"] == 0
    assert sms == [] and GroupReminder.objects.count() == 0
    next_morning = NOON + dt.timedelta(days=1, hours=-4)  # 08:00
    assert group_reminders_send_due(now=next_morning)["sent"] == 1


def test_waiting_list_and_cancelled_people_get_no_reminder(world, session, outboxes):
    sms, _ = outboxes
    session.capacity = 1
    session.save()
    first = booked(world, session)
    booked(world, session)  # waiting
    with time_machine.travel(NOON - dt.timedelta(hours=2)):
        services.booking_cancel(booking=first, actor=world.link_worker)
    # The freed place is offered, not yet taken: still no reminder.
    group_reminders_send_due(now=NOON)
    assert sms == []


def test_failed_reminder_is_retried_with_back_off_then_given_up(
    world, session, outboxes, monkeypatch
):
    sms, _ = outboxes
    booking = booked(world, session)

    def refuse(self, message):
        raise SmsError("Notify said 500")

    monkeypatch.setattr(LocmemBackend, "send", refuse)
    assert group_reminders_send_due(now=NOON)["failed"] == 1
    reminder = GroupReminder.objects.get(booking=booking)
    assert reminder.attempts == 1
    assert reminder.next_attempt_at == NOON + dt.timedelta(minutes=5)
    # Not retried before the back-off has passed.
    group_reminders_send_due(now=NOON + dt.timedelta(minutes=4))
    reminder.refresh_from_db()
    assert reminder.attempts == 1
    group_reminders_send_due(now=NOON + dt.timedelta(minutes=5))
    reminder.refresh_from_db()
    assert reminder.attempts == 2
    assert reminder.next_attempt_at == NOON + dt.timedelta(minutes=5 + 10)
    # It works on the next try.
    monkeypatch.undo()
    group_reminders_send_due(now=NOON + dt.timedelta(minutes=15))
    reminder.refresh_from_db()
    assert reminder.status == ReminderStatus.SENT and len(sms) == 1


def test_gives_up_after_the_last_attempt(world, session, outboxes, monkeypatch):
    booking = booked(world, session)

    def refuse(self, message):
        raise SmsError("unreachable")

    monkeypatch.setattr(LocmemBackend, "send", refuse)
    now = NOON
    for _ in range(6):
        group_reminders_send_due(now=now)
        now += dt.timedelta(hours=2)
    reminder = GroupReminder.objects.get(booking=booking)
    assert reminder.status == ReminderStatus.GAVE_UP
    assert reminder.attempts == 5
    assert "unreachable" in reminder.detail
