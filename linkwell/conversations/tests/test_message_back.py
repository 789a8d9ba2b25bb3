import pytest
from django.urls import reverse
from fhir.resources.R4B.composition import Composition

from linkwell.cases.models import Episode
from linkwell.cases.services import episode_transition
from linkwell.conversations.services import conversation_record
from linkwell.people.services import consent_record
from linkwell.referrals.tests.factories import ReferralFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def closed(world, episode):
    referral = ReferralFactory(
        person=episode.person,
        team=world.service_team,
        referring_organisation=world.referrer.organisation,
    )
    Episode.objects.filter(pk=episode.pk).update(referral=referral)
    episode.refresh_from_db()
    conversation_record(
        episode=episode, actor=world.link_worker, needs=[{"code": "money", "priority": 1}]
    )
    return episode_transition(
        episode=episode, to_status="closed", actor=world.link_worker, discharge_reason="goals_met"
    )


def test_referrer_reads_the_message_back_as_page_pdf_and_fhir(world, client_for, closed):
    client = client_for(world.referrer)
    page = client.get(reverse("conversations:message_back", args=[closed.uuid]))
    body = page.content.decode()
    assert page.status_code == 200
    assert "Money and debt" in body and "871731000000106" in body and "Goals met" in body
    pdf = client.get(reverse("conversations:message_back_pdf", args=[closed.uuid]))
    assert pdf.content.startswith(b"%PDF")
    fhir = client.get(f"/fhir/Composition/{closed.uuid}")
    composition = Composition.model_validate(fhir.json())
    assert composition.category[0].coding[0].code == "871731000000106"


def test_the_gp_reads_it_only_with_consent_to_share(world, client_for, closed):
    person = closed.person
    person.gp_practice = world.other_referrer.organisation
    person.save()
    client = client_for(world.other_referrer)
    url = reverse("conversations:message_back", args=[closed.uuid])
    assert client.get(url).status_code == 404
    consent_record(
        person=person, purpose="share_gp", given=True, method="verbal", actor=world.link_worker
    )
    assert client.get(url).status_code == 200


def test_an_open_episode_has_no_message_back_yet(world, client_for, episode):
    response = client_for(world.link_worker).get(
        reverse("conversations:message_back", args=[episode.uuid])
    )
    assert response.status_code == 409


@pytest.mark.parametrize("persona", ["outsider", "other_referrer", "provider", "volunteer"])
def test_outsiders_are_refused(world, client_for, closed, persona):
    client = client_for(getattr(world, persona))
    assert client.get(reverse("conversations:message_back", args=[closed.uuid])).status_code in (
        403,
        404,
    )
    assert client.get(f"/fhir/Composition/{closed.uuid}").status_code in (403, 404)
