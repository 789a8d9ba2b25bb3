"""Aggregate reports: Activity, Equity and Outcomes, and the commissioner's pseudonymised extract.

Access: supervisors see their own team, an organisation's administrators its teams, commissioners
every team but with counts under 5 shown as "<5" and no identifiers anywhere. Everyone else is
refused (Forbidden). Each report read writes one audit row (action "read", object "report"); the
extract writes one "export" row.

A report is a list of sections, each a table (headers and rows) with an optional bar chart: the
same structure is rendered as a page, CSV, XLSX, PDF and JSON.
"""

from __future__ import annotations

from .activity import activity_report
from .equity import equity_report
from .extract import (
    EXTRACT_HEADERS,
    commissioner_extract,
    iter_extract_values,
    pseudonym,
    services_for_filter,
    teams_for_filter,
)
from .outcomes import measure_pairs, outcomes_report
from .scope import (
    AGE_BANDS,
    AGE_UNKNOWN,
    ETHNIC_GROUPS,
    PAIRED_MEASURES,
    SOURCE_LABELS,
    Report,
    ReportFilters,
    Scope,
    Section,
    age_band,
    episodes_in_scope,
    ethnic_group,
    parse_filters,
    referrals_in_scope,
    report_scope,
)

REPORTS = {"activity": activity_report, "equity": equity_report, "outcomes": outcomes_report}

__all__ = [
    "AGE_BANDS",
    "AGE_UNKNOWN",
    "ETHNIC_GROUPS",
    "EXTRACT_HEADERS",
    "PAIRED_MEASURES",
    "REPORTS",
    "SOURCE_LABELS",
    "Report",
    "ReportFilters",
    "Scope",
    "Section",
    "activity_report",
    "age_band",
    "commissioner_extract",
    "episodes_in_scope",
    "equity_report",
    "ethnic_group",
    "iter_extract_values",
    "measure_pairs",
    "outcomes_report",
    "parse_filters",
    "pseudonym",
    "referrals_in_scope",
    "report_scope",
    "services_for_filter",
    "teams_for_filter",
]
