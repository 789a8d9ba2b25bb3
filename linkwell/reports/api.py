"""Reports as JSON: aggregate figures only, the same structure as the pages."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router

from linkwell.common.errors import NotFound

from . import selectors

router = Router()


@router.get("/{slug}", response=dict[str, Any])
def report_get(request: HttpRequest, slug: str) -> dict[str, Any]:
    """Activity, equity or outcomes report; filters as query parameters (date_from, date_to, team,
    service, source, ethnic_group, age_band, sex, deprivation_decile)."""
    build = selectors.REPORTS.get(slug)
    if build is None:
        raise NotFound("No such report: use activity, equity or outcomes.")
    selectors.report_scope(request.user)
    filters = selectors.parse_filters(request.GET)
    return build(user=request.user, filters=filters).as_dict()
