"""NHS Talking Therapies classifications: every edge case the standards file lists."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from linkwell.common.errors import ApplicationError
from linkwell.outcomes.talking_therapies import talking_therapies_change

# Scoring is pure CPU; on a busy shared test host input generation can look "slow", which says
# nothing about the code under test.
PROPERTY_SETTINGS = settings(suppress_health_check=[HealthCheck.too_slow], deadline=None)


def test_phq9_of_exactly_10_is_caseness_and_9_is_not():
    assert talking_therapies_change(phq9=[10, 10]).caseness_start is True
    assert talking_therapies_change(phq9=[9, 9]).caseness_start is False


def test_gad7_of_exactly_8_is_caseness_and_7_is_not():
    assert talking_therapies_change(gad7=[8, 8]).caseness_start is True
    assert talking_therapies_change(gad7=[7, 7]).caseness_start is False


def test_either_measure_at_caseness_makes_the_referral_a_case():
    result = talking_therapies_change(phq9=[4, 4], gad7=[8, 2])
    assert result.caseness_start is True
    assert result.phq9_caseness_start is False
    assert result.gad7_caseness_start is True


def test_a_phq9_drop_of_exactly_6_is_reliable_and_5_is_not():
    assert talking_therapies_change(phq9=[16, 10]).reliable_improvement is True
    assert talking_therapies_change(phq9=[16, 11]).reliable_improvement is False


def test_a_gad7_drop_of_exactly_4_is_reliable_and_3_is_not():
    assert talking_therapies_change(gad7=[12, 8]).reliable_improvement is True
    assert talking_therapies_change(gad7=[12, 9]).reliable_improvement is False


def test_rises_of_exactly_6_and_4_are_reliable_deterioration_and_5_and_3_are_not():
    assert talking_therapies_change(phq9=[4, 10]).reliable_deterioration is True
    assert talking_therapies_change(phq9=[4, 9]).reliable_deterioration is False
    assert talking_therapies_change(gad7=[3, 7]).reliable_deterioration is True
    assert talking_therapies_change(gad7=[3, 6]).reliable_deterioration is False


def test_one_measure_improving_while_the_other_deteriorates_is_neither():
    result = talking_therapies_change(phq9=[20, 10], gad7=[5, 12])
    assert result.reliable_improvement is False
    assert result.reliable_deterioration is False


def test_a_reliable_drop_with_an_unreliable_rise_on_the_other_is_improvement():
    result = talking_therapies_change(phq9=[20, 12], gad7=[10, 13])
    assert result.reliable_improvement is True
    assert result.reliable_deterioration is False


def test_recovery_needs_both_measures_below_caseness_at_the_end():
    recovered = talking_therapies_change(phq9=[15, 9], gad7=[12, 7])
    assert recovered.recovery is True
    assert recovered.reliable_recovery is True
    still_anxious = talking_therapies_change(phq9=[15, 9], gad7=[12, 8])
    assert still_anxious.recovery is False
    assert still_anxious.reliable_recovery is False


def test_recovery_without_reliable_improvement_is_not_reliable_recovery():
    result = talking_therapies_change(phq9=[11, 9], gad7=[8, 7])
    assert result.recovery is True
    assert result.reliable_improvement is False
    assert result.reliable_recovery is False


def test_not_a_case_at_the_start_is_excluded_from_recovery():
    result = talking_therapies_change(phq9=[9, 2], gad7=[7, 1])
    assert result.caseness_start is False
    assert result.in_recovery_denominator is False
    assert result.recovery is None
    assert result.reliable_recovery is None
    # Reliable change is still reported.
    assert result.reliable_improvement is True


def test_one_measure_only_uses_that_measure_alone():
    result = talking_therapies_change(phq9=[18, 8])
    assert result.measures == ("phq9",)
    assert result.gad7_caseness_start is None
    assert result.gad7_change is None
    assert result.recovery is True
    assert result.reliable_recovery is True
    gad_only = talking_therapies_change(gad7=[10, 9])
    assert gad_only.measures == ("gad7",)
    assert gad_only.caseness_end is True
    assert gad_only.recovery is False


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({}, "at least one measure"),
        ({"phq9": [10]}, "pair"),
        ({"phq9": [10, 28]}, "last phq9 total"),
        ({"gad7": [-1, 3]}, "first gad7 total"),
        ({"gad7": [22, 3]}, "from 0 to 21"),
        ({"phq9": ["10", 3]}, "first phq9"),
        ({"phq9": [True, 3]}, "first phq9"),
    ],
)
def test_bad_pairs_are_refused_with_a_clear_message(kwargs, fragment):
    with pytest.raises(ApplicationError) as excinfo:
        talking_therapies_change(**kwargs)
    assert fragment in excinfo.value.message


@PROPERTY_SETTINGS
@given(
    phq=st.tuples(st.integers(0, 27), st.integers(0, 27)),
    gad=st.tuples(st.integers(0, 21), st.integers(0, 21)),
)
def test_improvement_and_deterioration_are_never_both_true(phq, gad):
    result = talking_therapies_change(phq9=list(phq), gad7=list(gad))
    assert not (result.reliable_improvement and result.reliable_deterioration)
    if result.reliable_recovery:
        assert result.recovery and result.reliable_improvement
    assert (result.recovery is None) == (not result.caseness_start)
