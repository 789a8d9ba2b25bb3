"""The Equity report: uptake against the local population baseline."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping
from typing import Any

from django.db.models import Count
from django.utils import timezone

from linkwell.people.models import Sex

from ..models import Dimension, PopulationBaseline
from .scope import (
    AGE_BANDS,
    AGE_UNKNOWN,
    ETHNIC_GROUPS,
    SOURCE_LABELS,
    Report,
    ReportFilters,
    Scope,
    Section,
    _audit_report,
    _count,
    _pct,
    age_band_case,
    episodes_in_scope,
    ethnic_group,
    report_scope,
)

# ---------------------------------------------------------------------------------------------
# Equity


def _baseline(scope: Scope, filters: ReportFilters) -> dict[str, dict[str, int]]:
    qs = PopulationBaseline.objects.all()
    if scope.organisation_ids is not None:
        qs = qs.filter(organisation_id__in=scope.organisation_ids)
    if filters.service:
        qs = qs.filter(organisation__uuid=filters.service)
    if filters.team:
        qs = qs.filter(organisation__teams__uuid=filters.team)
    out: dict[str, dict[str, int]] = defaultdict(dict)
    for row in qs.values("dimension", "category").annotate(n=_sum("population")):
        out[row["dimension"]][row["category"]] = row["n"]
    return out


def _sum(name: str) -> Any:
    from django.db.models import Sum

    return Sum(name)


def _uptake_section(
    scope: Scope,
    title: str,
    labels: Mapping[str, str],
    counts: Mapping[str, int],
    baseline: Mapping[str, int],
) -> Section:
    total = sum(counts.values())
    pop_total = sum(baseline.values())
    rows: list[list[Any]] = []
    for key, label in labels.items():
        n = counts.get(key, 0)
        pop = baseline.get(key)
        share = _pct(n, total)
        pop_share = _pct(pop, pop_total) if pop is not None else None
        hidden = scope.suppressed and 0 < n < 5
        ratio = (
            round(share / pop_share, 2) if share is not None and pop_share and not hidden else None
        )
        rows.append(
            [
                label,
                _count(scope, n),
                None if hidden else share,
                pop if pop is not None else None,
                pop_share,
                ratio,
            ]
        )
    return Section(
        title,
        [
            "Group",
            "People supported",
            "Share of people supported (%)",
            "Local population",
            "Share of local population (%)",
            "Representation (1 = as expected)",
        ],
        rows,
        note="" if baseline else "No local population baseline imported for this dimension.",
        chart=[(r[0], r[1]) for r in rows],
        chart_title=f"People supported by {title.lower().removeprefix('uptake by ')}",
    )


def equity_report(*, user: Any, filters: ReportFilters) -> Report:
    scope = report_scope(user)
    episodes = episodes_in_scope(scope=scope, filters=filters)
    eth: Counter[str] = Counter()
    sex: Counter[str] = Counter()
    dec: Counter[str] = Counter()
    age: Counter[str] = Counter()
    # People, not episodes: each person's demographics are the same on all their episodes, so
    # counting distinct people per combination counts everyone exactly once.
    for code, s, decile, band, n in (
        episodes.annotate(band=age_band_case("person__date_of_birth", timezone.localdate()))
        .values_list("person__ethnic_category", "person__sex", "person__deprivation_decile", "band")
        .annotate(n=Count("person_id", distinct=True))
        .order_by()
    ):
        eth[ethnic_group(code)] += n
        sex[s] += n
        dec[str(decile) if decile else AGE_UNKNOWN] += n
        age[band] += n
    baseline = _baseline(scope, filters)
    age_labels = {b[0]: b[0] for b in AGE_BANDS} | {AGE_UNKNOWN: "Not known"}
    dec_labels = {
        str(n): f"{n} ({'most' if n == 1 else 'least' if n == 10 else ''} deprived)".replace(
            " ( deprived)", ""
        )
        for n in range(1, 11)
    }
    dec_labels[AGE_UNKNOWN] = "Not known"
    sections = [
        _uptake_section(
            scope,
            "Uptake by ethnic group",
            ETHNIC_GROUPS,
            eth,
            baseline.get(Dimension.ETHNICITY, {}),
        ),
        _uptake_section(
            scope, "Uptake by age band", age_labels, age, baseline.get(Dimension.AGE_BAND, {})
        ),
        _uptake_section(
            scope, "Uptake by sex", dict(Sex.choices), sex, baseline.get(Dimension.SEX, {})
        ),
        _uptake_section(
            scope,
            "Uptake by deprivation decile",
            dec_labels,
            dec,
            baseline.get(Dimension.DEPRIVATION, {}),
        ),
    ]
    # Referral source by ethnic group: who reaches the service by which route.
    cross: dict[str, Counter[str]] = defaultdict(Counter)
    for row in (
        episodes.filter(referral__isnull=False)
        .values("referral__source", "person__ethnic_category")
        .annotate(n=Count("id"))
        .order_by()
    ):
        cross[row["referral__source"]][ethnic_group(row["person__ethnic_category"])] += row["n"]
    sections.append(
        Section(
            "Referral source by ethnic group",
            ["Referral source"] + list(ETHNIC_GROUPS.values()),
            [
                [SOURCE_LABELS.get(src, src)]
                + [_count(scope, cross[src][g]) for g in ETHNIC_GROUPS]
                for src in SOURCE_LABELS
                if cross[src]
            ],
        )
    )
    notes = [
        "Representation compares the share of people supported with the share of the local "
        "population: below 1 means the group is reached less than its size would suggest."
    ]
    if scope.suppressed:
        notes.append('Counts from 1 to 4 are shown as "<5" and their shares are hidden.')
    _audit_report(user, "equity", filters)
    return Report("equity", "Equity", filters, scope.suppressed, sections, notes)
