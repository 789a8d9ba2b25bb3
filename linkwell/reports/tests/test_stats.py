"""Statistics checked against scipy on known data; suppression of small counts."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats as sps

from linkwell.reports.stats import SUPPRESSED, compare_cohorts, paired_summary, suppress

BEFORE = [20.0, 22.35, 19.25, 17.43, 23.21, 21.54, 18.59, 24.11, 20.73, 16.36]
AFTER = [23.21, 22.35, 21.54, 20.73, 25.03, 24.11, 18.59, 26.02, 19.98, 19.25]


def test_paired_summary_matches_scipy_on_known_data():
    s = paired_summary(BEFORE, AFTER, threshold=3)
    d = np.array(AFTER) - np.array(BEFORE)
    t = sps.ttest_rel(AFTER, BEFORE)
    w = sps.wilcoxon(AFTER, BEFORE)
    ci = sps.t.interval(0.95, len(d) - 1, loc=d.mean(), scale=sps.sem(d))
    assert s.n == 10
    assert s.mean_change == pytest.approx(d.mean())
    assert (s.ci_low, s.ci_high) == pytest.approx(ci)
    assert s.t_statistic == pytest.approx(t.statistic)
    assert s.t_p_value == pytest.approx(t.pvalue)
    assert s.wilcoxon_statistic == pytest.approx(w.statistic)
    assert s.wilcoxon_p_value == pytest.approx(w.pvalue)
    assert s.effect_size == pytest.approx(d.mean() / d.std(ddof=1))
    assert s.meaningful_count == int(np.sum(d >= 3))
    assert s.meaningful_share == pytest.approx(np.sum(d >= 3) / 10)


def test_lower_is_better_counts_falls_as_meaningful():
    s = paired_summary([15, 12, 20, 9], [8, 11, 10, 9], threshold=6, lower_is_better=True)
    assert s.meaningful_count == 2
    assert s.mean_change == pytest.approx(-4.5)


def test_too_few_pairs_give_means_but_no_tests():
    s = paired_summary([10, 12], [13, 15], threshold=3)
    assert s.mean_change == 3
    assert s.t_p_value is None and s.wilcoxon_p_value is None and s.ci_low is None
    assert s.meaningful_count == 2


def test_no_change_at_all_gives_no_test_rather_than_nan():
    s = paired_summary([10, 10, 10], [10, 10, 10])
    assert s.mean_change == 0
    assert s.t_p_value is None and s.wilcoxon_p_value is None and s.effect_size is None


def test_empty_input_is_an_empty_summary():
    assert paired_summary([], []).n == 0


def test_two_normal_looking_groups_use_welch_t_test():
    rng = np.random.default_rng(1)
    a, b = rng.normal(3, 2, 40), rng.normal(1, 2, 35)
    c = compare_cohorts({"with advisor": a, "without": b})
    assert c.test == "Welch's t-test"
    assert c.p_value == pytest.approx(sps.ttest_ind(a, b, equal_var=False).pvalue)


def test_two_skewed_small_groups_use_mann_whitney():
    a = [0, 0, 0, 1, 0, 12, 0, 0]
    b = [5, 6, 7, 5, 20, 6, 5, 4]
    c = compare_cohorts({"a": a, "b": b})
    assert c.test == "Mann-Whitney U"
    assert c.p_value == pytest.approx(sps.mannwhitneyu(a, b, alternative="two-sided").pvalue)


def test_three_groups_use_anova_or_kruskal():
    rng = np.random.default_rng(2)
    groups = {k: rng.normal(m, 1, 50) for k, m in (("x", 0), ("y", 1), ("z", 2))}
    c = compare_cohorts(groups)
    assert c.test == "One-way ANOVA"
    assert c.p_value == pytest.approx(sps.f_oneway(*groups.values()).pvalue)
    skewed = {"x": [0, 0, 0, 9], "y": [1, 1, 1, 30], "z": [5, 5, 6, 50]}
    k = compare_cohorts(skewed)
    assert k.test == "Kruskal-Wallis"
    assert k.p_value == pytest.approx(sps.kruskal(*skewed.values()).pvalue)


def test_groups_under_three_people_are_left_out():
    c = compare_cohorts({"a": [1, 2], "b": [3, 4, 5]})
    assert c.test == "" and c.p_value is None


@settings(deadline=None)
@given(st.integers(min_value=0, max_value=10_000))
def test_suppression_hides_exactly_one_to_four(n):
    shown = suppress(n)
    if 1 <= n <= 4:
        assert shown == SUPPRESSED
    else:
        assert shown == n


@settings(deadline=None)
@given(st.lists(st.tuples(st.integers(0, 70), st.integers(0, 70)), min_size=3, max_size=40))
def test_mean_change_is_after_minus_before(pairs):
    s = paired_summary([p[0] for p in pairs], [p[1] for p in pairs])
    assert s.mean_change == pytest.approx(sum(b - a for a, b in pairs) / len(pairs))
    if s.t_p_value is not None:
        assert 0 <= s.t_p_value <= 1 and not math.isnan(s.t_p_value)
