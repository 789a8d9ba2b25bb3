"""Every instrument against its published table and bands, boundaries included."""

from __future__ import annotations

import csv
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from linkwell.common.errors import NotFound
from linkwell.outcomes.instruments import REGISTRY, InvalidAnswers, get_instrument
from linkwell.outcomes.instruments.swemwbs import CONVERSION, CONVERSION_CSV, load_conversion_table

# Scoring is pure CPU; on a busy shared test host input generation can look "slow", which says
# nothing about the code under test.
PROPERTY_SETTINGS = settings(suppress_health_check=[HealthCheck.too_slow], deadline=None)


def _answers_summing_to(instrument_code: str, total: int) -> list[int]:
    """A complete form whose items sum to ``total`` (filling items from the first)."""
    instrument = get_instrument(instrument_code)
    low = min(instrument.items[0].values)
    high = max(instrument.items[0].values)
    answers = [low] * len(instrument.items)
    remaining = total - low * len(instrument.items)
    for i in range(len(answers)):
        step = min(high - low, remaining)
        answers[i] += step
        remaining -= step
    assert remaining == 0
    return answers


def test_the_packaged_swemwbs_table_equals_the_shared_standard(shared_dir):
    with (shared_dir / "standards" / "swemwbs_conversion.csv").open(newline="") as fh:
        shared = {int(r["raw_score"]): Decimal(r["metric_score"]) for r in csv.DictReader(fh)}
    assert load_conversion_table(CONVERSION_CSV) == shared
    assert shared == CONVERSION


def test_the_swemwbs_table_is_strictly_increasing_with_fixed_ends():
    raws = sorted(CONVERSION)
    assert raws == list(range(7, 36))
    assert len(raws) == 29
    assert CONVERSION[7] == Decimal("7.00")
    assert CONVERSION[35] == Decimal("35.00")
    assert all(CONVERSION[a] < CONVERSION[a + 1] for a in range(7, 35))
    # The one disputed row: 29 maps to 26.02, not 25.99.
    assert CONVERSION[29] == Decimal("26.02")


@pytest.mark.parametrize(
    ("raw", "metric"),
    [
        (7, "7.00"), (8, "9.51"), (9, "11.25"), (10, "12.40"), (11, "13.33"), (12, "14.08"),
        (13, "14.75"), (14, "15.32"), (15, "15.84"), (16, "16.36"), (17, "16.88"),
        (18, "17.43"), (19, "17.98"), (20, "18.59"), (21, "19.25"), (22, "19.98"),
        (23, "20.73"), (24, "21.54"), (25, "22.35"), (26, "23.21"), (27, "24.11"),
        (28, "25.03"), (29, "26.02"), (30, "27.03"), (31, "28.13"), (32, "29.31"),
        (33, "30.70"), (34, "32.55"), (35, "35.00"),
    ],
)  # fmt: skip
def test_swemwbs_reports_the_published_metric_for_every_raw_total(raw, metric):
    score = get_instrument("swemwbs").score(_answers_summing_to("swemwbs", raw))
    assert score.complete
    assert score.total == raw
    assert score.metric == Decimal(metric)


def test_an_incomplete_swemwbs_gets_no_raw_or_metric_score():
    score = get_instrument("swemwbs").score([5, 5, 5, 5, 5, 5, None])
    assert not score.complete
    assert score.answered == 6
    assert score.total is None
    assert score.metric is None
    assert "all 7 items" in score.note


@pytest.mark.parametrize("total", [14, 15, 42, 69, 70])
def test_wemwbs_total_is_the_simple_sum(total):
    score = get_instrument("wemwbs").score(_answers_summing_to("wemwbs", total))
    assert score.total == total
    assert score.metric is None


def test_an_incomplete_wemwbs_has_no_total():
    score = get_instrument("wemwbs").score([3] * 13 + [None])
    assert score.total is None and not score.complete


@pytest.mark.parametrize(
    ("total", "band"),
    [
        (0, "minimal"), (4, "minimal"), (5, "mild"), (9, "mild"), (10, "moderate"),
        (14, "moderate"), (15, "moderately severe"), (19, "moderately severe"),
        (20, "severe"), (27, "severe"),
    ],
)  # fmt: skip
def test_phq9_severity_bands_at_their_boundaries(total, band):
    # Fill from the first item so item 9 stays 0 below 25.
    score = get_instrument("phq9").score(_answers_summing_to("phq9", total))
    assert score.total == total
    assert score.severity == band
    assert score.bands == {"total": band}


@pytest.mark.parametrize(
    ("total", "band"),
    [
        (0, "minimal"), (4, "minimal"), (5, "mild"), (9, "mild"), (10, "moderate"),
        (14, "moderate"), (15, "severe"), (21, "severe"),
    ],
)  # fmt: skip
def test_gad7_severity_bands_at_their_boundaries(total, band):
    score = get_instrument("gad7").score(_answers_summing_to("gad7", total))
    assert score.total == total
    assert score.severity == band


@pytest.mark.parametrize("item9", [1, 2, 3])
def test_phq9_item9_of_one_or_more_flags_risk_whatever_the_total(item9):
    score = get_instrument("phq9").score([0] * 8 + [item9])
    assert score.total == item9
    assert score.severity == "minimal"
    assert score.flags == ("phq9_item9",)


def test_phq9_item9_of_zero_raises_no_flag():
    assert get_instrument("phq9").score([3] * 8 + [0]).flags == ()


def test_phq9_item9_flag_is_raised_on_an_incomplete_form_too():
    score = get_instrument("phq9").score([None] * 8 + [1])
    assert score.total is None
    assert score.flags == ("phq9_item9",)


def test_phq9_item9_has_its_loinc_code():
    phq9 = get_instrument("phq9")
    assert phq9.items[8].loinc == "44260-8"
    assert [i.loinc for i in phq9.items] == [
        "44250-9", "44255-8", "44259-0", "44254-1", "44251-7",
        "44258-2", "44252-5", "44253-3", "44260-8",
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("value", "band"),
    [
        (0, "low"), (4, "low"), (5, "medium"), (6, "medium"), (7, "high"), (8, "high"),
        (9, "very high"), (10, "very high"),
    ],
)  # fmt: skip
def test_ons4_positive_items_bands(value, band):
    score = get_instrument("ons4").score([value, value, value, 0])
    assert score.bands["life_satisfaction"] == band
    assert score.bands["worthwhile"] == band
    assert score.bands["happiness"] == band


@pytest.mark.parametrize(
    ("value", "band"),
    [
        (0, "very low"), (1, "very low"), (2, "low"), (3, "low"), (4, "medium"),
        (5, "medium"), (6, "high"), (10, "high"),
    ],
)  # fmt: skip
def test_ons4_anxiety_bands_are_reversed(value, band):
    assert get_instrument("ons4").score([5, 5, 5, value]).bands["anxiety"] == band


def test_ons4_has_no_composite_and_reports_answered_items_of_an_incomplete_form():
    score = get_instrument("ons4").score([8, None, 3, 7])
    assert score.total is None
    assert not score.complete
    assert score.bands == {"life_satisfaction": "high", "happiness": "low", "anxiety": "high"}


@pytest.mark.parametrize(
    ("code", "panel", "total_loinc", "snomed", "low", "high"),
    [
        ("phq9", "44249-1", "44261-6", "720433000", 0, 27),
        ("gad7", "69737-5", "70274-6", "445455005", 0, 21),
        ("wemwbs", "", "", "718426000", 14, 70),
        ("swemwbs", "", "", "718466001", 7, 35),
        ("ons4", "", "", "", None, None),
    ],
)
def test_instrument_codes_and_ranges_are_as_the_standards_give(
    code, panel, total_loinc, snomed, low, high
):
    instrument = get_instrument(code)
    assert instrument.loinc_panel == panel
    assert instrument.loinc_total == total_loinc
    assert instrument.snomed_total == snomed
    assert (instrument.min_total, instrument.max_total) == (low, high)
    assert instrument.licence
    assert instrument.attribution


def test_unknown_instrument_code_is_not_found():
    with pytest.raises(NotFound):
        get_instrument("hads")


@pytest.mark.parametrize(
    ("answers", "fragment"),
    [
        ([3] * 6, "has 7 items; 6 answers"),
        ([3] * 6 + [6], "Item 7"),
        ([3] * 6 + [0], "Item 7"),
        ([3, "3", 3, 3, 3, 3, 3], "Item 2"),
        ([3, 3, 2.5, 3, 3, 3, 3], "Item 3"),
        ([True, 3, 3, 3, 3, 3, 3], "Item 1"),
        ("3333333", "must be a list"),
    ],
)
def test_bad_answers_are_refused_naming_the_item(answers, fragment):
    with pytest.raises(InvalidAnswers) as excinfo:
        get_instrument("swemwbs").score(answers)
    assert fragment in excinfo.value.message


def _complete_forms(code: str) -> st.SearchStrategy[list[int]]:
    instrument = REGISTRY[code]
    return st.tuples(*(st.sampled_from(sorted(i.values)) for i in instrument.items)).map(list)


SUMMED = ["swemwbs", "wemwbs", "phq9", "gad7"]


@pytest.mark.parametrize("code", SUMMED)
@PROPERTY_SETTINGS
@given(data=st.data())
def test_scores_are_bounded_by_the_instrument_range(code, data):
    instrument = REGISTRY[code]
    score = instrument.score(data.draw(_complete_forms(code)))
    assert instrument.min_total <= score.total <= instrument.max_total
    if score.metric is not None:
        assert Decimal(instrument.min_total) <= score.metric <= Decimal(instrument.max_total)


@pytest.mark.parametrize("code", SUMMED)
@PROPERTY_SETTINGS
@given(data=st.data())
def test_raising_one_answer_never_lowers_the_score(code, data):
    instrument = REGISTRY[code]
    answers = data.draw(_complete_forms(code))
    index = data.draw(st.integers(0, len(answers) - 1))
    high = max(instrument.items[index].values)
    raised = list(answers)
    raised[index] = data.draw(st.integers(answers[index], high))
    before, after = instrument.score(answers), instrument.score(raised)
    assert after.total >= before.total
    assert after.reported >= before.reported


@pytest.mark.parametrize("code", SUMMED)
@PROPERTY_SETTINGS
@given(data=st.data())
def test_any_blank_item_means_no_total(code, data):
    answers: list[int | None] = list(data.draw(_complete_forms(code)))
    blanks = data.draw(st.sets(st.integers(0, len(answers) - 1), min_size=1))
    for index in blanks:
        answers[index] = None
    score = REGISTRY[code].score(answers)
    assert not score.complete
    assert score.total is None and score.metric is None
    assert score.answered == len(answers) - len(blanks)


@PROPERTY_SETTINGS
@given(answers=st.lists(st.one_of(st.none(), st.integers(0, 10)), min_size=4, max_size=4))
def test_ons4_bands_exactly_the_answered_items(answers):
    score = REGISTRY["ons4"].score(answers)
    assert len(score.bands) == sum(a is not None for a in answers)
    assert score.total is None
