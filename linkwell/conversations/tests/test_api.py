import pytest

from linkwell.conversations.models import Conversation
from linkwell.directory.tests.factories import make_service
from linkwell.notifications.models import Alert

pytestmark = pytest.mark.django_db


def url(episode, tail):
    return f"/api/v1/episodes/{episode.uuid}/{tail}"


BODY = {
    "needs": [{"code": "loneliness", "priority": 1, "own_words": "I don't see anyone"}],
    "strengths": "Loves music",
    "preferences": {"delivery_modes": ["community_venue"], "max_travel_km": 3, "days": [1]},
}


@pytest.mark.parametrize("preferences", [5, "phone only", ["phone"], True])
def test_preferences_that_are_not_an_object_are_refused_not_dropped(
    world, client_for, episode, preferences
):
    # They became the default preferences, and the link worker's were lost without a word.
    response = client_for(world.link_worker).post(
        url(episode, "conversation"),
        {**BODY, "preferences": preferences},
        content_type="application/json",
    )
    assert response.status_code == 400, response.content
    assert response.json()["message"].startswith("preferences: ")
    assert "Give an object here" in response.json()["message"]
    assert not Conversation.objects.exists()


def test_post_then_read_versions(world, client_for, episode):
    client = client_for(world.link_worker)
    first = client.post(url(episode, "conversation"), BODY, content_type="application/json")
    assert first.status_code == 201 and first.json()["version"] == 1
    client.post(url(episode, "conversation"), BODY, content_type="application/json")
    read = client.get(url(episode, "conversation")).json()
    assert read["current"]["version"] == 2
    assert [v["version"] for v in read["versions"]] == [2, 1]
    assert read["current"]["preferences"]["days"] == [1]


def test_bad_input_gets_the_error_shape_and_saves_nothing(world, client_for, episode):
    body = {**BODY, "needs": [{"code": "astrology"}]}
    response = client_for(world.link_worker).post(
        url(episode, "conversation"), body, content_type="application/json"
    )
    assert response.status_code == 400
    assert set(response.json()) == {"message", "extra"}
    assert not Conversation.objects.exists()


def test_safety_need_through_the_api_alerts_a_supervisor(world, client_for, episode):
    body = {**BODY, "needs": [{"code": "safety", "priority": 1}]}
    response = client_for(world.link_worker).post(
        url(episode, "conversation"), body, content_type="application/json"
    )
    assert response.json()["safeguarding_flag"] is True
    assert Alert.objects.filter(recipient=world.supervisor).exists()


def test_plan_and_options(world, client_for, episode):
    client = client_for(world.teammate)
    plan = client.post(
        url(episode, "plan"),
        {
            "goals": ["Meet people who like music"],
            "actions": [{"what": "Try the choir", "who": "Jo"}],
        },
        content_type="application/json",
    )
    assert plan.status_code == 201
    service = make_service("Community choir", needs=("loneliness",))
    offered = client.post(
        url(episode, "options"), {"service": str(service.id)}, content_type="application/json"
    )
    assert offered.status_code == 201
    chosen = client.post(
        url(episode, f"options/{offered.json()['uuid']}"),
        {"status": "chosen"},
        content_type="application/json",
    )
    assert chosen.json()["status"] == "chosen"
    read = client.get(url(episode, "plan")).json()
    assert read["plan"]["goals"] == ["Meet people who like music"]
    assert [o["status"] for o in read["options"]] == ["chosen"]


@pytest.mark.parametrize(
    "persona", ["outsider", "referrer", "provider", "volunteer", "commissioner"]
)
@pytest.mark.parametrize(
    "method, tail",
    [
        ("get", "conversation"),
        ("post", "conversation"),
        ("get", "plan"),
        ("post", "plan"),
        ("post", "options"),
    ],
)
def test_outsiders_are_refused_on_every_endpoint(world, client_for, episode, persona, method, tail):
    client = client_for(getattr(world, persona))
    body = {
        "conversation": BODY,
        "plan": {"goals": ["x"]},
        "options": {"service": str(make_service().id)},
    }[tail]
    response = getattr(client, method)(url(episode, tail), body, content_type="application/json")
    assert response.status_code == 404
    assert not Conversation.objects.exists()
