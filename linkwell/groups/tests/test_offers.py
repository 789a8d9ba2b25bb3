"""The person offered a freed place is told, by the method they prefer and consent to, with a
link to answer; quiet hours and failed sends never eat into their time to answer."""

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from linkwell.groups import services
from linkwell.groups.models import Booking, GroupOfferNotice, GroupSession
from linkwell.groups.offers import offer_notices_send_due, quiet_hours_end
from linkwell.notifications.backends import LocmemBackend, LocmemEmailBackend, SmsError
from linkwell.sessions.models import ReminderStatus

from .factories import consenting_person, make_programme

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")
NOON = dt.datetime(2030, 6, 3, 12, 0, tzinfo=LONDON)
LATE = dt.datetime(2030, 6, 3, 22, 30, tzinfo=LONDON)
NEXT_MORNING = dt.datetime(2030, 6, 4, 8, 0, tzinfo=LONDON)
BASE = "https://linkwell.example.org"


@pytest.fixture(autouse=True)
def outboxes(settings):
    settings.SMS_BACKEND = "linkwell.notifications.backends.LocmemBackend"
    settings.PERSON_EMAIL_BACKEND = "linkwell.notifications.backends.LocmemEmailBackend"
    settings.PUBLIC_BASE_URL = BASE
    settings.LINKWELL = {**settings.LINKWELL, "GROUP_OFFER_HOURS": 48}
    LocmemBackend.outbox.clear()
    LocmemEmailBackend.outbox.clear()
    yield LocmemBackend.outbox, LocmemEmailBackend.outbox
    LocmemBackend.outbox.clear()
    LocmemEmailBackend.outbox.clear()


@pytest.fixture
def session(world):
    programme = make_programme(world, name="Sleep well")
    return GroupSession.objects.create(
        programme=programme,
        starts_at=dt.datetime(2030, 6, 10, 18, 30, tzinfo=LONDON),
        capacity=1,
        venue="Meadow Lane Library",
    )


def person(world, *, method="sms", contact=True, language="English"):
    return consenting_person(
        world,
        contact=method if contact else None,
        preferred_contact_method=method,
        language=language,
        phone="07700 900123",
        email="sam@example.org",
    )


def book(world, session, who=None):
    with time_machine.travel(NOON - dt.timedelta(days=1), tick=False):
        return services.booking_create(
            session=session, person=who or person(world), actor=world.link_worker
        )


def free_a_place(world, booking, when, capture):
    """Cancel ``booking`` at ``when``, running what is queued once the change commits."""
    with time_machine.travel(when, tick=False), capture(execute=True):
        services.booking_cancel(booking=booking, actor=world.link_worker)


def session_page(world, client_for, session, when):
    with time_machine.travel(when, tick=False):
        client = client_for(world.link_worker)
        return client.get(reverse("groups:session", args=[session.uuid])).content.decode()


def test_person_is_told_by_text_with_the_deadline_and_link(
    world, session, outboxes, client_for, django_capture_on_commit_callbacks
):
    sms, email = outboxes
    first = book(world, session)
    head = book(world, session)
    free_a_place(world, first, NOON, django_capture_on_commit_callbacks)
    assert len(sms) == 1 and not email
    assert sms[0].to == "07700 900123"
    body = sms[0].body
    assert "A place has come up for you at Sleep well on 10/06/2030 18:30" in body
    assert "Meadow Lane Library" in body
    assert "kept for you until 05/06/2030 12:00" in body
    assert f"{BASE}/public/groups/offer/" in body
    notice = GroupOfferNotice.objects.get(booking=head)
    assert (notice.status, notice.channel, notice.language) == ("sent", "sms", "en")
    assert notice.sent_at == NOON
    page = session_page(world, client_for, session, NOON + dt.timedelta(minutes=1))
    assert "Told by text message at Mon 3 Jun 2030, 12:00." in page


def test_email_preference_gets_an_email_in_their_language(
    world, session, outboxes, django_capture_on_commit_callbacks
):
    sms, email = outboxes
    first = book(world, session)
    head = book(world, session, person(world, method="email", language="Welsh"))
    free_a_place(world, first, NOON, django_capture_on_commit_callbacks)
    assert not sms and len(email) == 1
    assert email[0].to == "sam@example.org"
    assert email[0].subject == "Mae lle ar gael i chi"
    assert "Mae lle wedi dod ar gael i chi yn Sleep well ar 10/06/2030 18:30" in email[0].body
    assert f"{BASE}/public/groups/offer/" in email[0].body
    notice = GroupOfferNotice.objects.get(booking=head)
    assert (notice.status, notice.channel, notice.language) == ("sent", "email", "cy")


@pytest.mark.parametrize(
    ("kwargs", "reason"),
    [
        ({"method": "sms", "contact": False}, "No consent to contact by text message is in force."),
        ({"method": "email", "contact": False}, "No consent to contact by email is in force."),
        (
            {"method": "letter", "contact": False},
            "They prefer not to be contacted by text or email (Letter).",
        ),
    ],
)
def test_person_who_cannot_be_contacted_is_not_told_and_staff_see_why(
    world, session, outboxes, client_for, django_capture_on_commit_callbacks, kwargs, reason
):
    sms, email = outboxes
    first = book(world, session)
    head = book(world, session, person(world, **kwargs))
    free_a_place(world, first, NOON, django_capture_on_commit_callbacks)
    assert not sms and not email
    head.refresh_from_db()
    notice = GroupOfferNotice.objects.get(booking=head)
    assert (notice.status, notice.detail) == ("skipped", reason)
    # The offer stands, its time counted from the offer, and staff have the link to pass on.
    assert head.status == "offered"
    assert head.offer_expires_at == NOON + dt.timedelta(hours=48)
    page = session_page(world, client_for, session, NOON + dt.timedelta(minutes=1))
    assert f"Not told: {reason}" in page.replace("&#x27;", "'")
    assert f'Send them this link to answer: <a href="{BASE}/public/groups/offer/' in page


def test_offer_in_quiet_hours_is_queued_and_its_time_starts_when_told(
    world, session, outboxes, client_for, django_capture_on_commit_callbacks
):
    sms, _ = outboxes
    first = book(world, session)
    head = book(world, session)
    behind = book(world, session)
    free_a_place(world, first, LATE, django_capture_on_commit_callbacks)
    assert not sms
    assert offer_notices_send_due(now=LATE + dt.timedelta(hours=1))["sent"] == 0
    assert not sms
    head.refresh_from_db()
    notice = GroupOfferNotice.objects.get(booking=head)
    assert (notice.status, notice.next_attempt_at) == ("pending", NEXT_MORNING)
    # The 48 hours count from 08:00, when the message can go, not from 22:30.
    assert head.offer_expires_at == NEXT_MORNING + dt.timedelta(hours=48)
    page = session_page(world, client_for, session, LATE + dt.timedelta(minutes=1))
    assert "Message queued until Tue 4 Jun 2030, 08:00 (quiet hours)" in page
    assert services.offers_expire(now=LATE + dt.timedelta(hours=48, minutes=1)) == 0

    assert offer_notices_send_due(now=NEXT_MORNING)["sent"] == 1
    assert len(sms) == 1
    assert "kept for you until 06/06/2030 08:00" in sms[0].body
    head.refresh_from_db()
    assert head.offer_expires_at == NEXT_MORNING + dt.timedelta(hours=48)
    assert services.offers_expire(now=NEXT_MORNING + dt.timedelta(hours=47, minutes=59)) == 0
    behind.refresh_from_db()
    assert behind.status == "waiting"
    assert services.offers_expire(now=NEXT_MORNING + dt.timedelta(hours=48)) == 1


def test_failed_text_is_retried_with_back_off_and_the_offer_waits(
    world, session, outboxes, client_for, monkeypatch, django_capture_on_commit_callbacks
):
    sms, _ = outboxes
    first = book(world, session)
    head = book(world, session)

    def refuse(self, message):
        raise SmsError("Notify refused the message (500).")

    monkeypatch.setattr(LocmemBackend, "send", refuse)
    free_a_place(world, first, NOON, django_capture_on_commit_callbacks)
    notice = GroupOfferNotice.objects.get(booking=head)
    assert (notice.status, notice.attempts) == ("failed", 1)
    assert notice.next_attempt_at == NOON + dt.timedelta(minutes=5)
    page = session_page(world, client_for, session, NOON + dt.timedelta(minutes=1))
    assert "The message could not be sent (Notify refused the message (500).)" in page
    # Not retried before its back-off has passed, then retried with a doubled one.
    assert offer_notices_send_due(now=NOON + dt.timedelta(minutes=4)) == dict.fromkeys(
        ReminderStatus.values, 0
    )
    assert offer_notices_send_due(now=NOON + dt.timedelta(minutes=5))["failed"] == 1
    notice.refresh_from_db()
    assert notice.attempts == 2
    assert notice.next_attempt_at == NOON + dt.timedelta(minutes=15)
    # While the person is still being told, the offer does not lapse.
    head.refresh_from_db()
    assert services.offers_expire(now=head.offer_expires_at + dt.timedelta(minutes=1)) == 0

    monkeypatch.undo()
    told = NOON + dt.timedelta(minutes=15)
    assert offer_notices_send_due(now=told)["sent"] == 1
    assert len(sms) == 1
    head.refresh_from_db()
    assert head.offer_expires_at == told + dt.timedelta(hours=48)
    assert "kept for you until 05/06/2030 12:15" in sms[0].body


def test_failed_text_gives_up_and_the_offer_stands_with_its_link(
    world, session, outboxes, client_for, monkeypatch, django_capture_on_commit_callbacks
):
    first = book(world, session)
    head = book(world, session)

    def refuse(self, message):
        raise SmsError("unreachable")

    monkeypatch.setattr(LocmemBackend, "send", refuse)
    free_a_place(world, first, NOON, django_capture_on_commit_callbacks)
    when = NOON
    for minutes in (5, 10, 20, 40):
        when += dt.timedelta(minutes=minutes)
        offer_notices_send_due(now=when)
    notice = GroupOfferNotice.objects.get(booking=head)
    assert (notice.status, notice.attempts) == ("gave_up", 5)
    page = session_page(world, client_for, session, when)
    assert "Not told: the message could not be sent (unreachable)." in page
    head.refresh_from_db()
    assert head.status == "offered"
    # No longer being told, the offer lapses at its time as before.
    assert services.offers_expire(now=head.offer_expires_at) == 1


def _link_path(text):
    url = re.search(r"https://\S+", text).group(0)
    assert url.startswith(BASE)
    return url.removeprefix(BASE)


def test_link_in_the_text_takes_the_place(
    world, session, outboxes, django_capture_on_commit_callbacks
):
    sms, _ = outboxes
    first = book(world, session)
    head = book(world, session)
    free_a_place(world, first, NOON, django_capture_on_commit_callbacks)
    path = _link_path(sms[0].body)
    with time_machine.travel(NOON + dt.timedelta(hours=1), tick=False):
        anonymous = Client()
        assert "A place has come up for you" in anonymous.get(path).content.decode()
        response = anonymous.post(path, {"choice": "accept"})
    assert "You have a place" in response.content.decode()
    head.refresh_from_db()
    assert head.status == "booked"


def test_declining_by_the_link_offers_and_tells_the_next_person(
    world, session, outboxes, django_capture_on_commit_callbacks
):
    sms, email = outboxes
    first = book(world, session)
    head = book(world, session)
    behind = book(world, session, person(world, method="email"))
    free_a_place(world, first, NOON, django_capture_on_commit_callbacks)
    path = _link_path(sms[0].body)
    with (
        time_machine.travel(NOON + dt.timedelta(hours=2), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        Client().post(path, {"choice": "decline"})
    head.refresh_from_db()
    behind.refresh_from_db()
    assert (head.status, behind.status) == ("cancelled", "offered")
    assert len(email) == 1
    assert _link_path(email[0].body) != path
    assert "kept for you until 05/06/2030 14:00" in email[0].body


def test_next_person_is_told_when_an_offer_lapses(
    world, session, outboxes, django_capture_on_commit_callbacks
):
    sms, _ = outboxes
    first = book(world, session)
    head = book(world, session, person(world, contact=False))
    behind = book(world, session)
    free_a_place(world, first, NOON, django_capture_on_commit_callbacks)
    assert not sms
    lapse = NOON + dt.timedelta(hours=48)
    with time_machine.travel(lapse, tick=False), django_capture_on_commit_callbacks(execute=True):
        assert services.offers_expire() == 1
    behind.refresh_from_db()
    assert behind.status == "offered"
    assert len(sms) == 1
    assert GroupOfferNotice.objects.get(booking=behind).sent_at == lapse
    assert not GroupOfferNotice.objects.filter(booking=head, status="sent").exists()


def test_queued_message_is_not_sent_once_the_offer_has_been_answered(
    world, session, outboxes, django_capture_on_commit_callbacks
):
    sms, _ = outboxes
    first = book(world, session)
    head = book(world, session)
    free_a_place(world, first, LATE, django_capture_on_commit_callbacks)
    with time_machine.travel(LATE + dt.timedelta(minutes=10), tick=False):
        services.offer_accept(booking=head, actor=world.link_worker)
    counts = offer_notices_send_due(now=NEXT_MORNING)
    assert counts["sent"] == 0
    assert not sms
    assert Booking.objects.get(pk=head.pk).status == "booked"
    # The queued message is closed with its reason rather than left waiting for ever.
    assert counts["skipped"] == 1
    notice = GroupOfferNotice.objects.get(booking=head)
    assert notice.status == "skipped"
    assert notice.detail == "The offer ended before the message was sent."
    assert offer_notices_send_due(now=NEXT_MORNING)["skipped"] == 0


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (dt.datetime(2030, 6, 3, 12, 0, tzinfo=LONDON), dt.datetime(2030, 6, 3, 12, 0)),
        (dt.datetime(2030, 6, 3, 21, 0, tzinfo=LONDON), dt.datetime(2030, 6, 4, 8, 0)),
        (dt.datetime(2030, 6, 4, 2, 15, tzinfo=LONDON), dt.datetime(2030, 6, 4, 8, 0)),
        # The clocks go back overnight: still 08:00 on the London clock.
        (dt.datetime(2030, 10, 26, 23, 0, tzinfo=LONDON), dt.datetime(2030, 10, 27, 8, 0)),
    ],
)
def test_quiet_hours_end_at_eight_on_the_london_clock(moment, expected):
    assert quiet_hours_end(moment) == expected.replace(tzinfo=LONDON)


def test_offer_with_no_notice_record_shows_not_told_with_its_link(
    world, session, outboxes, client_for, django_capture_on_commit_callbacks
):
    first = book(world, session)
    head = book(world, session)
    free_a_place(world, first, NOON, django_capture_on_commit_callbacks)
    # As for offers made before people were told of them.
    GroupOfferNotice.objects.filter(booking=head).delete()
    page = session_page(world, client_for, session, NOON + dt.timedelta(minutes=1))
    assert "Not told." in page
    assert f'Send them this link to answer: <a href="{BASE}/public/groups/offer/' in page
