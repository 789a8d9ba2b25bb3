import pytest

from linkwell.audit.models import AuditEvent
from linkwell.conversations.services import conversation_record, option_decide, option_offer
from linkwell.directory.tests.factories import OUTSKIRTS, make_service

pytestmark = pytest.mark.django_db

SUGGEST = "/api/v1/needs/suggest"


def matches_url(episode):
    return f"/api/v1/episodes/{episode.uuid}/matches"


def test_suggest_returns_codes_and_scores_best_first(world, client_for):
    response = client_for(world.link_worker).post(
        SUGGEST,
        {"text": "Behind on the rent and the landlord wants us out"},
        content_type="application/json",
    )
    assert response.status_code == 200
    suggestions = response.json()["suggestions"]
    assert suggestions[0]["code"] == "housing"
    assert set(suggestions[0]) == {"code", "score"}


def test_suggest_refuses_empty_text_with_a_clear_message(world, client_for):
    response = client_for(world.referrer).post(
        SUGGEST, {"text": "   "}, content_type="application/json"
    )
    assert response.status_code == 400
    assert "Write some words" in response.json()["message"]


@pytest.mark.parametrize("persona", ["provider", "volunteer", "commissioner"])
def test_suggest_is_for_staff_and_referrers_only(world, client_for, persona):
    response = client_for(getattr(world, persona)).post(
        SUGGEST, {"text": "debt"}, content_type="application/json"
    )
    assert response.status_code == 403


def test_suggest_needs_sign_in(client):
    assert (
        client.post(SUGGEST, {"text": "debt"}, content_type="application/json").status_code == 401
    )


def test_matches_ranked_with_reasons_and_one_audited_read(world, client_for, episode):
    conversation_record(
        episode=episode,
        actor=world.link_worker,
        needs=[{"code": "money", "priority": 1}, {"code": "housing", "priority": 2}],
        preferences={"delivery_modes": ["face_to_face"], "max_travel_km": 5},
    )
    both = make_service("Money and housing advice", needs=("money", "housing"))
    money = make_service("Debt line", needs=("money",))
    make_service("Far away debt advice", needs=("money",), at=OUTSKIRTS)
    make_service("Closed debt advice", needs=("money",), status="inactive")
    make_service("Stale debt advice", needs=("money",), verified_days_ago=900)
    make_service("Walking group", needs=("physical_activity",))
    before = AuditEvent.objects.filter(action="read").count()
    response = client_for(world.link_worker).get(matches_url(episode))
    assert response.status_code == 200
    body = response.json()
    assert [m["name"] for m in body["matches"]] == [both.name, money.name]
    assert body["matches"][0]["reasons_text"] == (
        "meets money and housing · very close · face to face · free"
    )
    assert body["considered"] == 2
    assert AuditEvent.objects.filter(action="read").count() == before + 1


def test_declined_services_sink(world, client_for, episode):
    conversation_record(
        episode=episode, actor=world.link_worker, needs=[{"code": "money", "priority": 1}]
    )
    first = make_service("A debt advice", needs=("money",))
    make_service("B debt advice", needs=("money",), cost="paid")
    option = option_offer(episode=episode, actor=world.link_worker, service_id=first.id)
    option_decide(option=option, actor=world.link_worker, status="declined")
    body = client_for(world.link_worker).get(matches_url(episode)).json()
    assert body["matches"][-1]["name"] == "A debt advice"
    assert body["matches"][-1]["declined_before"]


def test_matches_need_a_conversation_first(world, client_for, episode):
    response = client_for(world.link_worker).get(matches_url(episode))
    assert response.status_code == 409
    assert "Record what matters" in response.json()["message"]


@pytest.mark.parametrize("persona", ["outsider", "referrer", "provider", "volunteer"])
def test_outsiders_cannot_see_matches(world, client_for, episode, persona):
    conversation_record(
        episode=episode, actor=world.link_worker, needs=[{"code": "money", "priority": 1}]
    )
    response = client_for(getattr(world, persona)).get(matches_url(episode))
    assert response.status_code == 404
