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


def test_feedback_from_a_service_link_is_tied_to_that_service(world):
    org = world.service_team.organisation
    about = "6f1c2f9e-2d5b-4a55-9d38-0d7f6f5f9a11"
    client = Client()
    form = client.get(f"/public/community/{org.uuid}/feedback/?about={about}").content.decode()
    assert f'value="{about}"' in form
    client.post(
        f"/public/community/{org.uuid}/feedback/",
        {"kind": "feedback", "text": "Good group", "about": about},
    )
    assert str(Feedback.objects.get().about_service_uuid) == about
    broken = client.post(
        f"/public/community/{org.uuid}/feedback/", {"kind": "idea", "text": "x", "about": "nope"}
    )
    assert broken.status_code == 400
    assert Feedback.objects.count() == 1
