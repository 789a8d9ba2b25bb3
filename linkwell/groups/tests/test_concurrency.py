import datetime as dt
import threading

import pytest
from django.db import connection
from django.utils import timezone

from linkwell.groups.models import Booking, GroupSession, Programme
from linkwell.groups.services import booking_create

from .factories import consenting_person


@pytest.mark.django_db(transaction=True)
def test_fifty_parallel_bookings_for_twelve_places_book_twelve_and_wait_thirty_eight(world):
    programme = Programme.objects.create(team=world.service_team, name="Walking group")
    session = GroupSession.objects.create(
        programme=programme, starts_at=timezone.now() + dt.timedelta(days=7), capacity=12
    )
    people = [consenting_person(world) for _ in range(50)]
    barrier = threading.Barrier(50)
    errors: list[BaseException] = []

    def book(person):
        try:
            barrier.wait()
            booking_create(session=session, person=person, actor=world.link_worker)
        except BaseException as exc:  # noqa: BLE001  # reported by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=book, args=(p,)) for p in people]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert Booking.objects.filter(session=session, status="booked").count() == 12
    assert Booking.objects.filter(session=session, status="waiting").count() == 38
