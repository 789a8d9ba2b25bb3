import pytest

from linkwell.cases.tests.factories import EpisodeFactory


@pytest.fixture
def episode(world):
    """An episode on the service team's caseload, held by the link worker.

    The person's name is one no page, message or email could hold by chance (a generated family
    name such as "North" or "Page" may be part of other words), so tests that check it is not
    shown can fail only when it is."""
    return EpisodeFactory(
        team=world.service_team,
        link_worker=world.link_worker,
        person__given_name="Philippa",
        person__family_name="Quarringtonne",
    )


@pytest.fixture
def other_episode(world):
    """An episode in the outsider's team."""
    return EpisodeFactory(team=world.other_team, link_worker=world.outsider)
