"""Ranking directory services for a person, with the reasons in plain words.

Two steps. ``candidate_facts`` asks the database, through the match index (models.py), for the
active, up-to-date services that meet at least one of the person's needs and can reach them (a
location inside the travel bounding box, or delivered by phone, video or online), with the facts
the score needs, in one query. ``score_service`` then applies the remaining hard filters
(eligibility, travel distance) and scores the rest in Python; it never touches the database, so
ranking rules are tested on crafted facts. ``best_matches`` (the page's and the API's path) gives
the same as ranking every candidate's facts with less work per candidate: it scores each row's
decoded facts directly and builds facts and explained matches for the returned ones only.

Score, out of about 100: needs met (weighted by the person's priorities) up to 50; how it is
delivered against their preferences, travel distance, language, capacity and wait, opening days
and times against when they are free, cost, group or one-to-one; minus a lot for a service they
already said no to and for a "mental health" label they asked to avoid.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import uuid
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from django.db import connection
from django.db.models import Q, QuerySet

from linkwell.common.needs import NEED_LABELS
from linkwell.directory.search import bounding_box, haversine_km
from linkwell.directory.selectors import hide_after_days

from .models import MatchEntry, MatchFacts

REMOTE_MODES = frozenset({"telephone", "video", "online_group"})
IN_PERSON_MODES = frozenset({"face_to_face", "community_venue", "home_visit"})
# With no travel limit recorded, how far a face-to-face service may be.
DEFAULT_TRAVEL_KM = 10.0
# A home visit comes to the person: the service's base may be this much further away.
HOME_VISIT_FACTOR = 2.0
# A phone, video or online service with a base serves its region: bases further than this are
# out of area. One with no location at all is national.
REMOTE_AREA_KM = 30.0
PRIORITY_WEIGHT = {1: 3.0, 2: 2.0, 3: 1.0}
DAY_CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
DAY_SHORT = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MODE_WORDS = {
    "face_to_face": "face to face",
    "telephone": "phone",
    "video": "video call",
    "home_visit": "home visit",
    "community_venue": "at a community venue",
    "online_group": "online group",
}
NEED_WORDS = {
    "money": "money",
    "employment": "work",
    "mental_wellbeing": "wellbeing",
    "physical_activity": "getting active",
    "long_term_condition": "living with a health condition",
    "substance_use": "alcohol, drugs or gambling",
    "relationships": "family and relationships",
    "legal": "legal advice",
    "digital": "getting online",
    "immigration": "settling in the UK",
    "purpose": "meaningful activity",
    "transport": "getting around",
}
ENGLISH = frozenset({"en", "eng", "english"})
# NHS ethnic category codes of White backgrounds, for services meant for BAME communities.
WHITE_CATEGORIES = frozenset({"A", "B", "C"})
TIME_WINDOWS = {
    "morning": ("00:00", "12:00"),
    "afternoon": ("12:00", "17:00"),
    "evening": ("17:00", "24:00"),
}


def need_words(code: str) -> str:
    return NEED_WORDS.get(code, NEED_LABELS.get(code, code).lower())


def join_words(items: list[str], last: str = "and") -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + f" {last} " + items[-1]


@dataclass(frozen=True)
class MatchProfile:
    """What the matcher knows of the person: from the conversation and the person's record."""

    needs: tuple[tuple[str, int], ...]  # (code, priority 1-3)
    modes: frozenset[str] = frozenset()
    max_travel_km: float | None = None
    days: frozenset[int] = frozenset()
    times: frozenset[str] = frozenset()
    language: str = ""
    group: str = "either"
    avoid_mental_health_label: bool = False
    age: int | None = None
    sex: str = ""
    ethnic_category: str = ""
    origin: tuple[float, float] | None = None
    declined: frozenset[uuid.UUID] = frozenset()

    # Worked out once per profile, not once per service scored (a match scores hundreds).
    @cached_property
    def need_codes(self) -> list[str]:
        return [code for code, _ in self.needs]

    @cached_property
    def need_set(self) -> frozenset[str]:
        return frozenset(self.need_codes)

    @cached_property
    def need_weights(self) -> tuple[tuple[str, float], ...]:
        return tuple((code, PRIORITY_WEIGHT.get(p, 1.0)) for code, p in self.needs)

    @cached_property
    def total_weight(self) -> float:
        return sum(PRIORITY_WEIGHT.get(p, 1.0) for _, p in self.needs) or 1.0

    @cached_property
    def language_key(self) -> str:
        return self.language.strip().lower()

    @cached_property
    def time_windows(self) -> list[tuple[str, str]]:
        return [TIME_WINDOWS[t] for t in self.times if t in TIME_WINDOWS]

    @cached_property
    def wanted_days(self) -> set[str]:
        return {DAY_CODES[d] for d in self.days} or set(DAY_CODES)

    @property
    def travel_km(self) -> float:
        return self.max_travel_km if self.max_travel_km is not None else DEFAULT_TRAVEL_KM


@dataclass(slots=True)
class ServiceFacts:
    id: uuid.UUID
    name: str
    organization: str
    description: str = ""
    minimum_age: float | None = None
    maximum_age: float | None = None
    communities: tuple[str, ...] = ()
    cost: str = "unknown"
    capacity: int | None = None
    typical_wait_days: int | None = None
    access: str = "self_referral"
    needs: set[str] = field(default_factory=set)
    modes: set[str] = field(default_factory=set)
    languages: set[str] = field(default_factory=set)  # lower-cased codes and names
    places: list[tuple[float, float]] = field(default_factory=list)
    # (weekday codes, opens_at "HH:MM", closes_at "HH:MM")
    schedules: list[tuple[frozenset[str], str, str]] = field(default_factory=list)


@dataclass(slots=True)
class Match:
    service_id: uuid.UUID
    name: str
    organization: str
    score: float
    needs_met: list[str]
    distance_km: float | None
    modes: list[str]
    reasons: list[str]
    cautions: list[str]
    declined_before: bool

    @property
    def reasons_text(self) -> str:
        return " · ".join(self.reasons + self.cautions)


def _in_community(profile: MatchProfile, community: str) -> bool:
    """Refuse only on what is known: an unknown sex or age does not rule a person out."""
    needs = profile.need_set
    if community == "women":
        return profile.sex not in ("male",)
    if community == "men":
        return profile.sex not in ("female",)
    if community == "older_people":
        return profile.age is None or profile.age >= 50
    if community == "young_people":
        return profile.age is None or profile.age <= 25
    if community == "carers":
        return "caring" in needs
    if community == "refugees":
        return "immigration" in needs
    if community == "bame":
        return profile.ethnic_category not in WHITE_CATEGORIES
    return True


def _opening_fit(profile: MatchProfile, facts: ServiceFacts) -> tuple[bool | None, list[str]]:
    """(True if open at a time that suits, False if never, None if unknown), the days that fit."""
    if not facts.schedules or not (profile.days or profile.times):
        return None, []
    wanted_days = profile.wanted_days
    windows = profile.time_windows
    fitting: set[str] = set()
    for days, opens, closes in facts.schedules:
        closes = closes or "24:00"
        if not profile.times or any(opens < end and closes > start for start, end in windows):
            fitting |= days & wanted_days
    ordered = [DAY_SHORT[i] for i, code in enumerate(DAY_CODES) if code in fitting]
    return bool(fitting), ordered


def score_service(
    profile: MatchProfile, facts: ServiceFacts, *, explain: bool = True
) -> Match | None:
    """The service's match for the person, or None when a hard filter rules it out.

    The filters and the score are ``_hard_filtered_score``'s (best_matches scores every candidate
    with it straight from the rows); this adds the reasons and cautions in plain words.
    ``explain=False`` leaves them empty; the score and everything else are the same.
    """
    found = _hard_filtered_score(
        profile,
        profile.declined,
        (facts.id, facts.minimum_age, facts.maximum_age, None),
        [
            facts.name,
            facts.organization,
            facts.description,
            facts.communities,
            facts.cost,
            facts.capacity,
            facts.typical_wait_days,
            facts.access,
            facts.needs,
            facts.modes,
            facts.languages,
            facts.places,
            facts.schedules,
        ],
    )
    if found is None:
        return None
    score, distance, reachable_in_person = found
    met = [code for code in profile.need_codes if code in facts.needs]
    offered = [m for m in MODE_WORDS if m in facts.modes]
    declined = facts.id in profile.declined
    reasons: list[str] = []
    cautions: list[str] = []
    if explain:
        reasons.append("meets " + join_words([need_words(c) for c in met]))
        if reachable_in_person and distance is not None:
            reasons.append(f"{distance:.1f} km" if distance >= 0.1 else "very close")
        usable = [m for m in offered if m in REMOTE_MODES or reachable_in_person]
        if usable:
            reasons.append(join_words([MODE_WORDS[m] for m in usable], "or"))
        if profile.modes and not set(usable) & profile.modes:
            cautions.append("not offered the way they prefer")
        if facts.cost == "free":
            reasons.append("free")
        elif facts.cost == "paid":
            cautions.append("there is a cost")
        if facts.capacity == 0:
            cautions.append("no places at the moment")
        wait = facts.typical_wait_days
        if wait is not None:
            weeks = max(1, math.ceil(wait / 7))
            if wait <= 7:
                reasons.append("usually seen within a week")
            elif wait <= 28:
                reasons.append(f"usually seen within {weeks} weeks")
            else:
                cautions.append(f"usually a wait of about {weeks} weeks")
        language = profile.language_key
        if language and language not in ENGLISH:
            if language in facts.languages:
                reasons.append(f"in {profile.language.strip()}")
            else:
                cautions.append(f"not known to offer {profile.language.strip()}")
        fits, days = _opening_fit(profile, facts)
        if fits is True:
            reasons.append("open " + join_words(days[:7]))
        elif fits is False:
            cautions.append("not open when they are free")
        groupish = "online_group" in facts.modes or "group" in facts.name.lower()
        if profile.group == "group" and groupish:
            reasons.append("a group")
        elif profile.group == "one_to_one" and groupish:
            cautions.append("a group, and they prefer one to one")
        text = f"{facts.name} {facts.description}".lower()
        if profile.avoid_mental_health_label and "mental health" in text:
            cautions.append('carries a "mental health" label')
        if declined:
            cautions.append("they said no to this before")
    return Match(
        service_id=facts.id,
        name=facts.name,
        organization=facts.organization,
        score=score,
        needs_met=met,
        distance_km=round(distance, 2) if distance is not None else None,
        modes=offered,
        reasons=reasons,
        cautions=cautions,
        declined_before=declined,
    )


def _box_q(box: tuple[float, float, float, float], **also: bool) -> Q:
    return Q(latitude__range=(box[0], box[1]), longitude__range=(box[2], box[3]), **also)


def _entries(profile: MatchProfile) -> QuerySet[MatchEntry]:
    """Match index rows of services meeting one of the person's needs that can reach them: a base
    inside the travel box (twice the distance for home visits); a phone, video or online service
    based inside its region's box; or one of those with no base at all (national). Bounding boxes
    only; score_service applies the exact distances. Without a home location, every phone, video
    or online service."""
    entries = MatchEntry.objects.filter(need__in=profile.need_codes)
    if profile.origin is None:
        return entries.filter(remote=True)
    home_visit_km = profile.travel_km * HOME_VISIT_FACTOR
    local = bounding_box(*profile.origin, profile.travel_km)
    home_visit = bounding_box(*profile.origin, home_visit_km)
    regional = bounding_box(*profile.origin, REMOTE_AREA_KM)
    outer = bounding_box(*profile.origin, max(home_visit_km, REMOTE_AREA_KM))
    # One range of the (need, latitude) index per need; longitude and the rest from the index.
    return entries.filter(
        _box_q(local) | _box_q(home_visit, home_visit=True) | _box_q(regional, remote=True),
        latitude__range=(outer[0], outer[1]),
        longitude__range=(outer[2], outer[3]),
    )


def _national(profile: MatchProfile) -> QuerySet[MatchEntry]:
    return MatchEntry.objects.filter(
        need__in=profile.need_codes, latitude__isnull=True, national=True, remote=True
    )


def _candidate_rows(profile: MatchProfile, *, now: dt.datetime) -> list[tuple[Any, ...]]:
    """(service id as the driver gives it, minimum age, maximum age, packed facts) of every
    candidate (see candidate_facts), in the database's order."""
    if not profile.needs:
        return []
    reach = _entries(profile).values("service_id")
    if profile.origin is not None:
        # A UNION, not an OR of two IN tests: each part stays one index range per need.
        reach = reach.union(_national(profile).values("service_id"))
    cutoff = now - dt.timedelta(days=hide_after_days())
    qs = MatchFacts.objects.filter(
        service_id__in=reach,
        service__status="active",
        service__profile__verified_at__gte=cutoff,
    )
    if profile.age is not None:
        qs = qs.filter(
            Q(service__minimum_age__isnull=True) | Q(service__minimum_age__lte=profile.age)
        )
        qs = qs.filter(
            Q(service__maximum_age__isnull=True) | Q(service__maximum_age__gte=profile.age)
        )
    sql, params = qs.values_list(
        "service_id", "service__minimum_age", "service__maximum_age", "facts"
    ).query.sql_with_params()
    # The rows as the driver gives them: Django's per-value converters were a tenth of the time.
    # Only the id needs one (text on SQLite, already a UUID on PostgreSQL).
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _facts(row: tuple[Any, ...], packed: list[Any] | None = None) -> ServiceFacts:
    """A candidate row's facts (``packed``: its facts column, when already decoded)."""
    raw_id, min_age, max_age, text = row
    (
        name,
        org,
        desc,
        comms,
        cost,
        cap,
        wait,
        access,
        needs,
        modes,
        languages,
        places,
        schedules,
    ) = packed if packed is not None else json.loads(text)
    return ServiceFacts(
        id=raw_id if isinstance(raw_id, uuid.UUID) else uuid.UUID(raw_id),
        name=name,
        organization=org,
        description=desc,
        minimum_age=min_age,
        maximum_age=max_age,
        communities=tuple(comms),
        cost=cost,
        capacity=cap,
        typical_wait_days=wait,
        access=access,
        needs=set(needs),
        modes=set(modes),
        languages=set(languages),
        places=[(lat, lon) for lat, lon in places],
        schedules=[(frozenset(days), opens, closes) for days, opens, closes in schedules],
    )


def candidate_facts(profile: MatchProfile, *, now: dt.datetime) -> list[ServiceFacts]:
    """Facts of every service that could match: active, verified recently, meeting a need and
    within reach (a location inside the travel box, or remote delivery).

    One query: the candidates come from the match index (models.py) with their facts, and the
    status, verification and ages are tested live, from the service's and profile's indexes
    alone."""
    return [_facts(row) for row in _candidate_rows(profile, now=now)]


def rank(
    profile: MatchProfile, facts: list[ServiceFacts], *, limit: int = 20
) -> tuple[int, list[Match]]:
    """(how many passed the hard filters, the best ``limit`` of them), best first.

    Every candidate is scored without its reasons; only the ones returned are explained."""
    scored = [(m, f) for f in facts if (m := score_service(profile, f, explain=False))]
    scored.sort(
        key=lambda pair: (
            -pair[0].score,
            pair[0].distance_km if pair[0].distance_km is not None else math.inf,
            pair[0].name.lower(),
        )
    )
    best = [score_service(profile, f) for _, f in scored[:limit]]
    return len(scored), [m for m in best if m is not None]


def _hard_filtered_score(
    profile: MatchProfile,
    declined: frozenset[Any],
    row: tuple[Any, ...],
    packed: list[Any],
) -> tuple[float, float | None, bool] | None:
    """The hard filters and the score, straight from a candidate's row (id, minimum and maximum
    age) and its decoded facts (the match index's packed order): (score, distance in km,
    reachable in person), or None when a hard filter rules it out. ``declined`` holds the ids the
    person said no to, in the form ``row`` gives its id."""
    raw_id, min_age, max_age, _ = row
    (
        name,
        _org,
        desc,
        comms,
        cost,
        cap,
        wait,
        _access,
        needs,
        modes,
        languages,
        places,
        schedules,
    ) = packed
    age = profile.age
    if age is not None:
        if min_age is not None and age < min_age:
            return None
        if max_age is not None and age > max_age:
            return None
    if comms and not any(_in_community(profile, c) for c in comms):
        return None
    if profile.need_set.isdisjoint(needs):
        return None
    remote = not REMOTE_MODES.isdisjoint(modes)
    distance = None
    if profile.origin is not None and places:
        lat0, lon0 = profile.origin
        if len(places) == 1:
            distance = haversine_km(lat0, lon0, *places[0])
        else:
            distance = min(haversine_km(lat0, lon0, lat, lon) for lat, lon in places)
    home_visit = "home_visit" in modes
    reach = profile.travel_km * (HOME_VISIT_FACTOR if home_visit else 1.0)
    reachable_in_person = distance is not None and distance <= reach
    if remote and distance is not None and distance > REMOTE_AREA_KM:
        remote = False
    if not remote and not reachable_in_person:
        return None

    met_weight = sum(w for c, w in profile.need_weights if c in needs)
    score = 50.0 * met_weight / profile.total_weight
    if reachable_in_person and distance is not None:
        score += 10.0 * max(0.0, 1.0 - distance / max(reach, 0.1))
    if profile.modes:
        wanted = profile.modes
        if any(
            m in wanted and m in MODE_WORDS and (m in REMOTE_MODES or reachable_in_person)
            for m in modes
        ):
            score += 15.0
        else:
            score -= 15.0
    else:
        score += 8.0
    if cost == "free":
        score += 3.0
    elif cost == "paid":
        score -= 3.0
    if cap == 0:
        score -= 10.0
    elif cap:
        score += 2.0
    if wait is not None:
        if wait <= 14:
            score += 5.0
        elif wait <= 28:
            score += 2.0
        else:
            score -= 5.0
    language = profile.language_key
    if language and language not in ENGLISH:
        if language in languages:
            score += 10.0
        else:
            score -= 10.0
    if schedules and (profile.days or profile.times):
        wanted_days = profile.wanted_days
        windows = profile.time_windows
        fits = False
        for days, opens, closes in schedules:
            closes = closes or "24:00"
            if (
                not profile.times or any(opens < end and closes > start for start, end in windows)
            ) and not wanted_days.isdisjoint(days):
                fits = True
                break
        score += 5.0 if fits else -8.0
    groupish = "online_group" in modes or "group" in name.lower()
    if profile.group == "group" and groupish:
        score += 3.0
    elif profile.group == "one_to_one" and groupish:
        score -= 5.0
    if profile.avoid_mental_health_label and "mental health" in f"{name} {desc}".lower():
        score -= 20.0
    if raw_id in declined:
        score -= 40.0
    return round(score, 1), distance, reachable_in_person


def best_matches(
    profile: MatchProfile, *, now: dt.datetime, limit: int = 20
) -> tuple[int, list[Match]]:
    """``rank(profile, candidate_facts(profile, now=now), limit=limit)``, the same count and
    matches, with less work per candidate: each row's facts are scored as decoded (no
    ServiceFacts, no Match), and only the ``limit`` best become facts and explained matches."""
    rows = _candidate_rows(profile, now=now)
    # Ids as the driver gives them: a UUID on PostgreSQL, its hex text on SQLite.
    declined = frozenset([*profile.declined, *(d.hex for d in profile.declined)])
    loads = json.loads
    scored = []
    for index, row in enumerate(rows):
        packed = loads(row[3])
        found = _hard_filtered_score(profile, declined, row, packed)
        if found is not None:
            score, distance, _ = found
            key = (
                -score,
                round(distance, 2) if distance is not None else math.inf,
                packed[0].lower(),
            )
            scored.append((key, index, packed))
    scored.sort()
    best = [
        score_service(profile, _facts(rows[index], packed)) for _, index, packed in scored[:limit]
    ]
    return len(scored), [m for m in best if m is not None]
