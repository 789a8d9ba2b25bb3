import pytest

from linkwell.cases.tests.factories import EpisodeFactory


@pytest.fixture
def episode(world):
    """An episode on the service team's caseload, held by the link worker."""
    return EpisodeFactory(team=world.service_team, link_worker=world.link_worker)


@pytest.fixture
def other_episode(world):
    """An episode in the outsider's team."""
    return EpisodeFactory(team=world.other_team, link_worker=world.outsider)
