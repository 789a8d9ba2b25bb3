import datetime as dt

import pytest

from linkwell.audit.models import AuditEvent
from linkwell.people.models import ConsentPurpose
from linkwell.people.selectors import consent_in_force
from linkwell.people.tests.helpers import on_caseload

pytestmark = pytest.mark.django_db

OTHERS = ["outsider", "referrer", "other_referrer", "provider", "volunteer", "commissioner"]


@pytest.fixture
def person(world):
    return on_caseload(
        world.service_team,
        given_name="Aisha",
        family_name="Khan",
        preferred_name="Ash",
        date_of_birth=dt.date(1990, 2, 3),
        nhs_number="9434765919",
    )


def test_it_lists_and_searches_people(world, client_for, person):
    on_caseload(world.other_team, given_name="Aisha", family_name="Kareem")
    response = client_for(world.link_worker).get("/api/v1/people", {"q": "aisha"})
    assert response.status_code == 200
    assert [p["uuid"] for p in response.json()] == [str(person.uuid)]
    assert response.json()[0]["display_name"] == "Ash Khan"


def test_it_shows_a_person_with_consent_in_force(world, client_for, person):
    response = client_for(world.teammate).get(f"/api/v1/people/{person.uuid}")
    assert response.status_code == 200
    body = response.json()
    assert body["nhs_number"] == "9434765919"
    assert body["consents_in_force"][ConsentPurpose.SUPPORT] is False
    assert "id" not in body
    assert AuditEvent.objects.filter(action="read", person_uuid=person.uuid).exists()


def test_it_changes_a_person(world, client_for, person):
    response = client_for(world.link_worker).patch(
        f"/api/v1/people/{person.uuid}",
        {"postcode": "ls6 1ab", "interpreter_needed": True, "preferred_name": None},
        content_type="application/json",
    )
    assert response.status_code == 200, response.json()
    assert response.json()["postcode"] == "LS6 1AB"
    assert response.json()["preferred_name"] == ""
    person.refresh_from_db()
    assert person.interpreter_needed


def test_it_refuses_bad_changes_with_a_clear_message(world, client_for, person):
    client = client_for(world.link_worker)
    response = client.patch(
        f"/api/v1/people/{person.uuid}",
        {"nhs_number": "943 476 5918"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json()["message"] == (
        "943 476 5918 is not a valid NHS number (the check digit does not match)."
    )
    response = client.patch(
        f"/api/v1/people/{person.uuid}", {"shoe_size": 9}, content_type="application/json"
    )
    assert response.status_code == 400
    assert "message" in response.json()
    response = client.patch(
        f"/api/v1/people/{person.uuid}", {"given_name": None}, content_type="application/json"
    )
    assert response.status_code == 400
    person.refresh_from_db()
    assert person.nhs_number == "9434765919"
    assert person.given_name == "Aisha"


def test_it_records_and_withdraws_consent(world, client_for, person):
    client = client_for(world.link_worker)
    url = f"/api/v1/people/{person.uuid}/consents"
    response = client.post(
        url,
        {"purpose": "share_gp", "given": True, "method": "verbal"},
        content_type="application/json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["recorded_by"] == "lw"
    assert consent_in_force(person=person, purpose="share_gp")
    client.post(
        url,
        {"purpose": "share_gp", "given": False, "method": "written", "note": "Changed mind"},
        content_type="application/json",
    )
    body = client.get(url).json()
    assert body["in_force"]["share_gp"] is False
    assert [c["given"] for c in body["history"]] == [False, True]


def test_it_refuses_an_unknown_consent_purpose(world, client_for, person):
    response = client_for(world.link_worker).post(
        f"/api/v1/people/{person.uuid}/consents",
        {"purpose": "everything", "given": True, "method": "verbal"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json()["message"].startswith("purpose")


@pytest.mark.parametrize("persona", OTHERS)
def test_others_are_refused_on_every_endpoint(world, client_for, person, persona):
    client = client_for(getattr(world, persona))
    base = f"/api/v1/people/{person.uuid}"
    assert client.get(base).status_code == 404
    assert client.patch(base, {"phone": "1"}, content_type="application/json").status_code == 404
    assert client.get(f"{base}/consents").status_code == 404
    response = client.post(
        f"{base}/consents",
        {"purpose": "share_gp", "given": True, "method": "verbal"},
        content_type="application/json",
    )
    assert response.status_code == 404
    listing = client.get("/api/v1/people", {"q": "aisha"})
    assert listing.status_code in (200, 403)
    if listing.status_code == 200:
        assert listing.json() == []
    person.refresh_from_db()
    assert person.phone != "1"
    assert not person.consents.exists()


def test_anonymous_requests_are_refused(person):
    from django.test import Client

    assert Client().get(f"/api/v1/people/{person.uuid}").status_code == 401
    assert Client().get("/api/v1/people").status_code == 401


@pytest.mark.parametrize(
    ("recorded_at", "message"),
    [
        ("2026-01-01T10:00:00+23:59", "offset must be between -14:00 and +14:00"),
        ("0001-01-01T00:00:00+01:00", "from 0001-01-02 to 9999-12-30"),
        ("9999-12-31T23:59:59-10:00", "from 0001-01-02 to 9999-12-30"),
        (32768, "as text"),
        (1.5e9, "as text"),
    ],
)
def test_a_consent_time_no_database_can_hold_is_refused(
    world, client_for, person, recorded_at, message
):
    # Each was a server error: an offset PostgreSQL refuses, a moment before year 1 or after
    # 9999 in UTC; a number was read as seconds since 1970.
    response = client_for(world.link_worker).post(
        f"/api/v1/people/{person.uuid}/consents",
        {"purpose": "share_gp", "given": True, "method": "verbal", "recorded_at": recorded_at},
        content_type="application/json",
    )
    assert response.status_code == 400, response.content
    assert response.json()["message"].startswith("recorded_at: ")
    assert message in response.json()["message"]
    assert "Value error" not in response.json()["message"]
    assert not consent_in_force(person=person, purpose="share_gp")


def test_a_consent_time_with_a_real_offset_is_kept(world, client_for, person):
    response = client_for(world.link_worker).post(
        f"/api/v1/people/{person.uuid}/consents",
        {
            "purpose": "share_gp",
            "given": True,
            "method": "verbal",
            "recorded_at": "2026-11-20T15:30:00+05:30",
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    recorded = person.consents.get(purpose="share_gp").recorded_at
    assert recorded == dt.datetime(2026, 11, 20, 10, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (1e-320, "Give a date as text"),
        (0, "Give a date as text"),
        ("0001-01-01", "no one is more than 120 years old"),
        ("1890-06-01", "no one is more than 120 years old"),
    ],
)
def test_a_date_of_birth_that_cannot_be_someones_is_refused(
    world, client_for, person, value, message
):
    # A number was read as seconds since 1970 (1e-320 became 1 January 1970), and year 1 was
    # kept; the referrer's and the public forms refuse both.
    client = client_for(world.link_worker)
    response = client.patch(
        f"/api/v1/people/{person.uuid}", {"date_of_birth": value}, content_type="application/json"
    )
    assert response.status_code == 400, response.content
    assert message in response.json()["message"]
    person.refresh_from_db()
    assert person.date_of_birth is not None and person.date_of_birth.year > 1900
    referral = client_for(world.referrer).post(
        "/api/v1/referrals",
        {
            "person": {"given_name": "Ada", "family_name": "Byron", "date_of_birth": value},
            "source": "gp_practice",
            "reason": "Lonely since she moved.",
            "consent_confirmed": True,
        },
        content_type="application/json",
        headers={"Idempotency-Key": f"dob-{value}"},
    )
    assert referral.status_code == 400, referral.content
    assert message in referral.json()["message"]
