"""The community staff pages in Chromium: a development worker records a group's attendance and
marks a board action done, and sees the results on the page."""

import os
import re

import pytest
from django.utils import timezone

from linkwell.community import groups
from linkwell.conftest import launch_chromium, login

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

# The action's words are in a visually hidden span, so the accessible name is "Mark done : ...".
MARK_DONE = re.compile(r"^Mark done\W+Ask the library about evenings$")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_recording_attendance_and_closing_a_board_action(world, live_server):
    from playwright.sync_api import sync_playwright

    group = groups.group_save(
        actor=world.link_worker,
        name="Chai and Chat",
        kind="peer_support",
        meeting_place="Community centre",
        meeting_times="Fridays 2pm",
    )
    groups.board_meeting_record(
        actor=world.link_worker,
        held_on=timezone.localdate(),
        summary="Evening sessions",
        actions=[("Ask the library about evenings", "Priya")],
    )
    today = timezone.localdate()
    session_cookie = login(world.link_worker).cookies["sessionid"].value
    with sync_playwright() as p:
        browser = launch_chromium(p)
        context = browser.new_context(viewport={"width": 1024, "height": 800})
        context.add_cookies(
            [{"name": "sessionid", "value": session_cookie, "url": live_server.url}]
        )
        page = context.new_page()
        page.goto(f"{live_server.url}/community/groups/{group.uuid}/")
        form = page.locator("form", has=page.get_by_role("button", name="Record attendance"))
        form.get_by_label("Day").fill(str(today.day))
        form.get_by_label("Month").fill(str(today.month))
        form.get_by_label("Year").fill(str(today.year))
        form.get_by_label("How many came").fill("9")
        form.get_by_role("button", name="Record attendance").click()
        page.wait_for_load_state()
        assert "Attendance recorded." in page.content()
        table = page.get_by_role("table", name="Attendance at the latest meetings")
        assert f"{today:%-d %b %Y}" in table.inner_text() and "9" in table.inner_text()

        page.goto(f"{live_server.url}/community/board/")
        page.get_by_role("button", name=MARK_DONE).click()
        page.wait_for_load_state()
        assert "Done: Ask the library about evenings" in page.content()
        assert page.get_by_role("button", name=MARK_DONE).count() == 0
        browser.close()
