import datetime as dt
import os

import pytest
from django.urls import reverse
from django.utils import timezone

from linkwell.conftest import launch_chromium, login
from linkwell.groups import services
from linkwell.groups.models import GroupSession, PollResponse
from linkwell.groups.tokens import POLL_SALT, make_token

from .factories import consenting_person, make_programme, make_session

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

PHONE = {"width": 390, "height": 844}


def started_session_with(world, *names):
    programme = make_programme(world, name="Managing worries", provider=world.provider.organisation)
    session = make_session(programme, capacity=10)
    bookings = [
        services.booking_create(
            session=session,
            person=consenting_person(world, given_name=name),
            actor=world.link_worker,
        )
        for name in names
    ]
    GroupSession.objects.filter(pk=session.pk).update(
        starts_at=timezone.now() - dt.timedelta(hours=1)
    )
    return session, bookings


def tap_height(page, selector):
    return page.locator(selector).first.evaluate("e => e.getBoundingClientRect().height")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_poll_answered_on_a_phone_from_the_link(world, live_server):
    from playwright.sync_api import sync_playwright

    _, (booking,) = started_session_with(world, "Amir")
    link = live_server.url + reverse(
        "groups_public:poll", args=[make_token(booking_uuid=booking.uuid, salt=POLL_SALT)]
    )
    with sync_playwright() as p:
        browser = launch_chromium(p)
        context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
        page = context.new_page()
        page.goto(link)
        assert page.get_by_role("heading", name="How much did today help?").is_visible()
        # Nothing wider than the phone, and every choice big enough for a thumb.
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        assert tap_height(page, ".nhsuk-radios__label") >= 44
        # Sending without a score is refused with a message.
        with page.expect_navigation():
            page.get_by_role("button", name="Send").tap()
        assert "Choose a number from 1 to 5" in page.content()
        page.get_by_label("4").check()
        page.get_by_label("Anything you would like to tell us? (optional)").fill(
            "It helped to hear others feel the same"
        )
        page.get_by_role("button", name="Send").tap()
        assert (
            page.get_by_test_id("poll-outcome")
            .inner_text()
            .startswith("Your answer has been saved")
        )
        # Opening the link again says it was answered; nothing changes.
        page.goto(link)
        assert "already answered" in page.get_by_test_id("poll-outcome").inner_text()
        browser.close()
    answer = PollResponse.objects.get()
    assert (answer.score, answer.comment) == (4, "It helped to hear others feel the same")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_provider_fills_in_the_register_on_a_phone(world, live_server):
    from playwright.sync_api import sync_playwright

    session, (came, missed) = started_session_with(world, "Bea", "Cal")
    cookie = login(world.provider).cookies["sessionid"].value
    with sync_playwright() as p:
        browser = launch_chromium(p)
        context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
        context.add_cookies([{"name": "sessionid", "value": cookie, "url": live_server.url}])
        page = context.new_page()
        page.goto(live_server.url + reverse("groups:register", args=[session.uuid]))
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        assert tap_height(page, ".nhsuk-radios__label") >= 44
        assert tap_height(page, "button[type=submit].nhsuk-button") >= 48
        page.get_by_role("group", name="Bea").get_by_label("Came").check()
        page.get_by_role("group", name="Cal").get_by_label("Did not come").check()
        with page.expect_navigation():
            page.get_by_role("button", name="Save register").tap()
        assert "Register saved" in page.content()
        browser.close()
    came.refresh_from_db()
    missed.refresh_from_db()
    assert (came.attendance, missed.attendance) == ("attended", "absent")
