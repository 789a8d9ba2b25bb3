"""The revolving-door flag: 3 or more episodes opened in 24 months (both configurable), with the
needs that recur across them."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from linkwell.cases.models import Episode, EpisodeStatus
from linkwell.cases.selectors import (
    RevolvingDoorRule,
    recurring_need_counts,
    revolving_door_for_people,
    revolving_door_rule,
)
from linkwell.cases.selectors.revolving import months_before
from linkwell.cases.tests.factories import EpisodeFactory
from linkwell.conversations.models import Conversation
from linkwell.people.services.merge import person_merge
from linkwell.people.tests.factories import PersonFactory
from linkwell.referrals.tests.factories import ReferralFactory

pytestmark = pytest.mark.django_db

AS_OF = dt.datetime(2026, 11, 20, 10, 0, tzinfo=dt.UTC)


def episode(world, person, number, opened_at, *, needs=(), referral_needs=None, team=None):
    team = team or world.service_team
    referral = None
    if referral_needs is not None:
        referral = ReferralFactory(person=person, team=team, suggested_needs=list(referral_needs))
    made = EpisodeFactory(
        person=person,
        number=number,
        team=team,
        referral=referral,
        opened_at=opened_at,
        status=EpisodeStatus.CLOSED,
        discharge_reason="goals_met",
    )
    if needs:
        Conversation.objects.create(
            episode=made,
            version=1,
            needs=[{"code": code, "priority": 1, "own_words": ""} for code in needs],
        )
    return made


def flags(world, **kwargs):
    pool = Episode.objects.filter(team=world.service_team)
    return revolving_door_for_people(episodes=pool, as_of=AS_OF, **kwargs)


def test_the_rule_comes_from_settings(settings):
    settings.LINKWELL = {
        **settings.LINKWELL,
        "REVOLVING_DOOR_EPISODES": 4,
        "REVOLVING_DOOR_MONTHS": 12,
    }
    assert revolving_door_rule() == RevolvingDoorRule(episodes=4, months=12)


def test_months_before_keeps_the_london_time_and_clamps_short_months():
    # 31 March 12:00 UTC is 13:00 in London (summer time); a month earlier is 28 February 13:00
    # London time, which is 13:00 UTC (winter).
    start = months_before(dt.datetime(2026, 3, 31, 12, 0, tzinfo=dt.UTC), 1)
    assert start.astimezone(dt.UTC) == dt.datetime(2026, 2, 28, 13, 0, tzinfo=dt.UTC)
    assert months_before(AS_OF, 24) == AS_OF.replace(year=2024)


def test_exactly_three_episodes_in_24_months_are_flagged_with_recurring_needs(world):
    person = PersonFactory()
    window_start = AS_OF.replace(year=2024)
    episode(world, person, 1, window_start, needs=["housing", "money"])
    episode(world, person, 2, AS_OF - dt.timedelta(days=300), needs=["housing", "loneliness"])
    episode(world, person, 3, AS_OF - dt.timedelta(days=2), referral_needs=["money", "housing"])

    result = flags(world)

    assert set(result) == {person.pk}
    flag = result[person.pk]
    assert flag.episodes == 3
    # housing is in all three, money in two; loneliness only once, so it does not recur.
    assert flag.recurring_needs == ("housing", "money")
    assert flag.recurring_need_labels == ["Housing", "Money and debt"]


def test_three_episodes_spread_beyond_24_months_are_not_flagged(world):
    person = PersonFactory()
    just_outside = AS_OF.replace(year=2024) - dt.timedelta(seconds=1)
    episode(world, person, 1, just_outside, needs=["housing"])
    episode(world, person, 2, AS_OF - dt.timedelta(days=300), needs=["housing"])
    episode(world, person, 3, AS_OF - dt.timedelta(days=2), needs=["housing"])
    assert flags(world) == {}


def test_two_episodes_are_not_enough_and_a_fourth_is_counted(world):
    two, four = PersonFactory(), PersonFactory()
    for n in (1, 2):
        episode(world, two, n, AS_OF - dt.timedelta(days=30 * n))
    for n in (1, 2, 3, 4):
        episode(world, four, n, AS_OF - dt.timedelta(days=30 * n))
    result = flags(world)
    assert set(result) == {four.pk}
    assert result[four.pk].episodes == 4
    assert result[four.pk].recurring_needs == ()


def test_episodes_opened_after_the_as_of_moment_are_not_counted(world):
    person = PersonFactory()
    for n in (1, 2):
        episode(world, person, n, AS_OF - dt.timedelta(days=30 * n))
    episode(world, person, 3, AS_OF + dt.timedelta(days=1))
    assert flags(world) == {}


def test_a_threshold_of_four_in_twelve_months_is_honoured(world):
    person = PersonFactory()
    for n in (1, 2, 3):
        episode(world, person, n, AS_OF - dt.timedelta(days=90 * n))
    assert set(flags(world)) == {person.pk}
    assert flags(world, rule=RevolvingDoorRule(episodes=4, months=24)) == {}
    assert flags(world, rule=RevolvingDoorRule(episodes=3, months=6)) == {}


def test_merged_records_count_their_episodes_together(world):
    keep = PersonFactory(given_name="Ann", family_name="Shaw")
    other = PersonFactory(given_name="Anne", family_name="Shaw")
    episode(world, keep, 1, AS_OF - dt.timedelta(days=400), needs=["employment"])
    episode(world, keep, 2, AS_OF - dt.timedelta(days=100), needs=["money"])
    episode(world, other, 1, AS_OF - dt.timedelta(days=200), needs=["employment", "money"])
    assert flags(world) == {}

    person_merge(keep=keep, merge=other, actor=world.supervisor)

    result = flags(world)
    assert set(result) == {keep.pk}
    assert result[keep.pk].episodes == 3
    assert result[keep.pk].recurring_needs == ("money", "employment")


def test_only_the_episodes_in_the_pool_are_counted(world):
    """Another service's episodes (and needs) never make, or show in, our flag."""
    person = PersonFactory()
    episode(world, person, 1, AS_OF - dt.timedelta(days=10), needs=["housing"])
    episode(world, person, 2, AS_OF - dt.timedelta(days=20), needs=["food"])
    episode(world, person, 3, AS_OF - dt.timedelta(days=30), needs=["food"], team=world.other_team)
    assert flags(world) == {}
    everywhere = revolving_door_for_people(episodes=Episode.objects.all(), as_of=AS_OF)
    assert everywhere[person.pk].recurring_needs == ("food",)


def test_needs_from_every_conversation_version_and_the_referral_count(world):
    person = PersonFactory()
    first = episode(world, person, 1, AS_OF - dt.timedelta(days=10), needs=["caring"])
    Conversation.objects.create(
        episode=first, version=2, needs=[{"code": "bereavement", "priority": 1, "own_words": ""}]
    )
    episode(world, person, 2, AS_OF - dt.timedelta(days=20), referral_needs=["bereavement"])
    episode(world, person, 3, AS_OF - dt.timedelta(days=30), needs=["caring", "not-a-need"])
    flag = flags(world)[person.pk]
    assert flag.recurring_needs == ("bereavement", "caring")


def test_only_the_people_asked_about_are_looked_at(world, django_assert_max_num_queries):
    asked, other = PersonFactory(), PersonFactory()
    for person in (asked, other):
        for n in (1, 2, 3):
            episode(world, person, n, AS_OF - dt.timedelta(days=30 * n), needs=["money"])
    with django_assert_max_num_queries(2):
        result = flags(world, person_ids=[asked.pk])
    assert set(result) == {asked.pk}
    assert flags(world, person_ids=[]) == {}


def test_recurring_need_counts_rank_the_most_common_first(world):
    people = [PersonFactory() for _ in range(3)]
    for i, person in enumerate(people):
        needs = ["housing", "money"] if i else ["money"]
        for n in (1, 2, 3):
            episode(world, person, n, AS_OF - dt.timedelta(days=30 * n), needs=needs)
    counts = recurring_need_counts(flags(world).values())
    assert counts == [("money", 3), ("housing", 2)]


def test_the_default_as_of_is_now(world):
    person = PersonFactory()
    now = timezone.now()
    for n in (1, 2, 3):
        episode(world, person, n, now - dt.timedelta(days=30 * n))
    pool = Episode.objects.filter(team=world.service_team)
    assert set(revolving_door_for_people(episodes=pool)) == {person.pk}
