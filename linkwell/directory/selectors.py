"""Reads of the directory. Directory listings are public information, not personal data, so
these reads write no audit rows; what they decide is visibility (status and freshness)."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.utils import timezone

from .models import (
    Attribute,
    Language,
    ListingChange,
    Schedule,
    Service,
    ServiceAtLocation,
    ServiceDeliveryMode,
    ServiceNeed,
)
from .search import CountFacts, any_token, backend, near_sql, nearest

LONDON = ZoneInfo("Europe/London")
DAY_CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
# Statuses shown to the public; "temporarily closed" stays findable, flagged on its page.
PUBLIC_STATUSES = ("active", "temporarily closed")
# When a place is given without a radius, services further than this are not listed.
DEFAULT_RADIUS_KM = 25.0


def hide_after_days() -> int:
    return int(str(settings.LINKWELL.get("DIRECTORY_HIDE_AFTER_DAYS", 365)))


def visible_since(now: dt.datetime) -> dt.datetime:
    """The oldest verification the public may see at ``now``."""
    return now - dt.timedelta(days=hide_after_days())


def _access(self_referral: bool) -> str:
    """The profile's access a self-referral filter asks for."""
    return "self_referral" if self_referral else "referral_needed"


@dataclass(frozen=True)
class ServiceFilters:
    needs: tuple[str, ...] = ()  # needs domain codes: a service meeting any of them
    delivery_modes: tuple[str, ...] = ()  # any of these modes
    cost: str | None = None  # "free" or "paid"
    age: int | None = None  # the person's age must be within the service's age range
    language: str | None = None  # ISO 639 code or language name
    open_on: int | None = None  # weekday, 0 = Monday
    open_now: bool = False
    self_referral: bool | None = None  # True: people can contact the service themselves
    max_distance_km: float | None = None  # with an origin; DEFAULT_RADIUS_KM otherwise


@dataclass(frozen=True)
class Origin:
    latitude: float
    longitude: float


@dataclass
class SearchHit:
    service: Service
    score: float | None
    distance_km: float | None


@dataclass
class SearchResult:
    total: int
    hits: list[SearchHit]


def _candidates(
    filters: ServiceFilters, include_hidden: bool, now: dt.datetime
) -> QuerySet[Service]:
    qs = Service.objects.all()
    if not include_hidden:
        cutoff = visible_since(now)
        qs = qs.filter(status__in=PUBLIC_STATUSES, profile__verified_at__gte=cutoff)
    # Correlated EXISTS through the (service, value) unique indexes: search tests each text
    # match against the filters, and a probe per match is cheaper than building the whole set.
    if filters.needs:
        qs = qs.filter(
            Exists(ServiceNeed.objects.filter(service_id=OuterRef("id"), need__in=filters.needs))
        )
    if filters.delivery_modes:
        qs = qs.filter(
            Exists(
                ServiceDeliveryMode.objects.filter(
                    service_id=OuterRef("id"), mode__in=filters.delivery_modes
                )
            )
        )
    if filters.cost:
        qs = qs.filter(profile__cost=filters.cost)
    if filters.age is not None:
        qs = qs.filter(Q(minimum_age__isnull=True) | Q(minimum_age__lte=filters.age))
        qs = qs.filter(Q(maximum_age__isnull=True) | Q(maximum_age__gte=filters.age))
    if filters.language:
        lang = filters.language.strip()
        qs = qs.filter(
            id__in=Language.objects.filter(Q(code__iexact=lang) | Q(name__iexact=lang)).values(
                "service_id"
            )
        )
    if filters.self_referral is not None:
        qs = qs.filter(profile__access=_access(filters.self_referral))
    day = None
    if filters.open_now:
        local = now.astimezone(LONDON)
        day = local.weekday()
    elif filters.open_on is not None:
        day = filters.open_on
    if day is not None:
        schedules = Schedule.objects.filter(byday__icontains=DAY_CODES[day])
        if filters.open_now:
            clock = now.astimezone(LONDON).strftime("%H:%M:%S")
            schedules = schedules.filter(opens_at__lte=clock, closes_at__gt=clock)
        qs = qs.filter(
            Q(id__in=schedules.filter(service_id__isnull=False).values("service_id"))
            | Q(
                id__in=ServiceAtLocation.objects.filter(
                    id__in=schedules.values("service_at_location_id")
                ).values("service_id")
            )
        )
    return qs


def _correlated(candidates: QuerySet[Service]) -> tuple[str, tuple[object, ...]]:
    """The candidate filter as an EXISTS correlated on the search document's service."""
    sql, params = (
        candidates.filter(id=RawSQL("d.service_id", ())).values("id").query.sql_with_params()
    )
    return f"EXISTS ({sql})", tuple(params)


def _document_where(
    filters: ServiceFilters, include_hidden: bool, now: dt.datetime
) -> tuple[str, tuple[object, ...]]:
    """The filters as a condition on the search document ``d`` a text match is read from.

    What the document carries (status, verification, cost, access, ages, needs and modes:
    ServiceSearchDocument) is compared in its row; the filters on other tables (language,
    opening days) stay an EXISTS on the service. Same rules as _candidates.
    """
    parts: list[str] = []
    params: list[object] = []
    if not include_hidden:
        cutoff = visible_since(now)
        marks = ", ".join(["%s"] * len(PUBLIC_STATUSES))
        parts.append(f"d.status IN ({marks}) AND d.verified_at >= %s")
        params += [*PUBLIC_STATUSES, connection.ops.adapt_datetimefield_value(cutoff)]
    if filters.cost:
        parts.append("d.cost = %s")
        params.append(filters.cost)
    if filters.age is not None:
        parts.append(
            "(d.minimum_age IS NULL OR d.minimum_age <= %s) "
            "AND (d.maximum_age IS NULL OR d.maximum_age >= %s)"
        )
        params += [filters.age, filters.age]
    if filters.self_referral is not None:
        parts.append("d.access = %s")
        params.append(_access(filters.self_referral))
    # Needs and modes: any of the codes among the document's tokens (kept in step with the
    # needs and modes tables by triggers, migration 0008).
    for column, codes in (("d.needs", filters.needs), ("d.modes", filters.delivery_modes)):
        if codes:
            condition, tokens = any_token(column, codes)
            parts.append(condition)
            params += tokens
    # Language: an EXISTS on its table, correlated on the document's service.
    here = RawSQL("d.service_id", ())
    related: list[QuerySet[Any]] = []
    if filters.language:
        lang = filters.language.strip()
        related.append(
            Language.objects.filter(Q(code__iexact=lang) | Q(name__iexact=lang), service_id=here)
        )
    for subquery in related:
        sql, more = subquery.values("pk").query.sql_with_params()
        parts.append(f"EXISTS ({sql})")
        params += more
    # Opening days and times: through the service, as _candidates has them.
    if filters.open_now or filters.open_on is not None:
        days = ServiceFilters(open_on=filters.open_on, open_now=filters.open_now)
        sql, more = _correlated(_candidates(days, include_hidden=True, now=now))
        parts.append(sql)
        params += more
    return " AND ".join(parts) or "1 = 1", tuple(params)


def _count_facts(
    filters: ServiceFilters, include_hidden: bool, now: dt.datetime
) -> CountFacts | None:
    """_document_where's condition as CountFacts, for a backend that counts text matches with
    them; None when it has a filter they do not hold (language, opening days)."""
    if filters.language or filters.open_now or filters.open_on is not None:
        return None
    return CountFacts(
        cutoff=None if include_hidden else visible_since(now),
        cost=filters.cost or None,
        access=None if filters.self_referral is None else _access(filters.self_referral),
        needs=tuple(filters.needs),
        modes=tuple(filters.delivery_modes),
        age=filters.age,
    )


def service_search(
    *,
    query: str = "",
    filters: ServiceFilters | None = None,
    origin: Origin | None = None,
    sort: str = "relevance",
    limit: int = 20,
    offset: int = 0,
    include_hidden: bool = False,
    now: dt.datetime | None = None,
) -> SearchResult:
    """Find directory services: the one search behind the public pages, staff and the matcher.

    ``query`` is ranked full text (every word must match, prefixes allowed; empty lists all).
    ``filters`` narrows (ServiceFilters). With ``origin`` each hit has ``distance_km`` to the
    nearest location and services beyond the radius are left out. ``sort`` is "relevance"
    (text score, then name) or "distance" (needs an origin). ``include_hidden`` also returns
    inactive, defunct and out-of-date services (staff views only). Hits carry the Service with
    its organization and profile loaded.
    """
    if sort not in ("relevance", "distance"):
        raise ValueError("sort must be 'relevance' or 'distance'")
    filters = filters or ServiceFilters()
    now = now or timezone.now()
    distances: dict[uuid.UUID, float] | None = None
    page: list[tuple[uuid.UUID, float | None]]
    if origin is not None:
        # One statement per search: the services within the radius (bounding box on the
        # locations' index, then the distance in SQL), tested against the filters in their
        # search document, the text matches ranked among them, and the page cut there.
        near = near_sql(
            (origin.latitude, origin.longitude), filters.max_distance_km or DEFAULT_RADIUS_KM
        )
        sql, params = _document_where(filters, include_hidden, now)
        if query.strip():
            total, scored = backend().rank_near(
                query=query,
                near=near,
                candidates_sql=sql,
                params=params,
                by_distance=sort == "distance",
                limit=limit,
                offset=offset,
            )
            page = [(sid, score) for sid, score, _ in scored]
            distances = {sid: km for sid, _, km in scored}
        else:
            total, nearby = nearest(
                near=near, candidates_sql=sql, params=params, limit=limit, offset=offset
            )
            page = [(sid, None) for sid, _ in nearby]
            distances = dict(nearby)
    elif query.strip():
        sql, params = _document_where(filters, include_hidden, now)
        total, ranked = backend().rank(
            query=query,
            candidates_sql=sql,
            params=params,
            limit=limit,
            offset=offset,
            facts=_count_facts(filters, include_hidden, now),
        )
        page = list(ranked)
    else:
        candidates = _candidates(filters, include_hidden, now)
        total = candidates.count()
        page = [
            (sid, None)
            for sid in candidates.order_by("name", "id").values_list("id", flat=True)[
                offset : offset + limit
            ]
        ]
    services = Service.objects.select_related("organization", "profile").in_bulk(
        [sid for sid, _ in page]
    )
    hits = [
        SearchHit(
            service=services[sid],
            score=score,
            distance_km=distances.get(sid) if distances is not None else None,
        )
        for sid, score in page
        if sid in services
    ]
    return SearchResult(total=total, hits=hits)


def service_get_public(*, service_id: uuid.UUID | str) -> Service:
    """A service as the public may see it; NotFound when hidden (status or out of date)."""
    from linkwell.common.errors import NotFound

    cutoff = visible_since(timezone.now())
    service = (
        Service.objects.select_related("organization", "profile")
        .filter(id=service_id, status__in=PUBLIC_STATUSES, profile__verified_at__gte=cutoff)
        .first()
    )
    if service is None:
        raise NotFound("That service is not in the directory.")
    return service


def services_visible(*, now: dt.datetime | None = None) -> QuerySet[Service]:
    """Services the public may see: a public status and verified within the hide period."""
    cutoff = visible_since(now or timezone.now())
    return Service.objects.filter(status__in=PUBLIC_STATUSES, profile__verified_at__gte=cutoff)


def hsds_service_page(
    *,
    search: str = "",
    taxonomy_term_id: uuid.UUID | None = None,
    taxonomy_id: uuid.UUID | None = None,
    organization_id: uuid.UUID | None = None,
    modified_after: dt.datetime | None = None,
    offset: int = 0,
    limit: int = 50,
) -> tuple[int, list[uuid.UUID]]:
    """(total, ids of one page) of visible services for the HSDS API's /services filters."""
    now = timezone.now()
    qs = services_visible(now=now)
    if taxonomy_term_id is not None:
        qs = qs.filter(
            id__in=Attribute.objects.filter(taxonomy_term_id=taxonomy_term_id).values("link_id")
        )
    if taxonomy_id is not None:
        qs = qs.filter(
            id__in=Attribute.objects.filter(taxonomy_term__taxonomy_id=taxonomy_id).values(
                "link_id"
            )
        )
    if organization_id is not None:
        qs = qs.filter(organization_id=organization_id)
    if modified_after is not None:
        qs = qs.filter(linkwell_updated_at__gte=modified_after)
    if search.strip():
        sql, params = _correlated(qs)
        others = (taxonomy_term_id, taxonomy_id, organization_id, modified_after)
        only_visibility = all(value is None for value in others)
        total, ranked = backend().rank(
            query=search,
            candidates_sql=sql,
            params=params,
            limit=limit,
            offset=offset,
            facts=_count_facts(ServiceFilters(), False, now) if only_visibility else None,
        )
        return total, [sid for sid, _ in ranked]
    ids = list(qs.order_by("name", "id").values_list("id", flat=True)[offset : offset + limit])
    return qs.count(), ids


@dataclass
class ServicePage:
    """Everything the public service page shows, loaded in a fixed number of queries."""

    service: Service
    places: list[dict[str, object]]  # {"location", "addresses", "latitude", "longitude"}
    schedules: list[Schedule]
    phones: list[str]
    emails: list[str]
    languages: list[str]
    needs: list[str]
    modes: list[str]


def service_page_public(*, service_id: uuid.UUID | str) -> ServicePage:
    """A visible service with what its page shows; NotFound when hidden or unknown."""
    from linkwell.common.errors import NotFound

    from .models import Address, Contact, Phone

    try:
        sid = uuid.UUID(str(service_id))
    except ValueError:
        raise NotFound("That service is not in the directory.") from None
    service = services_visible().select_related("organization", "profile").filter(id=sid).first()
    if service is None:
        raise NotFound("That service is not in the directory.")
    sals = list(ServiceAtLocation.objects.filter(service=service).select_related("location"))
    location_ids = [s.location_id for s in sals if s.location_id]
    addresses: dict[uuid.UUID, list[Address]] = {}
    for address in Address.objects.filter(location_id__in=location_ids, address_type="physical"):
        addresses.setdefault(address.location_id, []).append(address)  # type: ignore[arg-type]
    places = [
        {
            "location": s.location,
            "addresses": addresses.get(s.location_id, []),  # type: ignore[arg-type]
        }
        for s in sals
        if s.location is not None
    ]
    schedules = list(
        Schedule.objects.filter(Q(service=service) | Q(service_at_location__in=sals)).order_by("id")
    )
    phones = list(
        Phone.objects.filter(Q(service=service) | Q(service_at_location__in=sals)).values_list(
            "number", flat=True
        )
    )
    if not phones and service.organization_id:
        phones = list(
            Phone.objects.filter(organization_id=service.organization_id).values_list(
                "number", flat=True
            )
        )
    emails = [service.email] if service.email else []
    emails += [
        e
        for e in Contact.objects.filter(service=service).values_list("email", flat=True)
        if e and e not in emails
    ]
    languages = sorted(
        {
            str(name or code)
            for name, code in Language.objects.filter(service=service).values_list("name", "code")
            if name or code
        }
    )
    return ServicePage(
        service=service,
        places=places,
        schedules=schedules,
        phones=list(dict.fromkeys(phones)),
        emails=emails,
        languages=languages,
        needs=list(ServiceNeed.objects.filter(service=service).values_list("need", flat=True)),
        modes=list(
            ServiceDeliveryMode.objects.filter(service=service).values_list("mode", flat=True)
        ),
    )


def listings_for_user(*, user: object) -> QuerySet[Service]:
    """The listings a user may edit: a provider's own organisation's, or all for a manager."""
    from linkwell.common.errors import Forbidden

    from .services.listings import is_directory_manager

    qs = Service.objects.select_related("organization", "profile").order_by("name", "id")
    if is_directory_manager(user):  # type: ignore[arg-type]
        return qs
    if getattr(user, "role", None) == "provider" and getattr(user, "organisation_id", None):
        return qs.filter(organization__linkwell_organisation_id=user.organisation_id)  # type: ignore[attr-defined]
    raise Forbidden("Only providers and directory managers keep listings.")


def listing_get_for_user(*, user: object, service_id: uuid.UUID | str) -> Service:
    """One editable listing; NotFound for anyone else's, so its existence is not revealed."""
    from linkwell.common.errors import Forbidden, NotFound

    try:
        sid = uuid.UUID(str(service_id))
        service = listings_for_user(user=user).filter(id=sid).first()
    except (ValueError, Forbidden):
        service = None
    if service is None:
        raise NotFound("Listing not found.")
    return service


def listing_history(*, service: Service) -> QuerySet[ListingChange]:
    return ListingChange.objects.filter(service_ref=service.id).select_related(
        "actor", "reviewed_by"
    )


def listing_changes_pending(*, user: object) -> QuerySet[ListingChange]:
    """The directory manager's review queue, oldest first."""
    from linkwell.common.errors import Forbidden

    from .services.listings import is_directory_manager

    if not is_directory_manager(user):  # type: ignore[arg-type]
        raise Forbidden("Only directory managers review listing changes.")
    return (
        ListingChange.objects.filter(status="pending")
        .select_related("service", "organization", "actor")
        .order_by("created_at")
    )


def listing_change_get_for_user(*, user: object, change_id: uuid.UUID | str) -> ListingChange:
    from linkwell.common.errors import Forbidden, NotFound

    try:
        return listing_changes_pending(user=user).get(uuid=uuid.UUID(str(change_id)))
    except (ValueError, Forbidden, ListingChange.DoesNotExist):
        raise NotFound("Change not found.") from None
