import pytest
from django.test import Client

from linkwell.audit.models import AuditEvent
from linkwell.community import services
from linkwell.community.models import Feedback

pytestmark = pytest.mark.django_db


def test_anonymous_feedback_stores_no_identity_in_the_row_or_the_audit(world, client_for):
    org = world.service_team.organisation
    client = client_for(world.volunteer)  # even when someone happens to be signed in
    response = client.post(
        f"/public/community/{org.uuid}/feedback/",
        {
            "kind": "feedback",
            "text": "The cafe group helps",
            "rating": "5",
            "anonymous": "yes",
            "name": "Should not be kept",
            "contact": "07700900123",
        },
        REMOTE_ADDR="203.0.113.9",
    )
    assert response.status_code == 200
    row = Feedback.objects.get()
    assert row.anonymous is True
    assert (row.submitted_by, row.name, row.contact) == (None, "", "")
    stored = {f.attname: getattr(row, f.attname) for f in Feedback._meta.fields}
    assert "203.0.113.9" not in str(stored)
    assert client.session.session_key not in str(stored)
    event = AuditEvent.objects.get(object_id=str(row.uuid))
    assert event.actor_id is None
    assert event.actor_label == ""
    assert event.ip_address is None
    assert event.request_id == ""


def test_public_feedback_form_works_without_signing_in(world):
    org = world.service_team.organisation
    client = Client()
    assert client.get(f"/public/community/{org.uuid}/feedback/").status_code == 200
    response = client.post(f"/public/community/{org.uuid}/feedback/", {"kind": "idea", "text": ""})
    assert response.status_code == 400
    assert "Tell us what you think." in response.content.decode()
    assert not Feedback.objects.exists()


def test_you_said_we_did_page_shows_only_published_entries(world):
    org = world.service_team.organisation
    services.you_said_we_did_create(
        actor=world.link_worker,
        you_said="Too far to travel",
        we_did="New venue in town",
        publish=True,
    )
    services.you_said_we_did_create(actor=world.link_worker, you_said="Draft", we_did="Not yet")
    page = Client().get(f"/public/community/{org.uuid}/you-said-we-did/").content.decode()
    assert "New venue in town" in page
    assert "Not yet" not in page
