import datetime as dt

import pytest
from django.utils import timezone

from linkwell.accounts.models import Organisation, OrganisationKind
from linkwell.common.demo import discover_builders, load_demo
from linkwell.directory.models import Organization, ServiceProfile
from linkwell.directory.search import OfflineGeocoder
from linkwell.directory.selectors import service_search

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(db):
    builders = [b for b in discover_builders() if b.app_label in ("accounts", "directory")]
    return load_demo(people=1, seed=11, builders=builders)


def test_every_community_provider_gets_listings_with_places_times_and_needs(demo):
    providers = Organisation.objects.filter(kind=OrganisationKind.COMMUNITY_PROVIDER)
    assert providers.exists()
    for provider in providers:
        [organization] = Organization.objects.filter(linkwell_organisation=provider)
        services = list(organization.services.all())
        assert 1 <= len(services) <= 3
        for service in services:
            assert service.needs_met.exists() and service.delivery_modes.exists()
            assert service.schedules.exists()
    assert service_search(query="debt").total >= 1


def test_some_demo_listings_are_stale_for_the_freshness_rules(demo):
    old = timezone.now() - dt.timedelta(days=182)
    assert ServiceProfile.objects.filter(verified_at__lt=old).exists()
    assert ServiceProfile.objects.filter(verified_at__gte=old).count() > 10


def test_demo_postcodes_give_distances(demo):
    assert OfflineGeocoder().locate("LS7 3QD") is not None
