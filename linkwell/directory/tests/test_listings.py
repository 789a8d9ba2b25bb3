import datetime as dt

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from linkwell.accounts.models import OrganisationKind, Role
from linkwell.accounts.tests.factories import OrganisationFactory, UserFactory
from linkwell.common.errors import Conflict, Forbidden
from linkwell.directory.models import ListingChange, ReviewStatus, ServiceProfile
from linkwell.directory.selectors import service_search
from linkwell.directory.services import (
    directory_freshness_sweep,
    listing_change_review,
    listing_edit,
    listing_verify,
)

from .factories import make_organization, make_service

pytestmark = pytest.mark.django_db


@pytest.fixture
def listing(world):
    org = make_organization(
        "Money Matters", linkwell_organisation=world.provider.organisation, edits_need_review=False
    )
    return make_service("Debt advice", organization=org, verified_days_ago=100)


@pytest.fixture
def other_provider(db):
    org = OrganisationFactory(name="Other Charity", kind=OrganisationKind.COMMUNITY_PROVIDER)
    return UserFactory(username="prov2", organisation=org, role=Role.PROVIDER)


def test_provider_edit_goes_live_and_counts_as_verification(world, listing):
    change = listing_edit(
        service=listing,
        actor=world.provider,
        changes={"description": "Debt and benefits advice", "needs": ["money", "housing"]},
    )
    listing.refresh_from_db()
    assert change.status == "live"
    assert listing.description == "Debt and benefits advice"
    assert sorted(listing.needs_met.values_list("need", flat=True)) == ["housing", "money"]
    assert change.changes["description"][0] == "Free help with debts and benefits"
    profile = ServiceProfile.objects.get(service=listing)
    assert timezone.now() - profile.verified_at < dt.timedelta(minutes=1)
    assert service_search(query="benefits").total == 1


def test_edit_waits_for_review_when_the_organisation_asks_for_it(world, listing):
    listing.organization.edits_need_review = True
    listing.organization.save()
    change = listing_edit(service=listing, actor=world.provider, changes={"name": "Money help"})
    listing.refresh_from_db()
    assert change.status == "pending" and listing.name == "Debt advice"
    listing_change_review(change=change, actor=world.admin, approve=True)
    listing.refresh_from_db()
    assert listing.name == "Money help"
    change.refresh_from_db()
    assert change.status == "approved" and change.reviewed_by == world.admin
    with pytest.raises(Conflict):
        listing_change_review(change=change, actor=world.admin, approve=True)


def test_rejection_needs_a_reason_and_keeps_the_listing(world, listing):
    listing.organization.edits_need_review = True
    listing.organization.save()
    change = listing_edit(service=listing, actor=world.provider, changes={"name": "Money help"})
    with pytest.raises(ValidationError):
        listing_change_review(change=change, actor=world.admin, approve=False)
    listing_change_review(change=change, actor=world.admin, approve=False, note="Name is wrong")
    listing.refresh_from_db()
    assert listing.name == "Debt advice"
    assert ListingChange.objects.get(pk=change.pk).status == "rejected"


def test_only_directory_managers_review(world, listing):
    listing.organization.edits_need_review = True
    listing.organization.save()
    change = listing_edit(service=listing, actor=world.provider, changes={"name": "Money help"})
    with pytest.raises(Forbidden):
        listing_change_review(change=change, actor=world.provider, approve=True)


@pytest.mark.parametrize("persona", ["outsider", "link_worker", "referrer", "volunteer"])
def test_people_outside_the_provider_cannot_edit_or_verify(world, listing, persona):
    user = getattr(world, persona)
    with pytest.raises(Forbidden):
        listing_edit(service=listing, actor=user, changes={"name": "Hijacked"})
    with pytest.raises(Forbidden):
        listing_verify(service=listing, actor=user)


def test_another_provider_cannot_edit(listing, other_provider):
    with pytest.raises(Forbidden):
        listing_edit(service=listing, actor=other_provider, changes={"name": "Hijacked"})


def test_bad_edits_change_nothing(world, listing):
    with pytest.raises(ValidationError):
        listing_edit(service=listing, actor=world.provider, changes={"status": "open"})
    with pytest.raises(ValidationError):
        listing_edit(service=listing, actor=world.provider, changes={"needs": ["astrology"]})
    with pytest.raises(ValidationError):
        listing_edit(
            service=listing,
            actor=world.provider,
            changes={"minimum_age": 70.0, "maximum_age": 18.0},
        )
    listing.refresh_from_db()
    assert listing.status == "active" and not ListingChange.objects.exists()


def test_status_change_takes_the_listing_out_of_public_search(world, listing):
    listing_edit(service=listing, actor=world.provider, changes={"status": "defunct"})
    assert service_search().total == 0


def test_sweep_marks_due_reminds_once_and_expires(world, listing):
    world.provider.email = "prov@example.org"
    world.provider.save()
    old = make_service("Lunch club", organization=listing.organization, verified_days_ago=400)
    now = timezone.now() + dt.timedelta(days=90)  # listing is now 190 days unverified
    report = directory_freshness_sweep(now=now)
    assert report.due == 1 and report.expired == 1
    assert ServiceProfile.objects.get(service=listing).review_status == ReviewStatus.DUE
    assert ServiceProfile.objects.get(service=old).review_status == ReviewStatus.EXPIRED
    assert report.reminders == 1
    assert directory_freshness_sweep(now=now).reminders == 0  # once until verified again
    listing_verify(service=listing, actor=world.provider)
    assert ServiceProfile.objects.get(service=listing).review_status == ReviewStatus.CURRENT


def test_sweep_reminder_email_reaches_the_provider(
    world, listing, django_capture_on_commit_callbacks
):
    world.provider.email = "prov@example.org"
    world.provider.save()
    with django_capture_on_commit_callbacks(execute=True):
        directory_freshness_sweep(now=timezone.now() + dt.timedelta(days=90))
    assert mail.outbox[0].to == ["prov@example.org"]
    assert "Debt advice" in mail.outbox[0].body


def test_the_periodic_task_runs_the_sweep(listing):
    from linkwell.directory.tasks import directory_freshness

    assert directory_freshness.call_local() == {"due": 0, "expired": 0, "reminders": 0}
