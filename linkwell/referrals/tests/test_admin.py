import pytest

from linkwell.accounts.tests.factories import UserFactory
from linkwell.audit.models import AuditEvent
from linkwell.referrals.services import referral_transition

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser(world):
    return UserFactory(
        username="root",
        role="admin",
        organisation=world.admin.organisation,
        is_staff=True,
        is_superuser=True,
    )


def test_admin_shows_referrals_and_episodes_read_only_and_audits_the_read(
    superuser, client_for, make_referral, world
):
    referral = make_referral()
    referral_transition(referral=referral, to_status="accepted", actor=world.link_worker)
    episode = referral.episode
    client = client_for(superuser)

    assert client.get("/admin/referrals/referral/").status_code == 200
    page = client.get(f"/admin/referrals/referral/{referral.pk}/change/")
    assert page.status_code == 200
    assert referral.reason not in page.content.decode()
    assert client.get(f"/admin/cases/episode/{episode.pk}/change/").status_code == 200
    assert AuditEvent.objects.filter(
        action="read", object_id=str(referral.uuid), detail__via="admin"
    ).exists()
    assert AuditEvent.objects.filter(
        action="read", object_id=str(episode.uuid), detail__via="admin"
    ).exists()

    response = client.post(f"/admin/referrals/referral/{referral.pk}/delete/", {"post": "yes"})
    assert response.status_code == 403
    assert client.get("/admin/referrals/referral/add/").status_code == 403
