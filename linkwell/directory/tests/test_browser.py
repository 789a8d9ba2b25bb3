import os

import pytest
from playwright.sync_api import sync_playwright

from linkwell.conftest import launch_chromium

from .factories import make_service

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # Playwright's sync API runs an event loop


@pytest.fixture
def page():
    with sync_playwright() as p:
        browser = launch_chromium(p)
        # A phone-sized window: the directory is used on phones more than anywhere else.
        context = browser.new_context(viewport={"width": 390, "height": 844})
        yield context.new_page()
        browser.close()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_public_search_finds_a_service_and_opens_its_page(live_server, page):
    make_service("Debt advice", description="Free help with debts and benefits")
    make_service("Walking group", needs=("physical_activity",), description="Gentle walks")
    page.goto(f"{live_server.url}/directory/")
    assert page.get_by_role("heading", name="Find community support").is_visible()
    page.get_by_label("What are you looking for?").fill("walks")
    page.get_by_role("button", name="Search").click()
    page.wait_for_url("**/directory/?*q=walks*")
    results = page.locator("#results")
    results.get_by_text("1 service found").wait_for()
    assert results.get_by_role("link", name="Walking group").is_visible()
    assert results.get_by_role("link", name="Debt advice").count() == 0
    results.get_by_role("link", name="Walking group").click()
    page.get_by_role("heading", name="How to get in").wait_for()
    assert page.get_by_text("You can contact them yourself.").is_visible()
    assert page.get_by_role("heading", name="Opening times").is_visible()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_public_search_filters_by_need_without_javascript_errors(live_server, page):
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    make_service("Debt advice", needs=("money",))
    make_service("Walking group", needs=("physical_activity",))
    page.goto(f"{live_server.url}/directory/")
    page.get_by_label("Help with").select_option("money")
    page.get_by_role("button", name="Search").click()
    page.locator("#results").get_by_text("1 service found").wait_for()
    assert page.locator("#results").get_by_role("link", name="Debt advice").is_visible()
    assert errors == []
