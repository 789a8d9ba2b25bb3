"""The commissioner's pseudonymised, minimised, suppressed extract, and filter choices."""

from __future__ import annotations

import hashlib
import hmac
from collections import Counter, defaultdict
from collections.abc import Iterable
from typing import Any
from uuid import UUID

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from linkwell.accounts.models import Organisation, Team
from linkwell.audit.services import audit_log
from linkwell.cases.models import Episode

from .outcomes import measure_pairs
from .scope import (
    LONDON,
    PAIRED_MEASURES,
    ReportFilters,
    age_band,
    episodes_in_scope,
    ethnic_group,
    report_scope,
)

# ---------------------------------------------------------------------------------------------
# Commissioner extract

EXTRACT_HEADERS = [
    "person_pseudonym",
    "episode_number",
    "service",
    "referral_source",
    "referral_month",
    "age_band",
    "sex",
    "ethnic_group",
    "deprivation_decile",
    "episode_status",
    "discharge_reason",
    "days_to_first_contact",
] + [f"{code}_{part}" for code in PAIRED_MEASURES for part in ("first", "latest")]
QUASI_IDENTIFIERS = ("age_band", "sex", "ethnic_group", "deprivation_decile")
SUPPRESSED_VALUE = "suppressed"


def pseudonym(person_uuid: UUID) -> str:
    """A keyed HMAC-SHA256 of the person's uuid: stable across extracts, not reversible without
    settings.LINKWELL["PSEUDONYM_KEY"]."""
    key = str(settings.LINKWELL["PSEUDONYM_KEY"]).encode()
    return hmac.new(key, person_uuid.bytes, hashlib.sha256).hexdigest()[:20]


def _suppress_rare(rows: list[dict[str, Any]]) -> None:
    """Where fewer than 5 rows share a combination of age band, sex, ethnic group and decile,
    blank the decile and ethnic group; if age band and sex alone are still rare, blank those."""
    for fields_ in (QUASI_IDENTIFIERS, ("age_band", "sex")):
        counts = Counter(tuple(r[f] for f in fields_) for r in rows)
        for r in rows:
            if counts[tuple(r[f] for f in fields_)] < 5:
                for f in fields_[len(fields_) // 2 :] if len(fields_) == 4 else fields_:
                    r[f] = SUPPRESSED_VALUE


def commissioner_extract(*, user: Any, filters: ReportFilters) -> list[dict[str, Any]]:
    """One row per episode, without names, numbers, contact details or free text."""
    scope = report_scope(user)
    episodes = episodes_in_scope(scope=scope, filters=filters)
    pairs = measure_pairs(scope=scope, filters=filters)
    scores: dict[int, dict[str, Any]] = defaultdict(dict)
    for code, data in pairs.items():
        for ep, first, last, _s, _t in data:
            scores[ep][f"{code}_first"] = first
            scores[ep][f"{code}_latest"] = last
    today = timezone.localdate()
    rows: list[dict[str, Any]] = []
    for e in episodes.values(
        "id",
        "number",
        "status",
        "discharge_reason",
        "first_contact_at",
        "person__uuid",
        "person__ethnic_category",
        "person__sex",
        "person__deprivation_decile",
        "person__date_of_birth",
        "team__organisation__name",
        "referral__source",
        "referral__created_at",
    ).order_by("id"):
        ref_at = e["referral__created_at"]
        wait = (
            (e["first_contact_at"] - ref_at).days
            if ref_at is not None and e["first_contact_at"] is not None
            else None
        )
        row = {
            "person_pseudonym": pseudonym(e["person__uuid"]),
            "episode_number": e["number"],
            "service": e["team__organisation__name"],
            "referral_source": e["referral__source"] or "",
            "referral_month": ref_at.astimezone(LONDON).strftime("%Y-%m") if ref_at else "",
            "age_band": age_band(e["person__date_of_birth"], today),
            "sex": e["person__sex"],
            "ethnic_group": ethnic_group(e["person__ethnic_category"]),
            "deprivation_decile": e["person__deprivation_decile"] or "",
            "episode_status": e["status"],
            "discharge_reason": e["discharge_reason"],
            "days_to_first_contact": wait if wait is None or wait >= 0 else None,
        }
        for h in EXTRACT_HEADERS[12:]:
            row[h] = scores[e["id"]].get(h)
        rows.append(row)
    _suppress_rare(rows)
    audit_log(
        action="export",
        object_type="report",
        object_id="commissioner_extract",
        actor=user,
        detail={"filters": filters.as_dict(), "rows": len(rows)},
    )
    return rows


def teams_for_filter(*, user: Any) -> list[Team]:
    scope = report_scope(user)
    return list(
        Team.objects.filter(
            Q(pk__in=Episode.objects.filter(scope.team_q).values("team_id"))
            | (Q(organisation_id__in=scope.organisation_ids) if scope.organisation_ids else Q())
        ).select_related("organisation")
    )


def services_for_filter(*, user: Any) -> list[Organisation]:
    scope = report_scope(user)
    qs = Organisation.objects.filter(teams__isnull=False).distinct()
    if scope.organisation_ids is not None:
        qs = qs.filter(pk__in=scope.organisation_ids)
    return list(qs)


def iter_extract_values(rows: Iterable[dict[str, Any]]) -> Iterable[list[Any]]:
    for r in rows:
        yield [r[h] for h in EXTRACT_HEADERS]
