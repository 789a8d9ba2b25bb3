import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

from linkwell.groups import services, tasks
from linkwell.groups.models import GroupReminder

from .factories import consenting_person, make_programme, make_session

pytestmark = pytest.mark.django_db


def test_periodic_task_lapses_expired_offers_and_offers_the_next_place(world):
    session = make_session(make_programme(world), capacity=1, starts_in=dt.timedelta(days=5))
    first, head, behind = (
        services.booking_create(
            session=session, person=consenting_person(world), actor=world.link_worker
        )
        for _ in range(3)
    )
    services.booking_cancel(booking=first, actor=world.link_worker)
    with time_machine.travel(timezone.now() + dt.timedelta(hours=49)):
        assert tasks.group_offers_expire.call_local() == 1
    head.refresh_from_db()
    behind.refresh_from_db()
    assert (head.status, behind.status) == ("cancelled", "offered")


def test_periodic_task_sends_group_reminders(world, settings):
    from linkwell.notifications.backends import LocmemBackend

    settings.SMS_BACKEND = "linkwell.notifications.backends.LocmemBackend"
    LocmemBackend.outbox.clear()
    london = ZoneInfo("Europe/London")
    day = timezone.localdate() + dt.timedelta(days=30)
    session = make_session(make_programme(world))
    session.starts_at = dt.datetime.combine(day, dt.time(10, 0), tzinfo=london)
    session.save()
    booking = services.booking_create(
        session=session,
        person=consenting_person(world, contact="sms", preferred_contact_method="sms"),
        actor=world.link_worker,
    )
    # Midday the day before: inside the reminder window, outside quiet hours.
    the_day_before = dt.datetime.combine(day - dt.timedelta(days=1), dt.time(12, 0), tzinfo=london)
    with time_machine.travel(the_day_before):
        tasks.group_reminders.call_local()
    assert GroupReminder.objects.get(booking=booking).status == "sent"
    assert len(LocmemBackend.outbox) == 1
    LocmemBackend.outbox.clear()
