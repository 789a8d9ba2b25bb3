import pytest

from linkwell.cases.services import episode_open
from linkwell.directory.models import Postcode
from linkwell.directory.tests.factories import CITY
from linkwell.people.tests.factories import PersonFactory


@pytest.fixture
def episode(world):
    Postcode.objects.get_or_create(
        postcode="LS11AA", defaults={"latitude": CITY[0], "longitude": CITY[1]}
    )
    return episode_open(
        person=PersonFactory(given_name="Jo", family_name="Bloggs", postcode="LS1 1AA"),
        team=world.service_team,
        actor=world.link_worker,
        link_worker=world.link_worker,
    )


@pytest.fixture
def provider_service(world):
    from linkwell.directory.tests.factories import make_organization, make_service

    org = make_organization("Money Matters", linkwell_organisation=world.provider.organisation)
    return make_service("Money Matters debt advice", organization=org)
