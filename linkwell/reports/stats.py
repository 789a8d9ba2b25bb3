"""Statistics for the outcomes report: paired before/after change and cohort comparisons.

Numbers come from scipy; this module only chooses the test and packages the figures.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats as sps

SUPPRESSION_THRESHOLD = 5
SUPPRESSED = "<5"
# Below this many pairs a test is not reported: the figures would mislead.
MIN_PAIRS_FOR_TESTS = 3


def suppress(count: int) -> int | str:
    """Counts of 1 to 4 become "<5" (a small cell could identify someone); 0 stays 0."""
    if 0 < count < SUPPRESSION_THRESHOLD:
        return SUPPRESSED
    return count


def _finite(value: float) -> float | None:
    return None if value is None or not math.isfinite(value) else float(value)


@dataclass(frozen=True)
class PairedSummary:
    n: int
    mean_before: float | None
    mean_after: float | None
    mean_change: float | None
    ci_low: float | None
    ci_high: float | None
    t_statistic: float | None
    t_p_value: float | None
    wilcoxon_statistic: float | None
    wilcoxon_p_value: float | None
    # Cohen's d_z: mean change over the standard deviation of the changes.
    effect_size: float | None
    meaningful_count: int
    meaningful_share: float | None


def paired_summary(
    before: Sequence[float] | np.ndarray,
    after: Sequence[float] | np.ndarray,
    *,
    threshold: float | None = None,
    lower_is_better: bool = False,
) -> PairedSummary:
    """Paired change after − before: mean, 95% CI (t distribution), paired t-test, Wilcoxon
    signed-rank (zero differences dropped, scipy's default), d_z, and the share whose change is at
    least ``threshold`` in the better direction."""
    if len(before) != len(after):
        raise ValueError("before and after must be the same length")
    n = len(before)
    b = np.asarray(before, dtype=float)
    a = np.asarray(after, dtype=float)
    d = a - b
    meaningful = 0
    if threshold is not None and n:
        better = -d if lower_is_better else d
        meaningful = int(np.sum(better >= threshold))
    share = (meaningful / n) if (threshold is not None and n) else None
    if n == 0:
        return PairedSummary(0, None, None, None, None, None, None, None, None, None, None, 0, None)
    mean_change = float(d.mean())
    ci_low = ci_high = t_stat = t_p = w_stat = w_p = effect = None
    if n >= MIN_PAIRS_FOR_TESTS:
        sd = float(d.std(ddof=1))
        sem = sd / math.sqrt(n)
        half = float(sps.t.ppf(0.975, n - 1)) * sem
        ci_low, ci_high = mean_change - half, mean_change + half
        if sd > 0:
            t = sps.ttest_rel(a, b)
            t_stat, t_p = _finite(t.statistic), _finite(t.pvalue)
            effect = mean_change / sd
        if np.any(d != 0):
            w = sps.wilcoxon(a, b)
            w_stat, w_p = _finite(w.statistic), _finite(w.pvalue)
    return PairedSummary(
        n=n,
        mean_before=float(b.mean()),
        mean_after=float(a.mean()),
        mean_change=mean_change,
        ci_low=ci_low,
        ci_high=ci_high,
        t_statistic=t_stat,
        t_p_value=t_p,
        wilcoxon_statistic=w_stat,
        wilcoxon_p_value=w_p,
        effect_size=effect,
        meaningful_count=meaningful,
        meaningful_share=share,
    )


@dataclass(frozen=True)
class CohortComparison:
    groups: dict[str, int]
    means: dict[str, float]
    test: str
    statistic: float | None
    p_value: float | None
    reason: str


def _looks_normal(values: np.ndarray) -> bool:
    """Large groups are treated as normal (central limit); small ones by Shapiro-Wilk at 5%."""
    if len(values) >= 30:
        return True
    if len(values) < MIN_PAIRS_FOR_TESTS or float(np.ptp(values)) == 0:
        return False
    return bool(sps.shapiro(values).pvalue > 0.05)


def compare_cohorts(groups: Mapping[str, Sequence[float] | np.ndarray]) -> CohortComparison:
    """Compare the change scores of independent cohorts with the test that fits them.

    Two cohorts: Welch's t-test when both look normal, otherwise Mann-Whitney U. Three or more:
    one-way ANOVA when all look normal, otherwise Kruskal-Wallis. Cohorts with fewer than 3
    people are left out of the test.
    """
    arrays = {k: np.asarray(v, dtype=float) for k, v in groups.items()}
    sizes = {k: len(v) for k, v in arrays.items()}
    means = {k: float(v.mean()) for k, v in arrays.items() if len(v)}
    usable = {k: v for k, v in arrays.items() if len(v) >= MIN_PAIRS_FOR_TESTS}
    if len(usable) < 2:
        return CohortComparison(
            sizes, means, "", None, None, "Fewer than two groups with 3 or more people."
        )
    samples = list(usable.values())
    normal = all(_looks_normal(v) for v in samples)
    if len(samples) == 2:
        if normal:
            r = sps.ttest_ind(samples[0], samples[1], equal_var=False)
            test = "Welch's t-test"
        else:
            r = sps.mannwhitneyu(samples[0], samples[1], alternative="two-sided")
            test = "Mann-Whitney U"
    elif normal:
        r = sps.f_oneway(*samples)
        test = "One-way ANOVA"
    else:
        try:
            r = sps.kruskal(*samples)
        except ValueError:  # every value identical
            return CohortComparison(sizes, means, "Kruskal-Wallis", None, None, "No variation.")
        test = "Kruskal-Wallis"
    reason = "groups look normally distributed" if normal else "groups do not look normal"
    return CohortComparison(
        sizes, means, test, _finite(r.statistic), _finite(r.pvalue), reason.capitalize() + "."
    )
