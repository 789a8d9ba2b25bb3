import os

import pytest
from django.utils import timezone

from linkwell.conftest import launch_chromium, login
from linkwell.volunteers import services

from .helpers import consenting_person, ready_volunteer

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_volunteer_page_at_a_phone_viewport(world, live_server):
    from playwright.sync_api import sync_playwright

    volunteer = ready_volunteer(world)
    person = consenting_person(world, given_name="Alice", family_name="Hidden")
    services.match_create(
        actor=world.link_worker,
        volunteer=volunteer,
        person=person,
        agreed_plan_items=["Walk to the library on Fridays"],
    )
    session_cookie = login(world.volunteer).cookies["sessionid"].value
    with sync_playwright() as p:
        browser = launch_chromium(p)
        context = browser.new_context(viewport={"width": 375, "height": 740}, is_mobile=True)
        context.add_cookies(
            [{"name": "sessionid", "value": session_cookie, "url": live_server.url}]
        )
        page = context.new_page()
        page.goto(f"{live_server.url}/volunteers/me/")
        card = page.get_by_test_id("match")
        assert card.get_by_role("heading", name="Alice").is_visible()
        assert "Walk to the library on Fridays" in card.inner_text()
        assert "Hidden" not in page.content()
        # Nothing wider than the phone screen: no sideways scrolling.
        assert page.evaluate("document.documentElement.scrollWidth") <= 375
        page.get_by_label("Date").fill(timezone.localdate().isoformat())
        page.get_by_label("Hours").fill("1.5")
        page.get_by_role("button", name="Save hours").click()
        page.wait_for_load_state()
        assert "1.50 hours" in page.content()
        browser.close()
