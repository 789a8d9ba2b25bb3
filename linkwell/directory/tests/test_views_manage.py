import pytest

from linkwell.accounts.models import OrganisationKind, Role
from linkwell.accounts.tests.factories import OrganisationFactory, UserFactory
from linkwell.directory.models import ListingChange

from .factories import make_organization, make_service

pytestmark = pytest.mark.django_db


@pytest.fixture
def listing(world):
    org = make_organization(
        "Money Matters", linkwell_organisation=world.provider.organisation, edits_need_review=False
    )
    return make_service("Debt advice", organization=org)


def _post_data(**overrides):
    data = {
        "name": "Debt advice",
        "description": "Free help with debts and benefits",
        "status": "active",
        "application_process": "Phone us or drop in.",
        "access": "self_referral",
        "cost": "free",
        "needs": ["money"],
        "delivery_modes": ["face_to_face"],
    }
    data.update(overrides)
    return data


def test_provider_sees_and_edits_own_listing(world, listing, client_for):
    client = client_for(world.provider)
    assert "Debt advice" in client.get("/directory/manage/").content.decode()
    page = client.get(f"/directory/manage/{listing.id}/")
    assert page.status_code == 200
    response = client.post(f"/directory/manage/{listing.id}/", _post_data(name="Money advice"))
    assert response.status_code == 302
    listing.refresh_from_db()
    assert listing.name == "Money advice"


def test_provider_confirms_details(world, listing, client_for):
    response = client_for(world.provider).post(f"/directory/manage/{listing.id}/verify/")
    assert response.status_code == 302
    assert ListingChange.objects.filter(kind="verify").count() == 1


def test_bad_form_shows_an_error_summary_and_changes_nothing(world, listing, client_for):
    response = client_for(world.provider).post(
        f"/directory/manage/{listing.id}/", _post_data(name="")
    )
    assert "There is a problem" in response.content.decode()
    listing.refresh_from_db()
    assert listing.name == "Debt advice"


@pytest.mark.parametrize("persona", ["outsider", "link_worker", "referrer", "commissioner"])
def test_others_are_refused_every_manage_page(world, listing, client_for, persona):
    client = client_for(getattr(world, persona))
    assert client.get("/directory/manage/").status_code == 404
    assert client.get(f"/directory/manage/{listing.id}/").status_code == 404
    assert client.post(f"/directory/manage/{listing.id}/", _post_data(name="X")).status_code == 404
    assert client.post(f"/directory/manage/{listing.id}/verify/").status_code == 404
    assert client.get("/directory/manage/reviews/").status_code == 404


def test_another_provider_cannot_see_the_listing(listing, client_for):
    org = OrganisationFactory(name="Other Charity", kind=OrganisationKind.COMMUNITY_PROVIDER)
    other = UserFactory(username="prov2", organisation=org, role=Role.PROVIDER)
    client = client_for(other)
    assert "Debt advice" not in client.get("/directory/manage/").content.decode()
    assert client.get(f"/directory/manage/{listing.id}/").status_code == 404


def test_manager_approves_a_pending_change(world, listing, client_for):
    listing.organization.edits_need_review = True
    listing.organization.save()
    client_for(world.provider).post(
        f"/directory/manage/{listing.id}/", _post_data(name="Money help")
    )
    change = ListingChange.objects.get(status="pending")
    manager = client_for(world.admin)
    assert "Money help" in manager.get("/directory/manage/reviews/").content.decode()
    manager.post(f"/directory/manage/reviews/{change.uuid}/", {"decision": "approve"})
    listing.refresh_from_db()
    assert listing.name == "Money help"


def test_signed_out_visitors_are_sent_to_sign_in(listing, client):
    response = client.get("/directory/manage/")
    assert response.status_code == 302 and "/accounts/" in response["Location"]
