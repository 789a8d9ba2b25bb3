import datetime as dt

import pytest
from django.utils import timezone

from linkwell.common.errors import Conflict, Forbidden
from linkwell.groups.models import Booking, GroupSession, Programme
from linkwell.groups.services import booking_create
from linkwell.people.tests.factories import PersonFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def session(world):
    programme = Programme.objects.create(team=world.service_team, name="Craft club")
    return GroupSession.objects.create(
        programme=programme, starts_at=timezone.now() + dt.timedelta(days=3), capacity=1
    )


def test_second_person_goes_on_the_waiting_list(world, session):
    first = booking_create(session=session, person=PersonFactory(), actor=world.link_worker)
    second = booking_create(session=session, person=PersonFactory(), actor=world.teammate)
    assert (first.status, second.status) == ("booked", "waiting")


def test_same_person_cannot_book_twice(world, session):
    person = PersonFactory()
    booking_create(session=session, person=person, actor=world.link_worker)
    with pytest.raises(Conflict):
        booking_create(session=session, person=person, actor=world.link_worker)
    assert Booking.objects.count() == 1


def test_outsider_cannot_book(world, session):
    with pytest.raises(Forbidden):
        booking_create(session=session, person=PersonFactory(), actor=world.outsider)
    assert Booking.objects.count() == 0
