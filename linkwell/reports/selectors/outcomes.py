"""The Outcomes report: paired change, cohort comparison, Common Outcomes Framework."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from operator import itemgetter
from typing import Any

import numpy as np
from django.db.models import BooleanField, Count, ExpressionWrapper, Q, QuerySet

from linkwell.accounts.models import Team
from linkwell.cases.models import DischargeReason, Episode
from linkwell.outcomes.change import RELIABLE_CHANGE, meaningful_change_thresholds
from linkwell.outcomes.models import MeasureSummary
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
    plain_rows,
    report_scope,
)

# ---------------------------------------------------------------------------------------------
# Outcomes


# Connections in these statuses mean the person had the service's support (begun or finished).
SUPPORT_RECEIVED = ("in-progress", "on-hold", "completed")
EMPLOYMENT_NEED = "employment"
EMPLOYMENT_COHORTS = ("With an employment advisor", "Without an employment advisor")


@dataclass(frozen=True)
class MeasurePairs:
    """Every episode's first and latest complete score of one measure, as columns (one entry
    per episode, in episode order) so statistics run over arrays, not Python objects."""

    episode_ids: np.ndarray
    first: np.ndarray
    last: np.ndarray
    sources: np.ndarray  # index into source_values
    teams: np.ndarray  # index into team_names
    employment_advisor: np.ndarray  # bools
    source_values: tuple[str, ...] = ()  # referral source codes ("" when unknown)
    team_names: tuple[str, ...] = ()

    def __len__(self) -> int:
        return len(self.episode_ids)

    @property
    def change(self) -> np.ndarray:
        return self.last - self.first


def employment_advisor_q(episode_field: str = "pk") -> ExpressionWrapper:
    """Whether the episode had an employment advisor: an onward connection, with support begun or
    finished, to a directory service that meets the "employment" need (linkwell.common.needs).

    An IN over one uncorrelated subquery, which the database builds once (a hashed subplan on
    PostgreSQL) instead of probing the connections for every episode.
    """
    from linkwell.connections.models import Connection
    from linkwell.directory.models import ServiceNeed

    advised = Connection.objects.filter(
        status__in=SUPPORT_RECEIVED,
        service_id__in=ServiceNeed.objects.filter(need=EMPLOYMENT_NEED).values("service_id"),
    ).values("episode_id")
    return ExpressionWrapper(Q(**{f"{episode_field}__in": advised}), output_field=BooleanField())


def measure_pairs(*, scope: Scope, filters: ReportFilters) -> dict[str, MeasurePairs]:
    """Per measure, the episodes with two or more complete scored responses."""
    return pairs_for_episodes(episodes_in_scope(scope=scope, filters=filters))


def paired_summaries(episodes: QuerySet[Episode]) -> QuerySet[MeasureSummary]:
    """The measure summaries (one row per episode and measure, kept by
    linkwell.outcomes.services.response_record) of the given episodes with two or more complete
    scored responses of a paired measure: the responses themselves are not read."""
    return MeasureSummary.objects.filter(
        episode__in=episodes.values("pk"),
        instrument_code__in=list(PAIRED_MEASURES),
        responses__gte=2,
    ).order_by()


def _numbered(
    values: Sequence[Any], name: Callable[[Any], str]
) -> tuple[np.ndarray, tuple[str, ...]]:
    """Each value's number and the names numbered, in order of first appearance: values with the
    same name share a number. Each distinct value is named once and the numbers are looked up
    by C-level iteration, not a Python step per value."""
    numbers: dict[str, int] = {}
    number_of = {v: numbers.setdefault(name(v), len(numbers)) for v in dict.fromkeys(values)}
    array = np.fromiter(map(number_of.__getitem__, values), dtype=np.int64, count=len(values))
    return array, tuple(numbers)


def pairs_for_episodes(episodes: QuerySet[Episode]) -> dict[str, MeasurePairs]:
    """``measure_pairs`` for the given episodes, with each episode's referral source, team and
    whether it had an employment advisor."""
    rows = list(
        plain_rows(
            paired_summaries(episodes)
            .annotate(advisor=employment_advisor_q("episode_id"))
            .values_list(
                "episode_id",
                "instrument_code",
                "first_score",
                "latest_score",
                "episode__referral__source",
                "episode__team_id",
                "advisor",
            )
        )
    )
    if not rows:
        return {}
    teams = dict(Team.objects.values_list("id", "name"))
    # Column by column, straight from the rows into arrays: transposing with zip(*rows) made an
    # iterator per row and kept the garbage collector busy.
    n = len(rows)

    def column(i: int) -> list[Any]:
        return list(map(itemgetter(i), rows))

    def array(i: int, dtype: Any) -> np.ndarray:
        return np.fromiter(map(itemgetter(i), rows), dtype=dtype, count=n)

    # Measures, sources and team names as small integers, so grouping works on numbers.
    code_numbers, code_names = _numbered(column(1), str)
    source_numbers, source_values = _numbered(column(4), lambda s: s or "")
    team_numbers, team_names = _numbered(column(5), lambda t: teams.get(t, ""))
    columns = (
        array(0, np.int64),
        array(2, float),
        array(3, float),
        source_numbers,
        team_numbers,
        array(6, bool),
    )
    pairs: dict[str, MeasurePairs] = {}
    for code in sorted(code_names):
        chosen = code_numbers == code_names.index(code)
        order = np.argsort(columns[0][chosen], kind="stable")
        ids, first, last, source, team, advisor = (column[chosen][order] for column in columns)
        pairs[code] = MeasurePairs(
            ids, first, last, source, team, advisor, source_values, team_names
        )
    return pairs


def _cohort_groups(data: MeasurePairs, label: str) -> dict[str, np.ndarray]:
    """The pairs' changes split into the groups compared by ``label``, in order of first
    appearance (as a person reading the episodes would meet them)."""
    if label == "Referral source":
        codes, names = (
            data.sources,
            [SOURCE_LABELS.get(v, v or "Not known") for v in data.source_values],
        )
    elif label == "Team":
        codes, names = data.teams, list(data.team_names)
    else:
        codes, names = np.where(data.employment_advisor, 0, 1), list(EMPLOYMENT_COHORTS)
    present, first_seen = np.unique(codes, return_index=True)
    change = data.change
    groups: dict[str, np.ndarray] = {}
    for code in present[np.argsort(first_seen, kind="stable")]:
        name = names[int(code)]
        part = change[codes == code]
        # Two codes with one label (a raw source shown by its own name) are one group.
        groups[name] = np.concatenate([groups[name], part]) if name in groups else part
    return groups


# How change is compared between groups.
COHORTS = ("Referral source", "Team", "Employment advisor")


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
        data = pairs.get(code)
        n = 0 if data is None else len(data)
        if data is None or not n:
            continue
        if scope.suppressed and n < 5:
            rows.append([name, SUPPRESSED] + [None] * 11)
            continue
        s = paired_summary(
            data.first,
            data.last,
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
        for label in COHORTS:
            c = compare_cohorts(_cohort_groups(data, label))
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
    pairs: Mapping[str, MeasurePairs],
    thresholds: Mapping[str, float],
) -> Section:
    """The Common Outcomes Framework's three levels, from what Linkwell records."""
    measured_ids: list[np.ndarray] = [np.empty(0, dtype=np.int64)]
    improved_ids: list[np.ndarray] = [np.empty(0, dtype=np.int64)]
    for code, data in pairs.items():
        t = thresholds.get(code)
        measured_ids.append(data.episode_ids)
        better = -data.change if code in LOWER_IS_BETTER else data.change
        if t is not None:
            improved_ids.append(data.episode_ids[better >= t])
    measured = np.unique(np.concatenate(measured_ids))
    improved = np.unique(np.concatenate(improved_ids))
    from linkwell.connections.models import Connection

    # One pass over the episodes with conditional counts.
    counts = episodes_in_scope(scope=scope, filters=filters).aggregate(
        total=Count("id"),
        connected=Count("id", filter=Q(discharge_reason=DischargeReason.CONNECTED)),
        closed=Count("id", filter=Q(closed_at__isnull=False)),
        gp=Count("id", filter=Q(referral__source=ReferralSource.GP_PRACTICE)),
        started=Count(
            "id",
            filter=Q(
                pk__in=Connection.objects.filter(status__in=["in-progress", "completed"]).values(
                    "episode_id"
                )
            ),
        ),
    )
    total, connected, closed = counts["total"], counts["connected"], counts["closed"]
    started, gp = counts["started"], counts["gp"]
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
                _count(scope, total),
                _pct(started, total),
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
                _count(scope, total),
                _pct(gp, total),
            ],
        ],
        note=(
            "System level: GP appointments and A&E attendances before and after support are not "
            "recorded in Linkwell, so changes in their use cannot be shown."
        ),
    )
