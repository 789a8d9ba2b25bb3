"""The public, read-only HSDS 3.0 API (schema/openapi.json of the specification).

Plain Django views returning JSON, no sign-in: directory listings are public information. Paging
fields are those of the specification's ``Page`` schema. Errors use the project's shape,
``{"message": str, "extra": {...}}``.
"""

from __future__ import annotations

import datetime as dt
import math
import uuid
from collections.abc import Callable
from typing import Any

from django.db.models import Q
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.views.decorators.http import require_GET

from linkwell.directory.models import (
    Attribute,
    Organization,
    ServiceAtLocation,
    Taxonomy,
    TaxonomyTerm,
)
from linkwell.directory.search import OfflineGeocoder, bounding_box, haversine_km
from linkwell.directory.selectors import hsds_service_page, services_visible

from .export import FULL, LIST_ITEM, nest_by_ids
from .linkwell_terms import CODE_BY_TERM_ID, TAXONOMY_ID

DEFAULT_PER_PAGE = 50
MAX_PER_PAGE = 200
# Text search on service_at_locations looks at this many best-matching services.
MAX_SEARCH_MATCHES = 5_000
OPENAPI_URL = "https://raw.githubusercontent.com/openreferral/specification/3.0/schema/openapi.json"


class BadParameter(Exception):
    def __init__(self, name: str, message: str) -> None:
        super().__init__(message)
        self.name = name
        self.message = message


def _error(status: int, message: str, extra: dict[str, Any] | None = None) -> JsonResponse:
    return JsonResponse({"message": message, "extra": extra or {}}, status=status)


def _int(request: HttpRequest, name: str, default: int, low: int, high: int) -> int:
    raw = request.GET.get(name)
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except ValueError:
        raise BadParameter(name, f"{name} must be a whole number.") from None
    if not low <= value <= high:
        raise BadParameter(name, f"{name} must be between {low} and {high}.")
    return value


def _bool(request: HttpRequest, name: str) -> bool:
    raw = (request.GET.get(name) or "").lower()
    if raw in ("", "false", "0", "no"):
        return False
    if raw in ("true", "1", "yes"):
        return True
    raise BadParameter(name, f"{name} must be true or false.")


def _uuid(request: HttpRequest, name: str) -> uuid.UUID | None:
    raw = request.GET.get(name)
    if not raw:
        return None
    try:
        return uuid.UUID(raw)
    except ValueError:
        raise BadParameter(name, f"{name} must be a UUID.") from None


def _datetime(request: HttpRequest, name: str) -> dt.datetime | None:
    raw = request.GET.get(name)
    if not raw:
        return None
    try:
        moment = parse_datetime(raw)
        day = parse_date(raw) if moment is None else None
    except ValueError:  # well formed, but no such day (2026-02-30)
        moment = day = None
    if moment is None:
        if day is None:
            raise BadParameter(name, f"{name} must be an ISO 8601 date or date-time.")
        moment = dt.datetime.combine(day, dt.time())
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, dt.UTC)
    return moment


def _paging(request: HttpRequest) -> tuple[int, int]:
    page = _int(request, "page", 1, 1, 1_000_000)
    per_page = _int(request, "per_page", DEFAULT_PER_PAGE, 1, MAX_PER_PAGE)
    return page, per_page


def _page(total: int, page: int, per_page: int, contents: list[dict[str, Any]]) -> dict[str, Any]:
    pages = max(1, math.ceil(total / per_page))
    return {
        "total_items": total,
        "total_pages": pages,
        "page_number": page,
        "size": len(contents),
        "first_page": page == 1,
        "last_page": page >= pages,
        "empty": total == 0,
        "contents": contents,
    }


def _format(request: HttpRequest) -> None:
    fmt = request.GET.get("format") or "json"
    if fmt != "json":
        raise BadParameter("format", "Only format=json is offered.")


def api_view(func: Callable[..., dict[str, Any] | None]) -> Callable[..., JsonResponse]:
    @require_GET
    def view(request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
        try:
            _format(request)
            body = func(request, *args, **kwargs)
        except BadParameter as exc:
            return _error(400, exc.message, {"parameter": exc.name})
        if body is None:
            return _error(404, "Not found.")
        response = JsonResponse(body, json_dumps_params={"ensure_ascii": False})
        response["Access-Control-Allow-Origin"] = "*"
        return response

    view.__name__ = func.__name__
    view.__doc__ = func.__doc__
    return view


@api_view
def root(request: HttpRequest) -> dict[str, Any]:
    return {
        "version": "3.0",
        "profile": "https://docs.openreferral.org/en/latest/hsds/schema_reference.html",
        "openapi_url": OPENAPI_URL,
    }


@api_view
def services(request: HttpRequest) -> dict[str, Any]:
    page, per_page = _paging(request)
    total, ids = hsds_service_page(
        search=request.GET.get("search", ""),
        taxonomy_term_id=_uuid(request, "taxonomy_term_id"),
        taxonomy_id=_uuid(request, "taxonomy_id"),
        organization_id=_uuid(request, "organization_id"),
        modified_after=_datetime(request, "modified_after"),
        offset=(page - 1) * per_page,
        limit=per_page,
    )
    if _bool(request, "minimal"):
        rows = nest_by_ids("service", ids, shape=LIST_ITEM)
        keep = ("id", "name", "status", "last_modified")
        contents = [{k: r[k] for k in keep if k in r} for r in rows]
    else:
        contents = nest_by_ids("service", ids, shape=FULL if _bool(request, "full") else LIST_ITEM)
    return _page(total, page, per_page, contents)


def _visible_id(raw: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(raw)
    except ValueError:
        return None


@api_view
def service_detail(request: HttpRequest, service_id: str) -> dict[str, Any] | None:
    sid = _visible_id(service_id)
    if sid is None or not services_visible().filter(id=sid).exists():
        return None
    return nest_by_ids("service", [sid])[0]


@api_view
def organizations(request: HttpRequest) -> dict[str, Any]:
    page, per_page = _paging(request)
    qs = Organization.objects.all()
    search = request.GET.get("search", "").strip()
    if search:
        qs = qs.filter(Q(name__icontains=search) | Q(description__icontains=search))
    total = qs.count()
    ids = list(
        qs.order_by("name", "id").values_list("id", flat=True)[(page - 1) * per_page :][:per_page]
    )
    full = _bool(request, "full") or _bool(request, "full_service")
    contents = nest_by_ids("organization", ids, shape=FULL if full else LIST_ITEM)
    if full:
        _only_visible_services(contents)
    return _page(total, page, per_page, contents)


def _only_visible_services(orgs: list[dict[str, Any]]) -> None:
    ids = [s["id"] for o in orgs for s in o.get("services", [])]
    visible = {str(i) for i in services_visible().filter(id__in=ids).values_list("id", flat=True)}
    for o in orgs:
        if "services" in o:
            o["services"] = [s for s in o["services"] if s["id"] in visible]


@api_view
def organization_detail(request: HttpRequest, organization_id: str) -> dict[str, Any] | None:
    oid = _visible_id(organization_id)
    if oid is None or not Organization.objects.filter(id=oid).exists():
        return None
    [org] = nest_by_ids("organization", [oid])
    _only_visible_services([org])
    return org


@api_view
def service_at_locations(request: HttpRequest) -> dict[str, Any]:
    page, per_page = _paging(request)
    visible = services_visible()
    organization_id = _uuid(request, "organization_id")
    if organization_id:
        visible = visible.filter(organization_id=organization_id)
    term = _uuid(request, "taxonomy_term_id")
    if term:
        visible = visible.filter(
            id__in=Attribute.objects.filter(taxonomy_term_id=term).values("link_id")
        )
    taxonomy = _uuid(request, "taxonomy_id")
    if taxonomy:
        visible = visible.filter(
            id__in=Attribute.objects.filter(taxonomy_term__taxonomy_id=taxonomy).values("link_id")
        )
    search = request.GET.get("search", "").strip()
    if search:
        _, matching = hsds_service_page(search=search, offset=0, limit=MAX_SEARCH_MATCHES)
        visible = visible.filter(id__in=matching)
    qs = ServiceAtLocation.objects.filter(service_id__in=visible.values("id"))
    modified_after = _datetime(request, "modified_after")
    if modified_after:
        qs = qs.filter(linkwell_updated_at__gte=modified_after)
    postcode = request.GET.get("postcode", "").strip()
    if postcode:
        point = OfflineGeocoder().locate(postcode)
        if point is None:
            raise BadParameter("postcode", "That postcode is not known.")
        meters = _int(request, "proximity", 10_000, 1, 500_000)
        km = meters / 1000
        lat_min, lat_max, lon_min, lon_max = bounding_box(point[0], point[1], km)
        near = [
            sal_id
            for sal_id, lat, lon in qs.filter(
                location__latitude__range=(lat_min, lat_max),
                location__longitude__range=(lon_min, lon_max),
            ).values_list("id", "location__latitude", "location__longitude")
            if lat is not None
            and lon is not None
            and haversine_km(point[0], point[1], lat, lon) <= km
        ]
        qs = qs.filter(id__in=near)
    total = qs.count()
    ids = list(qs.order_by("id").values_list("id", flat=True)[(page - 1) * per_page :][:per_page])
    shape = FULL if _bool(request, "full") else LIST_ITEM
    return _page(total, page, per_page, nest_by_ids("service_at_location", ids, shape=shape))


@api_view
def service_at_location_detail(request: HttpRequest, sal_id: str) -> dict[str, Any] | None:
    sid = _visible_id(sal_id)
    if sid is None:
        return None
    exists = ServiceAtLocation.objects.filter(
        id=sid, service_id__in=services_visible().values("id")
    ).exists()
    return nest_by_ids("service_at_location", [sid])[0] if exists else None


@api_view
def taxonomies(request: HttpRequest) -> dict[str, Any]:
    page, per_page = _paging(request)
    qs = Taxonomy.objects.exclude(id=TAXONOMY_ID)
    search = request.GET.get("search", "").strip()
    if search:
        qs = qs.filter(Q(name__icontains=search) | Q(description__icontains=search))
    total = qs.count()
    ids = list(
        qs.order_by("name", "id").values_list("id", flat=True)[(page - 1) * per_page :][:per_page]
    )
    return _page(total, page, per_page, nest_by_ids("taxonomy", ids))


@api_view
def taxonomy_detail(request: HttpRequest, taxonomy_id: str) -> dict[str, Any] | None:
    tid = _visible_id(taxonomy_id)
    if tid is None or not Taxonomy.objects.filter(id=tid).exists():
        return None
    return nest_by_ids("taxonomy", [tid])[0]


@api_view
def taxonomy_terms(request: HttpRequest) -> dict[str, Any]:
    page, per_page = _paging(request)
    qs = TaxonomyTerm.objects.exclude(id__in=list(CODE_BY_TERM_ID))
    search = request.GET.get("search", "").strip()
    if search:
        qs = qs.filter(Q(name__icontains=search) | Q(description__icontains=search))
    taxonomy = _uuid(request, "taxonomy_id")
    if taxonomy:
        qs = qs.filter(taxonomy_id=taxonomy)
    parent = _uuid(request, "parent_id")
    if parent:
        qs = qs.filter(parent_id=parent)
    if _bool(request, "top_only"):
        qs = qs.filter(parent_id__isnull=True)
    total = qs.count()
    ids = list(
        qs.order_by("name", "id").values_list("id", flat=True)[(page - 1) * per_page :][:per_page]
    )
    return _page(total, page, per_page, nest_by_ids("taxonomy_term", ids))


@api_view
def taxonomy_term_detail(request: HttpRequest, term_id: str) -> dict[str, Any] | None:
    tid = _visible_id(term_id)
    if tid is None or not TaxonomyTerm.objects.filter(id=tid).exists():
        return None
    return nest_by_ids("taxonomy_term", [tid])[0]
