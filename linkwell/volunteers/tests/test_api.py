import pytest

from linkwell.volunteers.models import Match

from .helpers import consenting_person, ready_volunteer

pytestmark = pytest.mark.django_db


def test_link_worker_gets_suggestions_confirms_reviews_and_ends_a_match(world, client_for):
    volunteer = ready_volunteer(world, languages=["polish"])
    person = consenting_person(world, language="Polish")
    client = client_for(world.link_worker)
    found = client.get(f"/api/v1/volunteers/suggestions/{person.uuid}").json()
    assert found[0]["volunteer"] == str(volunteer.uuid)
    assert found[0]["reasons"][0] == "Speaks Polish"
    created = client.post(
        "/api/v1/volunteers/matches",
        {
            "person": str(person.uuid),
            "volunteer": str(volunteer.uuid),
            "agreed_plan_items": ["Cafe"],
        },
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    uuid = created.json()["uuid"]
    review = client.post(
        f"/api/v1/volunteers/matches/{uuid}/reviews",
        {"going_well": True},
        content_type="application/json",
    )
    assert review.status_code == 201
    bad = client.post(
        f"/api/v1/volunteers/matches/{uuid}/end",
        {"reason": "bored"},
        content_type="application/json",
    )
    assert bad.status_code == 400
    assert Match.objects.get().status == "active"
    ended = client.post(
        f"/api/v1/volunteers/matches/{uuid}/end",
        {"reason": "goals_met"},
        content_type="application/json",
    )
    assert ended.json()["status"] == "ended"


def test_outsider_and_volunteers_are_refused_staff_endpoints(world, client_for):
    volunteer = ready_volunteer(world)
    person = consenting_person(world)
    for user in (world.outsider, world.volunteer):
        client = client_for(user)
        assert client.get(f"/api/v1/volunteers/suggestions/{person.uuid}").status_code in (
            403,
            404,
        )
        response = client.post(
            "/api/v1/volunteers/matches",
            {
                "person": str(person.uuid),
                "volunteer": str(volunteer.uuid),
                "agreed_plan_items": ["x"],
            },
            content_type="application/json",
        )
        assert response.status_code in (403, 404)
    assert not Match.objects.exists()
