"""The Outcomes report: paired change, cohort comparison, Common Outcomes Framework."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from typing import Any

from linkwell.cases.models import DischargeReason
from linkwell.outcomes.change import RELIABLE_CHANGE, meaningful_change_thresholds
from linkwell.outcomes.models import QuestionnaireResponse
from linkwell.referrals.models import ReferralSource

from ..stats import SUPPRESSED, compare_cohorts, paired_summary
from .scope import (
    LOWER_IS_BETTER,
    PAIRED_MEASURES,
    SOURCE_LABELS,
    Report,
    ReportFilters,
    Scope,
    Section,
    _audit_report,
    _count,
    _pct,
    episodes_in_scope,
    report_scope,
)

# ---------------------------------------------------------------------------------------------
# Outcomes


def _score(metric: Any, total: Any) -> float | None:
    if metric is not None:
        return float(metric)
    return float(total) if total is not None else None


def measure_pairs(
    *, scope: Scope, filters: ReportFilters
) -> dict[str, list[tuple[int, float, float, str, str]]]:
    """Per measure: (episode id, first score, latest score, referral source, team name) for each
    episode with two or more complete scored responses."""
    rows = (
        QuestionnaireResponse.objects.filter(
            episode__in=episodes_in_scope(scope=scope, filters=filters),
            instrument_code__in=list(PAIRED_MEASURES),
            complete=True,
        )
        .values_list(
            "episode_id",
            "instrument_code",
            "metric",
            "total",
            "episode__referral__source",
            "episode__team__name",
        )
        .order_by("episode_id", "instrument_code", "completed_at", "id")
    )
    pairs: dict[str, list[tuple[int, float, float, str, str]]] = defaultdict(list)
    key: tuple[int, str] | None = None
    first = last = None
    count = 0
    meta: tuple[str, str] = ("", "")

    def flush() -> None:
        if key is not None and count >= 2 and first is not None and last is not None:
            pairs[key[1]].append((key[0], first, last, meta[0], meta[1]))

    for episode_id, code, metric, total, source, team in rows.iterator(chunk_size=20000):
        score = _score(metric, total)
        if score is None:
            continue
        if (episode_id, code) != key:
            flush()
            key, first, count, meta = (episode_id, code), score, 0, (source or "", team)
        last = score
        count += 1
    flush()
    return pairs


def _fmt(value: float | None, places: int = 2) -> float | None:
    return None if value is None else round(value, places)


def outcomes_report(*, user: Any, filters: ReportFilters) -> Report:
    scope = report_scope(user)
    pairs = measure_pairs(scope=scope, filters=filters)
    thresholds = {k: float(v) for k, v in meaningful_change_thresholds().items()}
    thresholds.update({k: float(v) for k, v in RELIABLE_CHANGE.items()})
    rows: list[list[Any]] = []
    cohort_rows: list[list[Any]] = []
    for code, name in PAIRED_MEASURES.items():
        data = pairs.get(code, [])
        n = len(data)
        if not n:
            continue
        if scope.suppressed and n < 5:
            rows.append([name, SUPPRESSED] + [None] * 11)
            continue
        s = paired_summary(
            [d[1] for d in data],
            [d[2] for d in data],
            threshold=thresholds.get(code),
            lower_is_better=code in LOWER_IS_BETTER,
        )
        rows.append(
            [
                name,
                s.n,
                _fmt(s.mean_before),
                _fmt(s.mean_after),
                _fmt(s.mean_change),
                _fmt(s.ci_low),
                _fmt(s.ci_high),
                _fmt(s.t_p_value, 4),
                _fmt(s.wilcoxon_p_value, 4),
                _fmt(s.effect_size),
                thresholds.get(code),
                _count(scope, s.meaningful_count),
                None if s.meaningful_share is None else round(100 * s.meaningful_share, 1),
            ]
        )
        for label, idx, names in (("Referral source", 3, SOURCE_LABELS), ("Team", 4, None)):
            groups: dict[str, list[float]] = defaultdict(list)
            for d in data:
                raw = str(d[idx] or "")
                group = names.get(raw, raw or "Not known") if names else raw
                groups[group].append(d[2] - d[1])
            c = compare_cohorts(groups)
            sizes = "; ".join(
                f"{g}: n={_count(scope, k)}"
                + (
                    f", mean change {c.means[g]:.2f}"
                    if g in c.means and not (scope.suppressed and k < 5)
                    else ""
                )
                for g, k in sorted(c.groups.items())
            )
            cohort_rows.append(
                [
                    name,
                    label,
                    sizes,
                    c.test or "None",
                    _fmt(c.statistic, 3),
                    _fmt(c.p_value, 4),
                    c.reason,
                ]
            )
    sections = [
        Section(
            "Change from first to latest score (paired)",
            [
                "Measure",
                "People",
                "Mean first",
                "Mean latest",
                "Mean change",
                "95% CI low",
                "95% CI high",
                "Paired t-test p",
                "Wilcoxon signed-rank p",
                "Effect size (d_z)",
                "Meaningful change threshold",
                "People with meaningful change",
                "Share with meaningful change (%)",
            ],
            rows,
            note=(
                "For PHQ-9 and GAD-7 a fall is an improvement and the threshold is the reliable "
                "change; for SWEMWBS and WEMWBS a rise is an improvement."
            ),
            chart=[(r[0], r[12]) for r in rows],
            chart_title="Share with meaningful improvement (%)",
        ),
        Section(
            "Change compared between groups",
            ["Measure", "Groups by", "Groups", "Test", "Statistic", "p-value", "Why this test"],
            cohort_rows,
        ),
        _framework_section(scope, filters, pairs, thresholds),
    ]
    notes = [
        "Each episode's first and latest complete response of a measure are compared; episodes "
        "with one response are not counted. ONS4 is four separate questions without one score and "
        "is not included here."
    ]
    _audit_report(user, "outcomes", filters)
    return Report("outcomes", "Outcomes", filters, scope.suppressed, sections, notes)


def _framework_section(
    scope: Scope,
    filters: ReportFilters,
    pairs: Mapping[str, list[tuple[int, float, float, str, str]]],
    thresholds: Mapping[str, float],
) -> Section:
    """The Common Outcomes Framework's three levels, from what Linkwell records."""
    improved: set[int] = set()
    measured: set[int] = set()
    for code, data in pairs.items():
        t = thresholds.get(code)
        for ep, before, after, _s, _t in data:
            measured.add(ep)
            change = (before - after) if code in LOWER_IS_BETTER else (after - before)
            if t is not None and change >= t:
                improved.add(ep)
    episodes = episodes_in_scope(scope=scope, filters=filters)
    connected = episodes.filter(discharge_reason=DischargeReason.CONNECTED).count()
    closed = episodes.filter(closed_at__isnull=False).count()
    from linkwell.connections.models import Connection

    started = (
        Connection.objects.filter(episode__in=episodes, status__in=["in-progress", "completed"])
        .values("episode_id")
        .distinct()
        .count()
    )
    gp = episodes.filter(referral__source=ReferralSource.GP_PRACTICE).count()
    return Section(
        "Common Outcomes Framework",
        ["Level", "Measure", "Count", "Out of", "Share (%)"],
        [
            [
                "Person",
                "Episodes with a meaningful improvement in wellbeing or distress",
                _count(scope, len(improved)),
                _count(scope, len(measured)),
                _pct(len(improved), len(measured)),
            ],
            [
                "Community",
                "Episodes where an onward connection started (provider began support)",
                _count(scope, started),
                _count(scope, episodes.count()),
                _pct(started, episodes.count()),
            ],
            [
                "Community",
                "Episodes ended as connected to community support",
                _count(scope, connected),
                _count(scope, closed),
                _pct(connected, closed),
            ],
            [
                "System",
                "Episodes referred by GP practices (demand moved from general practice)",
                _count(scope, gp),
                _count(scope, episodes.count()),
                _pct(gp, episodes.count()),
            ],
        ],
        note=(
            "System level: GP appointments and A&E attendances before and after support are not "
            "recorded in Linkwell, so changes in their use cannot be shown."
        ),
    )
