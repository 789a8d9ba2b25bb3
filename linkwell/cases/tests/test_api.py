import pytest

from linkwell.cases.services import episode_open
from linkwell.people.tests.factories import PersonFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/episodes"


@pytest.fixture
def episode(world):
    return episode_open(
        person=PersonFactory(given_name="Jo", family_name="Bloggs"),
        team=world.service_team,
        actor=world.link_worker,
        link_worker=world.link_worker,
    )


def transition(client, episode, **body):
    return client.post(
        f"{URL}/{episode.uuid}/transition", data=body, content_type="application/json"
    )


def test_list_and_caseload(world, client_for, episode):
    client = client_for(world.link_worker)
    listed = client.get(URL).json()
    assert [e["uuid"] for e in listed] == [str(episode.uuid)]
    assert listed[0]["person"] == str(episode.person.uuid)
    assert client.get(URL, {"status": "closed"}).json() == []
    assert [e["uuid"] for e in client.get(f"{URL}/caseload").json()] == [str(episode.uuid)]
    assert client_for(world.teammate).get(f"{URL}/caseload").json() == []


def test_detail_has_history(world, client_for, episode):
    body = client_for(world.supervisor).get(f"{URL}/{episode.uuid}").json()
    assert body["number"] == 1
    assert [h["to_status"] for h in body["history"]] == ["open"]


def test_transition_through_to_closed(world, client_for, episode):
    client = client_for(world.link_worker)
    response = transition(client, episode, status="active")
    assert response.status_code == 200
    assert response.json()["first_contact_at"]
    response = transition(client, episode, status="closed")
    assert response.status_code == 400
    assert "why support ended" in response.json()["message"]
    response = transition(client, episode, status="closed", discharge_reason="goals_met")
    assert response.status_code == 200
    response = transition(client, episode, status="active")
    assert response.status_code == 409


@pytest.mark.parametrize(
    "persona", ["outsider", "referrer", "other_referrer", "provider", "volunteer", "commissioner"]
)
def test_outsiders_are_refused_on_every_endpoint(world, client_for, episode, persona):
    client = client_for(getattr(world, persona))
    assert client.get(URL).json() == []
    assert client.get(f"{URL}/caseload").json() == []
    assert client.get(f"{URL}/{episode.uuid}").status_code == 404
    assert transition(client, episode, status="active").status_code == 404
    episode.refresh_from_db()
    assert episode.status == "open"


def test_anonymous_is_401(client, episode):
    assert client.get(URL).status_code == 401
    assert client.get(f"{URL}/{episode.uuid}").status_code == 401
