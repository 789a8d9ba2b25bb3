"""Ranking rules on crafted facts: no database."""

import uuid

import pytest

from linkwell.matching.engine import MatchProfile, ServiceFacts, rank, score_service

HOME = (53.80, -1.55)
NEAR = (53.81, -1.55)  # about 1.1 km north
FAR = (54.00, -1.55)  # about 22 km north


def facts(name="Debt advice", **kw):
    base = {
        "id": uuid.uuid4(),
        "name": name,
        "organization": "Advice Org",
        "needs": {"money"},
        "modes": {"face_to_face"},
        "places": [NEAR],
        "cost": "free",
    }
    base.update(kw)
    return ServiceFacts(**base)


def profile(**kw):
    base = {"needs": (("money", 1),), "origin": HOME}
    base.update(kw)
    return MatchProfile(**base)


def test_reasons_read_in_plain_words():
    match = score_service(
        profile(needs=(("money", 1), ("housing", 2)), modes=frozenset({"telephone"})),
        facts(
            needs={"money", "housing"}, modes={"telephone", "face_to_face"}, typical_wait_days=10
        ),
    )
    assert match.reasons_text == (
        "meets money and housing · 1.1 km · face to face or phone · free · "
        "usually seen within 2 weeks"
    )


def test_a_service_meeting_no_need_is_left_out():
    assert score_service(profile(), facts(needs={"food"})) is None


def test_too_far_without_remote_delivery_is_left_out_but_phone_is_kept():
    assert score_service(profile(max_travel_km=5), facts(places=[FAR])) is None
    kept = score_service(profile(max_travel_km=5), facts(places=[FAR], modes={"telephone"}))
    assert kept is not None and "km" not in kept.reasons_text


def test_home_visits_reach_further():
    assert score_service(profile(max_travel_km=12), facts(places=[FAR], modes={"home_visit"}))


@pytest.mark.parametrize(
    "person, service, eligible",
    [
        ({"age": 30}, {"minimum_age": 50}, False),
        ({"age": 70}, {"maximum_age": 25}, False),
        ({"age": None}, {"minimum_age": 50}, True),
        ({"sex": "male"}, {"communities": ("women",)}, False),
        ({"sex": "female"}, {"communities": ("women",)}, True),
        ({"sex": "unknown"}, {"communities": ("women",)}, True),
        ({}, {"communities": ("carers",)}, False),
        ({"needs": (("money", 1), ("caring", 2))}, {"communities": ("carers",)}, True),
        ({"ethnic_category": "A"}, {"communities": ("bame",)}, False),
        ({"ethnic_category": "N"}, {"communities": ("bame",)}, True),
    ],
)
def test_eligibility_is_a_hard_filter(person, service, eligible):
    assert (score_service(profile(**person), facts(**service)) is not None) == eligible


def test_more_needs_met_ranks_higher():
    p = profile(needs=(("money", 1), ("housing", 1)))
    one = facts("One need")
    both = facts("Both needs", needs={"money", "housing"})
    _, ranked = rank(p, [one, both])
    assert [m.name for m in ranked] == ["Both needs", "One need"]


def test_higher_priority_need_weighs_more():
    p = profile(needs=(("money", 1), ("food", 3)))
    food = facts("Food", needs={"food"})
    money = facts("Money", needs={"money"})
    assert [m.name for m in rank(p, [food, money])[1]] == ["Money", "Food"]


def test_preferred_delivery_mode_and_nearer_rank_higher():
    p = profile(modes=frozenset({"telephone"}))
    phone = facts("Phone line", modes={"telephone"}, places=[])
    near = facts("Drop in", modes={"face_to_face"})
    ranked = rank(p, [near, phone])[1]
    assert ranked[0].name == "Phone line"
    assert "not offered the way they prefer" in ranked[1].cautions


def test_declined_before_sinks_and_says_so():
    declined = facts("Said no")
    other = facts("Other", cost="paid")
    ranked = rank(profile(declined=frozenset({declined.id})), [declined, other])[1]
    assert ranked[-1].name == "Said no"
    assert "they said no to this before" in ranked[-1].cautions
    assert ranked[-1].declined_before


def test_language_spoken_helps_and_missing_language_is_said():
    p = profile(language="Polish")
    polish = facts("Polski", languages={"pl", "polish"})
    english = facts("English only", languages={"en"})
    ranked = rank(p, [english, polish])[1]
    assert ranked[0].name == "Polski" and "in Polish" in ranked[0].reasons
    assert "not known to offer Polish" in ranked[1].cautions


def test_capacity_and_wait():
    full = score_service(profile(), facts(capacity=0, typical_wait_days=60))
    assert "no places at the moment" in full.cautions
    assert "usually a wait of about 9 weeks" in full.cautions
    quick = score_service(profile(), facts(capacity=5, typical_wait_days=5))
    assert "usually seen within a week" in quick.reasons
    assert quick.score > full.score


def test_opening_days_and_times_against_availability():
    p = profile(days=frozenset({0, 2}), times=frozenset({"evening"}))
    evenings = facts("Evenings", schedules=[(frozenset({"MO"}), "18:00", "20:00")])
    mornings = facts("Mornings", schedules=[(frozenset({"MO", "WE"}), "09:00", "12:00")])
    assert "open Mon" in score_service(p, evenings).reasons
    assert "not open when they are free" in score_service(p, mornings).cautions


def test_mental_health_label_avoided_when_asked():
    labelled = facts("Mental health drop-in")
    p = profile(avoid_mental_health_label=True)
    assert 'carries a "mental health" label' in score_service(p, labelled).cautions
    assert score_service(profile(), labelled).cautions == []


def test_group_or_one_to_one():
    group = facts("Walking group")
    assert "a group" in score_service(profile(group="group"), group).reasons
    assert score_service(profile(group="one_to_one"), group).cautions


def test_without_a_home_location_only_remote_services_match():
    p = profile(origin=None)
    assert score_service(p, facts()) is None
    assert score_service(p, facts(modes={"video"})) is not None


def test_rank_keeps_the_given_order_between_equal_services_however_many_are_asked_for():
    p = profile(needs=(("money", 1), ("food", 3)))
    same = [facts("Same", places=[NEAR]) for _ in range(6)]
    better = facts("Better", needs={"money", "food"})
    given = [*same[:3], better, *same[3:]]
    for limit in (1, 2, 4, 7):
        considered, ranked = rank(p, given, limit=limit)
        assert considered == 7
        assert [m.service_id for m in ranked] == [better.id, *[f.id for f in same]][:limit]
