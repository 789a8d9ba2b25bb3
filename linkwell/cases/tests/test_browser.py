"""The caseload in Chromium: moving between its views by the tabs, and from a returning person's
row to their episode, where the needs that keep bringing them back are spelled out."""

import datetime as dt
import os

import pytest
from django.utils import timezone

from linkwell.cases.models import EpisodeStatus
from linkwell.cases.tests.factories import EpisodeFactory
from linkwell.conftest import launch_chromium, login
from linkwell.conversations.models import Conversation
from linkwell.people.tests.factories import PersonFactory

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_link_worker_follows_the_tabs_to_a_returning_persons_episode(world, live_server):
    from playwright.sync_api import sync_playwright

    person = PersonFactory(given_name="Rosa", family_name="Quinn")
    for number in (1, 2, 3):
        episode = EpisodeFactory(
            person=person,
            number=number,
            team=world.service_team,
            link_worker=world.link_worker,
            opened_at=timezone.now() - dt.timedelta(days=200 * (3 - number) + 10),
            status=EpisodeStatus.OPEN if number == 3 else EpisodeStatus.CLOSED,
            discharge_reason="" if number == 3 else "goals_met",
        )
        Conversation.objects.create(
            episode=episode,
            version=1,
            needs=[{"code": "housing", "priority": 1, "own_words": "The flat is damp again"}],
        )
    session_cookie = login(world.link_worker).cookies["sessionid"].value
    with sync_playwright() as p:
        browser = launch_chromium(p)
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        context.add_cookies(
            [{"name": "sessionid", "value": session_cookie, "url": live_server.url}]
        )
        page = context.new_page()
        page.goto(f"{live_server.url}/cases/")
        tabs = page.get_by_role("navigation", name="Caseload views")
        assert "Waiting for first contact (1)" in tabs.inner_text()
        tabs.get_by_role("link", name="Waiting for first contact").click()
        page.wait_for_load_state()
        assert page.url.endswith("/cases/waiting/")
        selected = tabs.locator("[aria-current=page]")
        assert selected.inner_text().startswith("Waiting for first contact")
        row = page.get_by_role("row").filter(has_text="Rosa Quinn")
        assert "Returning" in row.inner_text()
        assert "again: Housing" in row.inner_text()
        assert "working day" in row.inner_text()
        row.get_by_role("link", name="Rosa Quinn").click()
        page.wait_for_load_state()
        flag = page.locator("#revolving-door")
        assert "3 episodes of support in the last 24 months" in flag.inner_text()
        assert "Housing" in flag.inner_text()
        browser.close()
