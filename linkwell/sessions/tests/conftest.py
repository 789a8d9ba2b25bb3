import datetime as dt

import pytest
from django.utils import timezone

from linkwell.cases.services import episode_open
from linkwell.people.tests.factories import PersonFactory


@pytest.fixture
def episode(world):
    return episode_open(
        person=PersonFactory(),
        team=world.service_team,
        actor=world.link_worker,
        link_worker=world.link_worker,
    )


@pytest.fixture
def past():
    return timezone.now() - dt.timedelta(days=1)
