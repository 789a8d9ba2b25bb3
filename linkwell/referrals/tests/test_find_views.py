"""The referrer's page, first step: find the person (or enter them), then refer.

The GP receptionist's path (issue 2): the NHS number from the practice system finds the person,
one click chooses them, and the referral needs only the reason, the risk question and consent.
"""

from __future__ import annotations

import datetime as dt
from html import unescape

import pytest
from django.urls import reverse

from linkwell.audit.models import AuditEvent
from linkwell.audit.verification import audit_chain_verify
from linkwell.notifications.models import Alert
from linkwell.people.finding import LOOKUP_OBJECT_TYPE
from linkwell.people.models import Consent, ConsentPurpose, Person
from linkwell.people.selectors import consent_in_force
from linkwell.people.tests.factories import PersonFactory
from linkwell.referrals.models import Referral, ReferralSource

pytestmark = pytest.mark.django_db

DOB = dt.date(1961, 9, 4)
NHS = "4857773457"


@pytest.fixture
def known(db):
    """Someone the service already knows, with details a referrer must not see."""
    return PersonFactory(
        given_name="Winston",
        family_name="Reid",
        date_of_birth=DOB,
        nhs_number=NHS,
        postcode="LS7 3QB",
        phone="07700 900321",
        email="winston@example.org",
        address="12 Chapel Street",
    )


def find(client, **data):
    fields = {
        "nhs_number": "",
        "given_name": "",
        "family_name": "",
        "date_of_birth_day": "",
        "date_of_birth_month": "",
        "date_of_birth_year": "",
        "postcode": "",
    }
    fields.update(data)
    return client.post(reverse("referrals:new"), fields)


def choose_link(html: str) -> str:
    start = html.index('href="/referrals/new/found/') + len('href="')
    return html[start : html.index('"', start)]


def test_the_referrer_page_starts_by_finding_the_person(world, client_for):
    response = client_for(world.referrer).get(reverse("referrals:new"))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="nhs_number"' in html
    assert 'name="date_of_birth_day"' in html
    # The search is posted, so an NHS number or a name never lands in a URL or a server log.
    assert 'method="post"' in html
    assert reverse("referrals:new_person") in html  # or enter a new person


def test_gp_receptionist_finds_by_nhs_number_and_refers_in_three_answers(world, client_for, known):
    client = client_for(world.referrer)
    response = find(client, nhs_number="485 777 3457")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Winston Reid" in html
    assert "4 September 1961" in html
    assert "LS7" in html
    for private in ("LS7 3QB", "07700 900321", "winston@example.org", "Chapel Street", NHS):
        assert private not in html

    page = client.get(choose_link(html))
    assert page.status_code == 200
    form = page.content.decode()
    assert "Refer Winston Reid" in form
    # Nothing about the person is asked again.
    for name in ("given_name", "family_name", "date_of_birth_day", "nhs_number", "phone"):
        assert f'name="{name}"' not in form

    sent = client.post(
        choose_link(html),
        {
            "reason": "Lost his job at the depot; says the days are long and empty.",
            "urgency": "routine",
            "risk_of_harm": "no",
            "consent_confirmed": "on",
        },
    )
    referral = Referral.objects.get()
    assert sent.status_code == 302
    assert sent["Location"] == reverse("referrals:sent", args=[referral.uuid])
    assert referral.person == known
    assert Person.objects.count() == 1  # attached, not a second record
    assert referral.source == ReferralSource.GP_PRACTICE
    assert referral.referring_organisation == world.referrer.organisation
    assert consent_in_force(person=known, purpose=ConsentPurpose.SUPPORT)
    assert audit_chain_verify().intact
    confirmation = client.get(sent["Location"]).content.decode()
    assert referral.reference in confirmation
    # Following the referral shows its status, not the record the service already held.
    detail = client.get(reverse("referrals:detail", args=[referral.uuid])).content.decode()
    assert "Winston Reid" in detail
    for private in ("LS7 3QB", "07700 900321", "winston@example.org", "Chapel Street"):
        assert private not in detail


def test_found_by_name_and_date_of_birth_with_needs_urgency_and_risk(world, client_for, known):
    client = client_for(world.referrer)
    html = find(
        client,
        given_name="winston",
        family_name="REID",
        date_of_birth_day="4",
        date_of_birth_month="9",
        date_of_birth_year="1961",
    ).content.decode()
    response = client.post(
        choose_link(html),
        {
            "reason": "Talks about not wanting to be here since the eviction notice.",
            "suggested_needs": ["housing", "mental_wellbeing"],
            "urgency": "urgent",
            "risk_of_harm": "yes",
            "risk_details": "Said so today; duty doctor informed.",
            "consent_confirmed": "on",
        },
    )
    assert response.status_code == 302
    referral = Referral.objects.get(person=known)
    assert referral.suggested_needs == ["housing", "mental_wellbeing"]
    assert referral.urgency == "urgent"
    assert referral.risk_of_harm
    assert Alert.objects.filter(recipient=world.supervisor).exists()


def test_the_found_person_form_keeps_answers_and_the_person_on_errors(world, client_for, known):
    client = client_for(world.referrer)
    link = choose_link(find(client, nhs_number=NHS).content.decode())
    response = client.post(link, {"reason": "Money worries.", "urgency": "routine"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "There is a problem" in html
    assert "Refer Winston Reid" in html
    assert 'href="#id_risk_of_harm_0"' in html
    assert 'href="#id_consent_confirmed"' in html  # no referral without the person's agreement
    assert "Money worries." in html
    assert not Referral.objects.exists()
    assert not Consent.objects.exists()


def test_nobody_found_offers_the_new_person_form_filled_in(world, client_for, known):
    client = client_for(world.referrer)
    response = find(
        client,
        given_name="Ada",
        family_name="Lovelace",
        date_of_birth_day="10",
        date_of_birth_month="12",
        date_of_birth_year="1985",
        postcode="ls6 1ab",
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "No one found" in html
    link = reverse("referrals:new_person") + "?from=find"
    assert link in html
    form = client.get(link).content.decode()
    assert 'value="Ada"' in form and 'value="Lovelace"' in form
    assert 'value="1985"' in form and 'value="LS6 1AB"' in form
    # Opened directly, the new-person form starts empty.
    assert 'value="Ada"' not in client.get(reverse("referrals:new_person")).content.decode()


@pytest.mark.parametrize(
    ("data", "anchor", "message"),
    [
        ({"nhs_number": "485 777"}, "#id_nhs_number", "NHS number"),
        ({}, "#id_nhs_number", "or their given name, family name and date of birth"),
        ({"family_name": "Reid"}, "#id_given_name", "given name in full"),
        (
            {"given_name": "Winston", "family_name": "Reid"},
            "#id_date_of_birth_day",
            "date of birth",
        ),
        ({"postcode": "LS7 3QB"}, "#id_nhs_number", "or their given name"),
    ],
)
def test_partial_searches_are_refused_and_find_no_one(
    world, client_for, known, data, anchor, message
):
    response = find(client_for(world.referrer), **data)
    assert response.status_code == 400
    html = response.content.decode()
    assert f'href="{anchor}"' in html
    assert message in html
    assert "Winston" not in html or data.get("given_name") == "Winston"
    assert "/referrals/new/found/" not in html
    assert not AuditEvent.objects.filter(object_type=LOOKUP_OBJECT_TYPE).exists()


@pytest.mark.parametrize("persona", ["provider", "volunteer", "commissioner", "admin"])
def test_outsiders_cannot_find_or_refer_a_known_person(world, client_for, known, persona):
    link = choose_link(find(client_for(world.referrer), nhs_number=NHS).content.decode())
    client = client_for(getattr(world, persona))
    assert find(client, nhs_number=NHS).status_code == 403
    assert client.get(link).status_code == 403
    data = {"reason": "x", "urgency": "routine", "risk_of_harm": "no", "consent_confirmed": "on"}
    assert client.post(link, data).status_code == 403
    assert not Referral.objects.exists()


def test_another_referrers_link_is_refused_and_sends_them_to_search(world, client_for, known):
    link = choose_link(find(client_for(world.referrer), nhs_number=NHS).content.decode())
    other = client_for(world.other_referrer)
    data = {"reason": "x", "urgency": "routine", "risk_of_harm": "no", "consent_confirmed": "on"}
    response = other.post(link, data)
    assert response.status_code == 302
    assert response["Location"] == reverse("referrals:new")
    assert "Find the person again" in other.get(response["Location"]).content.decode()
    assert not Referral.objects.exists()
    # A made-up link fares no better.
    forged = reverse("referrals:new_for", args=[str(known.uuid)])
    assert client_for(world.referrer).get(forged).status_code == 302


def test_a_referrer_sees_only_their_own_referral_of_a_known_person(world, client_for, known):
    """Finding someone another practice referred reveals nothing of that referral."""
    client = client_for(world.other_referrer)
    link = choose_link(find(client, nhs_number=NHS).content.decode())
    data = {
        "reason": "Carer for his wife; exhausted.",
        "urgency": "soon",
        "risk_of_harm": "no",
        "consent_confirmed": "on",
    }
    assert client.post(link, data).status_code == 302
    theirs = Referral.objects.get()
    mine = client_for(world.referrer)
    html = find(mine, nhs_number=NHS).content.decode()
    assert theirs.reference not in html and "Carer for his wife" not in html
    assert theirs.reference not in mine.get(reverse("referrals:my_referrals")).content.decode()
    assert mine.get(reverse("referrals:detail", args=[theirs.uuid])).status_code == 404


def test_a_link_worker_taking_a_phone_referral_finds_the_person_for_their_team(
    world, client_for, known
):
    client = client_for(world.link_worker)
    link = choose_link(find(client, nhs_number=NHS).content.decode())
    page = client.get(link).content.decode()
    assert 'name="source"' in page
    response = client.post(
        link,
        {
            "reason": "Rang in after a leaflet at the job centre.",
            "urgency": "routine",
            "risk_of_harm": "no",
            "consent_confirmed": "on",
            "source": "job_centre",
        },
    )
    assert response.status_code == 302
    referral = Referral.objects.get()
    assert (referral.person, referral.team) == (known, world.service_team)
    assert referral.source == ReferralSource.JOB_CENTRE


def test_too_many_searches_in_an_hour_are_paused(world, client_for, known, settings):
    settings.LINKWELL = {**settings.LINKWELL, "REFERRER_FIND_LIMIT_PER_HOUR": 1}
    client = client_for(world.referrer)
    assert find(client, nhs_number=NHS).status_code == 200
    response = find(client, nhs_number=NHS)
    assert response.status_code == 429
    html = unescape(response.content.decode())
    assert "Enter the person's details instead" in html
    assert "Winston" not in html
