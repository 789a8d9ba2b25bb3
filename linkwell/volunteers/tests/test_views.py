import pytest
from django.utils import timezone

from linkwell.volunteers import services
from linkwell.volunteers.models import HoursLog

from .helpers import consenting_person, other_volunteer_user, ready_volunteer

pytestmark = pytest.mark.django_db


@pytest.fixture
def matched(world):
    volunteer = ready_volunteer(world)
    person = consenting_person(
        world, given_name="Alice", family_name="Hidden", postcode="LS6 9ZZ", phone="07700900555"
    )
    match = services.match_create(
        actor=world.link_worker,
        volunteer=volunteer,
        person=person,
        agreed_plan_items=["Go to the knitting group together"],
    )
    return match


def test_volunteer_page_shows_first_name_contact_preference_and_plan_items_only(
    world, client_for, matched
):
    page = client_for(world.volunteer).get("/volunteers/me/").content.decode()
    assert "Alice" in page
    assert "Go to the knitting group together" in page
    assert "Phone call" in page
    for private in ("Hidden", "LS6 9ZZ", "07700900555"):
        assert private not in page


def test_other_volunteer_and_outsider_do_not_see_the_match(world, client_for, matched):
    other = other_volunteer_user(world)
    ready_volunteer(world, user=other)
    page = client_for(other).get("/volunteers/me/").content.decode()
    assert "Alice" not in page
    assert client_for(world.outsider).get("/volunteers/me/").status_code == 404
    api = client_for(other).get("/api/v1/volunteers/me/matches")
    assert api.status_code == 200 and api.json() == []
    assert client_for(world.outsider).get("/api/v1/volunteers/me/matches").status_code == 403


def test_volunteer_api_lists_own_match_minimal_fields(world, client_for, matched):
    body = client_for(world.volunteer).get("/api/v1/volunteers/me/matches").json()
    assert body == [
        {
            "uuid": str(matched.uuid),
            "first_name": "Alice",
            "contact_preference": "Phone call",
            "agreed_plan_items": ["Go to the knitting group together"],
            "started_on": matched.started_on.isoformat(),
        }
    ]


def test_logging_hours_from_the_page(world, client_for, matched):
    client = client_for(world.volunteer)
    today = timezone.localdate().isoformat()
    response = client.post(
        "/volunteers/me/",
        {"worked_on": today, "hours": "2", "match": str(matched.uuid), "activity": "Knitting"},
    )
    assert response.status_code == 302
    assert HoursLog.objects.get().match == matched
    bad = client.post("/volunteers/me/", {"worked_on": "soon", "hours": "lots"})
    assert bad.status_code == 400
    assert "Enter the date" in bad.content.decode()
    assert HoursLog.objects.count() == 1


@pytest.mark.parametrize("hours", ["NaN", "nan", "-NaN", "sNaN", "Infinity", "-inf"])
def test_hours_that_are_not_a_number_get_the_forms_message(world, client_for, matched, hours):
    # "NaN" parses as a Decimal, and comparing it raised: a server error.
    from django.utils import timezone

    from linkwell.volunteers.models import HoursLog

    response = client_for(world.volunteer).post(
        "/volunteers/me/", {"worked_on": timezone.localdate().isoformat(), "hours": hours}
    )
    assert response.status_code in (200, 400)
    assert "Enter hours from 0.25 to 12." in response.content.decode()
    assert not HoursLog.objects.exists()
