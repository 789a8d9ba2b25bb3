"""Change between responses: meaningful change thresholds, ONS4 band moves, Talking Therapies."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.test import override_settings
from django.utils import timezone

from linkwell.outcomes import services
from linkwell.outcomes.change import episode_change, measure_change
from linkwell.outcomes.models import Occasion

pytestmark = pytest.mark.django_db

T0 = timezone.make_aware(dt.datetime(2026, 2, 2, 10, 0))


def _record(world, episode, code, answers, occasion=Occasion.ADHOC, days=0):
    return services.response_record(
        episode=episode,
        instrument_code=code,
        answers=answers,
        occasion=occasion,
        actor=world.link_worker,
        completed_at=T0 + dt.timedelta(days=days),
    )


def _swemwbs(raw):
    answers = [1] * 7
    remaining = raw - 7
    for i in range(7):
        step = min(4, remaining)
        answers[i] += step
        remaining -= step
    return answers


def test_a_swemwbs_metric_rise_of_3_or_more_is_meaningful(world, episode):
    # raw 14 -> 15.32; raw 18 -> 17.43 (change 2.11); raw 19 -> 17.98 (2.66); raw 20 -> 18.59.
    first = _record(world, episode, "swemwbs", _swemwbs(14))
    small = _record(world, episode, "swemwbs", _swemwbs(19), days=30)
    result = measure_change([first, small])
    assert result.change == Decimal("2.66")
    assert result.verdict == "no meaningful change"
    big = _record(world, episode, "swemwbs", _swemwbs(20), days=60)
    result = measure_change([first, small, big])
    assert result.change == Decimal("3.27")
    assert result.verdict == "improved"
    assert result.threshold == Decimal("3")


def test_a_wemwbs_change_of_exactly_3_is_meaningful_by_default(world, episode):
    first = _record(world, episode, "wemwbs", [3] * 14)
    last = _record(world, episode, "wemwbs", [2, 2, 2] + [3] * 11, days=10)
    result = measure_change([first, last])
    assert result.change == Decimal(-3)
    assert result.verdict == "worse"


@override_settings(LINKWELL={"MEANINGFUL_CHANGE": {"wemwbs": 8}})
def test_the_wemwbs_threshold_is_configurable(world, episode):
    first = _record(world, episode, "wemwbs", [3] * 14)
    last = _record(world, episode, "wemwbs", [4] * 5 + [3] * 9, days=10)
    result = measure_change([first, last])
    assert result.change == Decimal(5)
    assert result.threshold == Decimal(8)
    assert result.verdict == "no meaningful change"


def test_baseline_and_discharge_are_compared_when_both_exist(world, episode):
    baseline = _record(world, episode, "swemwbs", _swemwbs(14), Occasion.BASELINE)
    _record(world, episode, "swemwbs", _swemwbs(30), Occasion.REVIEW, days=40)
    discharge = _record(world, episode, "swemwbs", _swemwbs(20), Occasion.DISCHARGE, days=80)
    _record(world, episode, "swemwbs", _swemwbs(10), Occasion.FOLLOW_UP_3M, days=170)
    result = episode_change(episode.questionnaire_responses.all()).measures[0]
    assert (result.first, result.last) == (baseline, discharge)


def test_without_a_discharge_the_first_and_latest_are_compared(world, episode):
    first = _record(world, episode, "swemwbs", _swemwbs(14), Occasion.BASELINE)
    latest = _record(world, episode, "swemwbs", _swemwbs(20), Occasion.REVIEW, days=40)
    result = episode_change(episode.questionnaire_responses.all()).measures[0]
    assert (result.first, result.last) == (first, latest)


def test_incomplete_forms_are_left_out_of_change(world, episode):
    _record(world, episode, "swemwbs", _swemwbs(14))
    _record(world, episode, "swemwbs", [5] * 6 + [None], days=10)
    assert episode_change(episode.questionnaire_responses.all()).measures == ()


def test_ons4_reports_band_moves_per_question(world, episode):
    first = _record(world, episode, "ons4", [3, 5, 9, 8])
    last = _record(world, episode, "ons4", [7, 5, 6, 1], days=20)
    moves = {m.item: m for m in measure_change([first, last]).band_moves}
    assert (moves["life_satisfaction"].before, moves["life_satisfaction"].after) == (
        "low",
        "high",
    )
    assert moves["life_satisfaction"].direction == "better"
    assert moves["worthwhile"].direction == "same"
    assert moves["happiness"].direction == "worse"
    # Anxiety falling from high to very low is better.
    assert moves["anxiety"].direction == "better"


def test_phq9_and_gad7_pairs_give_the_talking_therapies_classifications(world, episode):
    _record(world, episode, "phq9", [2] * 8 + [0], Occasion.BASELINE)  # 16
    _record(world, episode, "gad7", [2] * 6 + [0], Occasion.BASELINE)  # 12
    _record(world, episode, "phq9", [1] * 8 + [0], Occasion.DISCHARGE, days=60)  # 8
    _record(world, episode, "gad7", [1] * 6 + [0], Occasion.DISCHARGE, days=60)  # 6
    change = episode_change(episode.questionnaire_responses.all())
    phq = next(m for m in change.measures if m.instrument_code == "phq9")
    assert phq.change == Decimal(-8)
    assert phq.verdict == "improved"
    tt = change.talking_therapies
    assert tt.caseness_start and not tt.caseness_end
    assert tt.recovery and tt.reliable_recovery
    assert tt.measures == ("phq9", "gad7")


def test_a_single_measure_gives_talking_therapies_for_that_measure(world, episode):
    _record(world, episode, "gad7", [1] * 7, Occasion.BASELINE)  # 7: not a case
    _record(world, episode, "gad7", [2] * 7, Occasion.DISCHARGE, days=60)  # 14
    tt = episode_change(episode.questionnaire_responses.all()).talking_therapies
    assert tt.measures == ("gad7",)
    assert tt.reliable_deterioration
    assert tt.recovery is None
