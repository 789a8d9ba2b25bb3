"""best_matches (what the matches page and API use) gives the same count, proposals, order, scores
and reasons as ranking every candidate's facts (rank over candidate_facts) and as the reference
ranking from the directory's tables."""

import dataclasses
import random

import pytest
from django.utils import timezone

from linkwell.directory.models import Service
from linkwell.directory.tests.factories import CITY, make_service
from linkwell.matching.engine import MatchProfile, best_matches, candidate_facts, rank
from linkwell.matching.index import match_index_rebuild

from . import reference
from .test_index import generate_directory, random_profile

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("seed", [4, 5, 6])
def test_best_matches_ranks_like_every_candidate_scored(seed):
    rng = random.Random(seed)
    generate_directory(rng, 250)
    match_index_rebuild()
    ids = list(Service.objects.values_list("id", flat=True))
    now = timezone.now()
    compared = declined_seen = 0
    for _ in range(60):
        profile = random_profile(rng, ids)
        facts = candidate_facts(profile, now=now)
        if facts and rng.random() < 0.5:
            # Decline some of the candidates themselves, so their penalty is compared too.
            chosen = rng.sample([f.id for f in facts], k=min(3, len(facts)))
            profile = dataclasses.replace(profile, declined=frozenset(chosen))
        slow = reference.candidate_facts(profile, now=now)
        for limit in (1, 5, 20, 1000):
            expected = rank(profile, facts, limit=limit)
            assert best_matches(profile, now=now, limit=limit) == expected
            assert expected == reference.rank(profile, slow, limit=limit)
        full = best_matches(profile, now=now, limit=1000)[1]
        declined_seen += sum(m.declined_before for m in full)
        compared += len(full)
    assert compared > 500
    assert declined_seen > 10


def test_best_matches_keeps_the_database_order_between_equal_services():
    for _ in range(5):
        make_service("Same", needs=("money",), modes=("face_to_face",), at=CITY)
    better = make_service("Better", needs=("money", "food"), modes=("telephone",), at=CITY)
    profile = MatchProfile(needs=(("money", 1), ("food", 3)), origin=CITY)
    now = timezone.now()
    for limit in (1, 2, 4, 6):
        considered, ranked = best_matches(profile, now=now, limit=limit)
        assert (considered, ranked) == rank(profile, candidate_facts(profile, now=now), limit=limit)
        assert considered == 6
        assert ranked[0].service_id == better.id
