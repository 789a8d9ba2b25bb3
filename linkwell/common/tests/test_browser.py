"""The header menu in a real browser: entries that do not fit go under "More", and stay usable."""

import os

import pytest

from linkwell.conftest import launch_chromium, login

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_menu_entries_that_do_not_fit_are_reachable_under_more(world, live_server):
    from playwright.sync_api import sync_playwright

    session_cookie = login(world.link_worker).cookies["sessionid"].value
    with sync_playwright() as p:
        browser = launch_chromium(p)
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        context.add_cookies(
            [{"name": "sessionid", "value": session_cookie, "url": live_server.url}]
        )
        page = context.new_page()
        page.goto(f"{live_server.url}/cases/")
        menu = page.get_by_role("navigation", name="Menu")
        more = menu.get_by_role("button", name="More")
        assert more.is_visible()
        # Nothing in the header runs off the side of the page.
        assert page.evaluate("document.documentElement.scrollWidth") <= 1280
        more.click()
        community = menu.get_by_role("link", name="Community")
        assert community.is_visible()
        community.click()
        page.wait_for_load_state()
        assert page.url.endswith("/community/")
        browser.close()
