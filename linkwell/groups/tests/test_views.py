import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from linkwell.groups import services
from linkwell.groups.models import Booking, GroupSession, PollResponse, Programme
from linkwell.groups.tokens import OFFER_SALT, POLL_SALT, make_token

from .factories import consenting_person, make_programme, make_session

pytestmark = pytest.mark.django_db


@pytest.fixture
def programme(world):
    return make_programme(world, name="Sleep well", provider=world.provider.organisation)


@pytest.fixture
def session(programme):
    return make_session(programme, capacity=1)


def book(world, session, person=None):
    return services.booking_create(
        session=session, person=person or consenting_person(world), actor=world.link_worker
    )


def started(session):
    GroupSession.objects.filter(pk=session.pk).update(
        starts_at=timezone.now() - dt.timedelta(hours=1)
    )
    session.refresh_from_db()
    return session


def test_it_lists_and_adds_programmes_for_the_team(world, client_for, programme):
    client = client_for(world.link_worker)
    assert "Sleep well" in client.get(reverse("groups:programmes")).content.decode()
    response = client.post(
        reverse("groups:programmes"),
        {"name": "Managing worries, 4 weeks", "provider": str(world.provider.organisation.uuid)},
    )
    created = Programme.objects.get(name="Managing worries, 4 weeks")
    assert response.status_code == 302
    assert created.provider == world.provider.organisation
    assert created.team == world.service_team


def test_it_adds_a_session_with_a_venue(world, client_for, programme):
    client = client_for(world.link_worker)
    url = reverse("groups:programme", args=[programme.uuid])
    response = client.post(
        url,
        {
            "starts_at": (timezone.localtime() + dt.timedelta(days=5)).strftime("%Y-%m-%dT%H:%M"),
            "duration_minutes": 90,
            "capacity": 12,
            "venue": "St Mark's Library",
        },
    )
    assert response.status_code == 302
    session = programme.sessions.get()
    assert (session.capacity, session.venue, session.online) == (12, "St Mark's Library", False)
    assert "St Mark&#x27;s Library" in client.get(url).content.decode()


def test_session_without_venue_or_online_is_refused_with_a_message(world, client_for, programme):
    client = client_for(world.link_worker)
    response = client.post(
        reverse("groups:programme", args=[programme.uuid]),
        {
            "starts_at": (timezone.localtime() + dt.timedelta(days=5)).strftime("%Y-%m-%dT%H:%M"),
            "duration_minutes": 90,
            "capacity": 12,
        },
    )
    assert response.status_code == 400
    assert "Say where the session meets" in response.content.decode()
    assert programme.sessions.count() == 0


def test_it_books_then_puts_on_the_waiting_list(world, client_for, session):
    client = client_for(world.link_worker)
    first, second = consenting_person(world), consenting_person(world)
    url = reverse("groups:book", args=[session.uuid])
    client.post(url, {"person": str(first.uuid)})
    response = client.post(url, {"person": str(second.uuid)}, follow=True)
    assert "added to the waiting list" in response.content.decode()
    assert list(session.bookings.order_by("booked_at").values_list("status", flat=True)) == [
        "booked",
        "waiting",
    ]


def test_cancelling_on_the_session_page_offers_the_place_with_a_link(world, client_for, session):
    first = book(world, session)
    head = book(world, session)
    client = client_for(world.link_worker)
    response = client.post(
        reverse("groups:booking", args=[first.uuid]), {"action": "cancel"}, follow=True
    )
    page = response.content.decode()
    head.refresh_from_db()
    assert head.status == "offered"
    assert "Offer open until" in page and "/public/groups/offer/" in page


def test_person_accepts_an_offer_from_the_link_without_signing_in(world, session):
    first = book(world, session)
    head = book(world, session)
    services.booking_cancel(booking=first, actor=world.link_worker)
    url = reverse("groups_public:offer", args=[make_token(booking_uuid=head.uuid, salt=OFFER_SALT)])
    anonymous = Client()
    assert "A place has come up for you" in anonymous.get(url).content.decode()
    response = anonymous.post(url, {"choice": "accept"})
    assert "You have a place" in response.content.decode()
    head.refresh_from_db()
    assert head.status == "booked"


def test_outsider_is_refused_everywhere(world, client_for, session):
    booking = book(world, session)
    client = client_for(world.outsider)
    assert "Sleep well" not in client.get(reverse("groups:programmes")).content.decode()
    for name, arg in [
        ("groups:programme", session.programme.uuid),
        ("groups:session", session.uuid),
        ("groups:register", session.uuid),
        ("groups:poll_codes", session.uuid),
    ]:
        assert client.get(reverse(name, args=[arg])).status_code == 404, name
    assert (
        client.post(reverse("groups:book", args=[session.uuid]), {"person": "x"}).status_code == 404
    )
    response = client.post(reverse("groups:booking", args=[booking.uuid]), {"action": "cancel"})
    assert response.status_code == 404
    booking.refresh_from_db()
    assert booking.status == "booked"


def test_referrer_role_has_no_groups_pages(world, client_for):
    assert client_for(world.referrer).get(reverse("groups:programmes")).status_code == 403


def test_provider_fills_in_the_register(world, client_for, session):
    booking = book(world, session, consenting_person(world, given_name="Nadia"))
    started(session)
    client = client_for(world.provider)
    # The provider works from the register, not the booking page.
    assert client.get(reverse("groups:session", args=[session.uuid])).url == reverse(
        "groups:register", args=[session.uuid]
    )
    url = reverse("groups:register", args=[session.uuid])
    assert "Nadia" in client.get(url).content.decode()
    client.post(url, {f"attendance-{booking.uuid}": "attended"})
    booking.refresh_from_db()
    assert booking.attendance == "attended"


def test_volunteer_facilitator_fills_in_the_register_others_cannot(world, client_for, session):
    booking = book(world, session)
    started(session)
    url = reverse("groups:register", args=[session.uuid])
    volunteer = client_for(world.volunteer)
    assert volunteer.get(url).status_code == 404
    assert volunteer.post(url, {f"attendance-{booking.uuid}": "absent"}).status_code == 404
    session.facilitators.add(world.volunteer)
    assert volunteer.post(url, {f"attendance-{booking.uuid}": "absent"}).status_code == 302
    booking.refresh_from_db()
    assert booking.attendance == "absent"


def test_register_with_a_made_up_mark_is_refused_and_changes_nothing(world, client_for, session):
    booking = book(world, session)
    started(session)
    response = client_for(world.link_worker).post(
        reverse("groups:register", args=[session.uuid]), {f"attendance-{booking.uuid}": "maybe"}
    )
    assert response.status_code == 400
    booking.refresh_from_db()
    assert booking.attendance == ""


def test_poll_codes_page_shows_an_inline_qr_code_per_person(world, client_for, session):
    book(world, session, consenting_person(world, given_name="Ola"))
    page = client_for(world.link_worker).get(reverse("groups:poll_codes", args=[session.uuid]))
    html = page.content.decode()
    assert "Ola" in html
    assert "<svg" in html and "/public/groups/poll/" in html


def test_poll_is_answered_without_signing_in_once_only(world, session):
    booking = book(world, session)
    started(session)
    url = reverse(
        "groups_public:poll", args=[make_token(booking_uuid=booking.uuid, salt=POLL_SALT)]
    )
    anonymous = Client()
    assert "How much did today help?" in anonymous.get(url).content.decode()
    response = anonymous.post(url, {"score": "4", "comment": "Good to get out"})
    assert "Your answer has been saved" in response.content.decode()
    again = anonymous.post(url, {"score": "1"})
    assert "already answered" in again.content.decode()
    answer = PollResponse.objects.get()
    assert (answer.score, answer.comment) == (4, "Good to get out")


def test_poll_without_a_score_is_refused_and_stores_nothing(world, session):
    booking = book(world, session)
    started(session)
    url = reverse(
        "groups_public:poll", args=[make_token(booking_uuid=booking.uuid, salt=POLL_SALT)]
    )
    response = Client().post(url, {"score": "9"})
    assert response.status_code == 400
    assert "Choose a number from 1 to 5" in response.content.decode()
    assert PollResponse.objects.count() == 0


def test_broken_poll_link_is_refused(db):
    response = Client().get(reverse("groups_public:poll", args=["not-a-real-link"]))
    assert response.status_code == 404
    assert "not valid" in response.content.decode()


def test_results_page_shows_counts_and_comments_without_names(world, client_for, programme):
    session = make_session(programme, capacity=3)
    booking = book(world, session, consenting_person(world, given_name="Zebedee"))
    started(session)
    services.poll_answer(booking=booking, score=5, comment="The breathing exercise")
    html = (
        client_for(world.supervisor)
        .get(reverse("groups:programme", args=[programme.uuid]))
        .content.decode()
    )
    assert "1 answer, average 5.0 out of 5" in html
    assert "The breathing exercise" in html
    assert "Zebedee" not in html


def test_provider_sees_the_programme_but_not_the_results(world, client_for, programme):
    html = (
        client_for(world.provider)
        .get(reverse("groups:programme", args=[programme.uuid]))
        .content.decode()
    )
    assert "Sleep well" in html and "How much did today help" not in html
    assert Booking.objects.count() == 0


def test_facilitator_sees_only_the_sessions_they_run(world, client_for, programme):
    theirs = make_session(programme, venue="Room A")
    make_session(programme, venue="Room B")
    own_team = make_programme(world, name="Walk and talk")  # no provider organisation
    make_session(own_team, venue="Park gates")
    theirs.facilitators.add(world.volunteer)
    client = client_for(world.volunteer)
    html = client.get(reverse("groups:programme", args=[programme.uuid])).content.decode()
    assert "Room A" in html and "Room B" not in html
    assert client.get(reverse("groups:programme", args=[own_team.uuid])).status_code == 404
