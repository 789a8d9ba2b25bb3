import pytest

from linkwell.accounts.models import Role
from linkwell.accounts.tests.factories import OrganisationFactory, UserFactory
from linkwell.connections.services import connection_create

pytestmark = pytest.mark.django_db

URL = "/api/v1/connections"


def test_refer_then_provider_answers_and_link_worker_polls(
    world, client_for, episode, provider_service
):
    staff = client_for(world.link_worker)
    made = staff.post(
        URL,
        {"episode": str(episode.uuid), "service": str(provider_service.id)},
        content_type="application/json",
    )
    assert made.status_code == 201
    uuid = made.json()["uuid"]
    provider = client_for(world.provider)
    assert [c["uuid"] for c in provider.get(URL).json()] == [uuid]
    accepted = provider.post(
        f"{URL}/{uuid}/transition", {"status": "accepted"}, content_type="application/json"
    )
    assert accepted.json()["status"] == "accepted"
    polled = staff.get(f"{URL}/{uuid}").json()
    assert polled["status"] == "accepted"
    assert [h["to_status"] for h in polled["history"]] == ["requested", "accepted"]


def test_bad_transition_gets_409_and_the_error_shape(world, client_for, episode, provider_service):
    c = connection_create(episode=episode, service_id=provider_service.id, actor=world.link_worker)
    response = client_for(world.provider).post(
        f"{URL}/{c.uuid}/transition", {"status": "completed"}, content_type="application/json"
    )
    assert response.status_code == 409
    assert set(response.json()) == {"message", "extra"}


def test_the_original_referrer_sees_the_status_but_not_the_details(
    world, client_for, episode, provider_service
):
    from linkwell.cases.models import Episode
    from linkwell.referrals.tests.factories import ReferralFactory

    referral = ReferralFactory(
        person=episode.person,
        team=world.service_team,
        referring_organisation=world.referrer.organisation,
    )
    Episode.objects.filter(pk=episode.pk).update(referral=referral)
    c = connection_create(episode=episode, service_id=provider_service.id, actor=world.link_worker)
    seen = client_for(world.referrer).get(f"{URL}/{c.uuid}").json()
    assert seen["status"] == "requested" and seen["shared"] is None
    assert client_for(world.other_referrer).get(f"{URL}/{c.uuid}").status_code == 404


@pytest.mark.parametrize("persona", ["outsider", "volunteer", "commissioner", "other_provider"])
def test_outsiders_are_refused(world, client_for, episode, provider_service, persona):
    other = UserFactory(username="op", role=Role.PROVIDER, organisation=OrganisationFactory())
    user = other if persona == "other_provider" else getattr(world, persona)
    c = connection_create(episode=episode, service_id=provider_service.id, actor=world.link_worker)
    client = client_for(user)
    assert client.get(f"{URL}/{c.uuid}").status_code == 404
    assert client.get(URL).json() == []
    answer = client.post(
        f"{URL}/{c.uuid}/transition", {"status": "accepted"}, content_type="application/json"
    )
    assert answer.status_code == 404
    made = client.post(
        URL,
        {"episode": str(episode.uuid), "service": str(provider_service.id)},
        content_type="application/json",
    )
    assert made.status_code in (403, 404)
