"""Shared set-up for the people tests: people on a team's caseload."""

from linkwell.cases.tests.factories import EpisodeFactory
from linkwell.people.tests.factories import PersonFactory
from linkwell.referrals.tests.factories import ReferralFactory


def on_caseload(team, **fields):
    """A person with a referral to ``team``, so its link workers may see them."""
    person = PersonFactory(**fields)
    ReferralFactory(person=person, team=team)
    return person


def with_episode(team, person, **fields):
    return EpisodeFactory(person=person, team=team, **fields)
