import pytest
from django.urls import reverse

from linkwell.connections.models import Connection
from linkwell.connections.services import connection_create
from linkwell.conversations.services import conversation_record, option_decide, option_offer

pytestmark = pytest.mark.django_db


def test_chosen_option_can_be_referred_from_the_matches_page(
    world, client_for, episode, provider_service
):
    conversation_record(
        episode=episode, actor=world.link_worker, needs=[{"code": "money", "priority": 1}]
    )
    option = option_offer(episode=episode, actor=world.link_worker, service_id=provider_service.id)
    option_decide(option=option, actor=world.link_worker, status="chosen")
    client = client_for(world.link_worker)
    page = client.get(reverse("conversations:matches", args=[episode.uuid])).content.decode()
    assert "Refer them to Money Matters debt advice" in page
    response = client.post(
        reverse("connections:create", args=[episode.uuid]), {"service": str(provider_service.id)}
    )
    connection = Connection.objects.get()
    assert response.status_code == 302 and response.url == reverse(
        "connections:detail", args=[connection.uuid]
    )


def test_provider_inbox_and_answer(world, client_for, episode, provider_service):
    c = connection_create(episode=episode, service_id=provider_service.id, actor=world.link_worker)
    client = client_for(world.provider)
    inbox = client.get(reverse("connections:inbox")).content.decode()
    assert "Money Matters debt advice" in inbox
    detail = client.get(reverse("connections:detail", args=[c.uuid])).content.decode()
    assert "The link worker will introduce you" in detail
    client.post(
        reverse("connections:answer", args=[c.uuid]),
        {"action": "decline", "decline_reason": "no_capacity"},
    )
    c.refresh_from_db()
    assert c.status == "rejected" and c.decline_reason == "no_capacity"


def test_a_decline_without_a_reason_changes_nothing(world, client_for, episode, provider_service):
    c = connection_create(episode=episode, service_id=provider_service.id, actor=world.link_worker)
    client_for(world.provider).post(
        reverse("connections:answer", args=[c.uuid]), {"action": "decline"}
    )
    c.refresh_from_db()
    assert c.status == "requested"


@pytest.mark.parametrize("persona", ["outsider", "other_referrer", "volunteer", "commissioner"])
def test_outsiders_are_refused_on_every_page(world, client_for, episode, provider_service, persona):
    c = connection_create(episode=episode, service_id=provider_service.id, actor=world.link_worker)
    client = client_for(getattr(world, persona))
    assert client.get(reverse("connections:detail", args=[c.uuid])).status_code in (403, 404)
    answer = client.post(reverse("connections:answer", args=[c.uuid]), {"action": "accept"})
    assert answer.status_code in (403, 404)
    c.refresh_from_db()
    assert c.status == "requested"
