"""A real browser (Debian's Chromium through Playwright) sends the public self-referral form and a
link worker of the intake team finds it in their inbox."""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

import pytest
from django.urls import reverse
from playwright import sync_api

from linkwell.accounts.models import OrganisationKind, Role
from linkwell.accounts.tests.factories import OrganisationFactory, TeamFactory, UserFactory
from linkwell.conftest import PASSWORD, launch_chromium
from linkwell.referrals.forms import SELF_REFERRAL_MIN_SECONDS
from linkwell.referrals.models import Referral, ReferralSource

# Playwright's sync API runs an event loop in this thread; Django's ORM refuses to run inside
# one unless told it is safe (the test makes no async calls of its own).
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

SHOTS = Path("/tmp/lw-shots")  # noqa: S108  # screenshots for people to look at, not secrets
NHS_BLUE = "rgb(0, 94, 184)"


@pytest.fixture
def browser():
    with sync_api.sync_playwright() as p:
        browser = launch_chromium(p)
        yield browser
        browser.close()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_self_referral_sent_in_a_browser_arrives_in_the_intake_teams_inbox(live_server, browser):
    service = OrganisationFactory(
        name="Northside Wellbeing Service", kind=OrganisationKind.SOCIAL_PRESCRIBING_SERVICE
    )
    intake = TeamFactory(organisation=service, name="Intake")
    UserFactory(username="intake-lw", team=intake, role=Role.LINK_WORKER, first_name="Priya")
    SHOTS.mkdir(parents=True, exist_ok=True)

    page = browser.new_page(viewport={"width": 1200, "height": 900})
    page.goto(live_server.url + reverse("public:self_refer"))
    loaded_at = time.monotonic()
    # The NHS design system's stylesheet is served (the header is NHS blue).
    header_colour = page.eval_on_selector(
        ".nhsuk-header", "el => getComputedStyle(el).backgroundColor"
    )
    assert header_colour == NHS_BLUE
    page.screenshot(path=str(SHOTS / "self-referral.png"), full_page=True)

    page.get_by_label("First name").fill("Jo")
    page.get_by_label("Last name").fill("Bloggs")
    page.get_by_label("Day").fill("2")
    page.get_by_label("Month").fill("11")
    page.get_by_label("Year").fill("1990")
    page.get_by_label("Postcode").fill("ls2 9jt")
    page.get_by_label("Phone call").check()
    # The conditional reveal shows the phone number box once "Phone call" is chosen.
    phone = page.get_by_label("Phone number", exact=True)
    phone.wait_for(state="visible")
    phone.fill("07700 900789")
    page.get_by_label("What would you like support with?").fill(
        "I lost my job and I am behind on the rent. I hardly go out now."
    )
    # Saying "yes, I feel unsafe" reveals the crisis contacts straight away.
    crisis = page.locator("#conditional-crisis")
    assert not crisis.is_visible()
    page.get_by_label("Yes").check()
    crisis.wait_for(state="visible")
    assert "116 123" in crisis.inner_text()
    page.get_by_label("No", exact=True).check()
    crisis.wait_for(state="hidden")
    page.get_by_label("I agree that the link worker service can keep these details").check()

    # A person cannot fill the form faster than the timing trap allows; nor does this test.
    elapsed = time.monotonic() - loaded_at
    if elapsed < SELF_REFERRAL_MIN_SECONDS + 0.5:
        page.wait_for_timeout((SELF_REFERRAL_MIN_SECONDS + 0.5 - elapsed) * 1000)
    page.get_by_role("button", name="Send").click()

    page.wait_for_url(re.compile(re.escape(reverse("public:self_refer_done")) + "$"))
    reference = page.locator("#reference").inner_text().strip()
    assert re.fullmatch(r"LW-[2-9A-Z]{4}-[2-9A-Z]{4}", reference)
    assert "within 10 working days" in page.content()
    referral = Referral.objects.get(reference=reference)
    assert referral.source == ReferralSource.SELF
    assert referral.team == intake

    page.goto(live_server.url + reverse("accounts:login"))
    page.get_by_label("Username").fill("intake-lw")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    page.goto(live_server.url + reverse("referrals:inbox"))
    assert page.get_by_role("heading", name="Referral inbox").is_visible()
    row_link = page.get_by_role("link", name=reference)
    assert row_link.is_visible()
    page.screenshot(path=str(SHOTS / "inbox.png"), full_page=True)

    row_link.click()
    page.wait_for_url(re.compile(re.escape(reverse("referrals:detail", args=[referral.uuid]))))
    assert page.get_by_role("heading", name=re.compile(reference)).is_visible()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_gp_receptionist_finds_a_known_person_by_nhs_number_and_refers_them(live_server, browser):
    from linkwell.people.tests.factories import PersonFactory

    service = OrganisationFactory(
        name="Northside Wellbeing Service", kind=OrganisationKind.SOCIAL_PRESCRIBING_SERVICE
    )
    TeamFactory(organisation=service, name="Intake")
    gp = OrganisationFactory(name="Meadow Lane Surgery", kind=OrganisationKind.GP_PRACTICE)
    UserFactory(username="reception", organisation=gp, role=Role.REFERRER)
    known = PersonFactory(
        given_name="Winston",
        family_name="Reid",
        nhs_number="4857773457",
        postcode="LS7 3QB",
        phone="07700 900321",
    )
    SHOTS.mkdir(parents=True, exist_ok=True)

    page = browser.new_page(viewport={"width": 1200, "height": 900})
    page.goto(live_server.url + reverse("accounts:login"))
    page.get_by_label("Username").fill("reception")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()

    # From the menu: find the person with the NHS number from the practice system.
    page.get_by_role("link", name="Make a referral").first.click()
    page.get_by_label("NHS number").fill("485 777 3457")
    page.get_by_role("button", name="Find the person").click()
    refer = page.get_by_role("link", name="Refer Winston Reid")
    refer.wait_for(state="visible")
    assert "LS7" in page.content() and "07700 900321" not in page.content()
    page.screenshot(path=str(SHOTS / "referral-find.png"), full_page=True)
    refer.click()

    # Three answers: the reason, the risk question and the person's agreement.
    page.get_by_label("Why are you referring them?").fill(
        "Lost his job at the depot; says the days are long and empty."
    )
    page.get_by_label("No", exact=True).check()
    page.get_by_label("The person agrees to be referred").check()
    page.screenshot(path=str(SHOTS / "referral-found-person.png"), full_page=True)
    page.get_by_role("button", name="Send referral").click()

    page.get_by_role("heading", name="Referral sent").wait_for(state="visible")
    referral = Referral.objects.get()
    assert referral.person == known
    assert referral.reference in page.content()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_self_referral_forms_follow_up_questions_open_and_close_with_the_radios(
    live_server, browser
):
    page = browser.new_page()
    page.goto(live_server.url + reverse("public:self_refer"))
    crisis = page.locator("#conditional-crisis")
    at_risk = page.get_by_role("group", name=re.compile("at risk of harm", re.I))
    assert crisis.is_hidden()
    at_risk.get_by_role("radio", name="Yes").check()
    assert crisis.is_visible()
    assert crisis.get_by_text("116 123").first.is_visible()
    at_risk.get_by_role("radio", name="No").check()
    assert crisis.is_hidden()
    # Each contact method shows only its own box.
    page.get_by_label("Text message").check()
    assert page.locator("#conditional-contact-sms").is_visible()
    assert page.locator("#conditional-contact-phone").is_hidden()
    page.get_by_label("Phone call").check()
    assert page.locator("#conditional-contact-phone").is_visible()
    assert page.locator("#conditional-contact-sms").is_hidden()
    # aria-expanded is not allowed on a radio; aria-controls names what each one reveals.
    assert page.locator("input[type=radio][aria-expanded]").count() == 0
    assert page.locator("input[type=radio][aria-controls=conditional-crisis]").count() == 1
