"""The matcher's candidates computed straight from the directory's tables, as it did before the
match index: the yardstick the index's results are tested against (test_index.py)."""

from __future__ import annotations

import datetime as dt
import math
import uuid
from collections import defaultdict

from django.db.models import Exists, OuterRef, Q

from linkwell.directory.models import (
    Language,
    Schedule,
    Service,
    ServiceAtLocation,
    ServiceDeliveryMode,
    ServiceNeed,
)
from linkwell.directory.search import bounding_box
from linkwell.directory.selectors import hide_after_days
from linkwell.matching.engine import (
    HOME_VISIT_FACTOR,
    REMOTE_AREA_KM,
    REMOTE_MODES,
    Match,
    MatchProfile,
    ServiceFacts,
    score_service,
)


def _in_box(box: tuple[float, float, float, float], lat: float | None, lon: float | None) -> bool:
    if lat is None or lon is None:
        return False
    return box[0] <= lat <= box[1] and box[2] <= lon <= box[3]


def reachable(profile: MatchProfile) -> set[uuid.UUID]:
    meets = ServiceNeed.objects.filter(
        service_id=OuterRef("service_id"), need__in=profile.need_codes
    )
    remote = ServiceDeliveryMode.objects.filter(
        service_id=OuterRef("service_id"), mode__in=REMOTE_MODES
    )
    needed = ServiceNeed.objects.filter(need__in=profile.need_codes)
    if profile.origin is None:
        return set(needed.filter(Exists(remote)).values_list("service_id", flat=True))
    local_km = profile.travel_km * HOME_VISIT_FACTOR
    local = bounding_box(*profile.origin, local_km)
    regional = bounding_box(*profile.origin, REMOTE_AREA_KM)
    bases = (
        ServiceAtLocation.objects.filter(Exists(meets), service_id__isnull=False)
        .annotate(remote=Exists(remote))
        .values_list("service_id", "location__latitude", "location__longitude", "remote")
    )
    found = {
        sid
        for sid, lat, lon, is_remote in bases
        if _in_box(local, lat, lon) or (is_remote and _in_box(regional, lat, lon))
    }
    national = needed.filter(
        ~Exists(ServiceAtLocation.objects.filter(service_id=OuterRef("service_id"))),
        Exists(remote),
    ).values_list("service_id", flat=True)
    found.update(national)
    return found


def candidate_facts(profile: MatchProfile, *, now: dt.datetime) -> list[ServiceFacts]:
    if not profile.needs:
        return []
    cutoff = now - dt.timedelta(days=hide_after_days())
    qs = Service.objects.filter(
        id__in=reachable(profile), status="active", profile__verified_at__gte=cutoff
    )
    if profile.age is not None:
        qs = qs.filter(Q(minimum_age__isnull=True) | Q(minimum_age__lte=profile.age))
        qs = qs.filter(Q(maximum_age__isnull=True) | Q(maximum_age__gte=profile.age))
    facts: dict[uuid.UUID, ServiceFacts] = {}
    for s in qs.select_related("organization", "profile"):
        p = s.profile
        facts[s.id] = ServiceFacts(
            id=s.id,
            name=s.name,
            organization=s.organization.name if s.organization else "",
            description=(s.description or "")[:2000],
            minimum_age=s.minimum_age,
            maximum_age=s.maximum_age,
            communities=tuple(p.eligibility_communities or ()),
            cost=p.cost or "unknown",
            capacity=p.capacity,
            typical_wait_days=p.typical_wait_days,
            access=p.access or "self_referral",
        )
    for n in ServiceNeed.objects.filter(service_id__in=facts):
        facts[n.service_id].needs.add(n.need)
    for m in ServiceDeliveryMode.objects.filter(service_id__in=facts):
        facts[m.service_id].modes.add(m.mode)
    for lang in Language.objects.filter(service_id__in=facts):
        for value in (lang.code or "", lang.name or ""):
            if value:
                facts[lang.service_id].languages.add(value.strip().lower())  # type: ignore[index]
    for sal in ServiceAtLocation.objects.filter(service_id__in=facts).select_related("location"):
        loc = sal.location
        if loc is not None and loc.latitude is not None and loc.longitude is not None:
            facts[sal.service_id].places.append((loc.latitude, loc.longitude))  # type: ignore[index]
    schedules: dict[uuid.UUID, list[tuple[frozenset[str], str, str]]] = defaultdict(list)
    for sc in Schedule.objects.filter(
        Q(service_id__in=facts)
        | Q(service_at_location__service_id__in=facts, service_id__isnull=True)
    ).select_related("service_at_location"):
        owner = sc.service_id or sc.service_at_location.service_id  # type: ignore[union-attr]
        if owner is None or not sc.byday:
            continue
        days = frozenset(d.strip()[-2:].upper() for d in sc.byday.split(",") if d.strip())
        schedules[owner].append((days, (sc.opens_at or "00:00")[:5], (sc.closes_at or "24:00")[:5]))
    for sid, items in schedules.items():
        facts[sid].schedules = items
    return list(facts.values())


def rank(
    profile: MatchProfile, facts: list[ServiceFacts], *, limit: int
) -> tuple[int, list[Match]]:
    """Every candidate scored and explained, then sorted."""
    matches = [m for m in (score_service(profile, f) for f in facts) if m is not None]
    matches.sort(
        key=lambda m: (
            -m.score,
            m.distance_km if m.distance_km is not None else math.inf,
            m.name.lower(),
        )
    )
    return len(matches), matches[:limit]
