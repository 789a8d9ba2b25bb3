"""Reads for volunteers: staff views of volunteers, match suggestions, and a volunteer's own
matches with the minimal details DESIGN.md allows (first name, contact preference, plan items)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from linkwell.accounts.models import Role
from linkwell.audit.services import audit_log
from linkwell.common.errors import Forbidden, NotFound
from linkwell.people.models import Person
from linkwell.people.selectors import person_is_visible

from .models import MATCHING_ROLES, HoursLog, Match, MatchStatus, Volunteer, VolunteerStatus
from .rules import is_volunteer_staff, match_blockers


def volunteer_list_for_user(*, user: Any) -> QuerySet[Volunteer]:
    if not is_volunteer_staff(user, getattr(user, "organisation_id", None)):
        raise Forbidden("Your role does not include managing volunteers.")
    return (
        Volunteer.objects.filter(organisation_id=user.organisation_id)
        .select_related("user")
        .prefetch_related("training")
        .order_by("user__first_name", "user__username")
    )


def volunteer_get_for_user(*, user: Any, volunteer_uuid: Any) -> Volunteer:
    volunteer = Volunteer.objects.select_related("user").filter(uuid=volunteer_uuid).first()
    if volunteer is None or not is_volunteer_staff(user, volunteer.organisation_id):
        raise NotFound("No such volunteer.")
    return volunteer


@dataclass(frozen=True)
class Suggestion:
    volunteer: Volunteer
    score: int
    reasons: list[str]


def match_suggestions_for_person(
    *,
    user: Any,
    person: Person,
    interests: list[str] | None = None,
    availability: list[str] | None = None,
    today: dt.date | None = None,
) -> list[Suggestion]:
    """Volunteers who could be matched with the person, best first, with the reasons.

    Only active befrienders and peer supporters with a current DBS check and training, and room
    for another match, are suggested. Language is the strongest signal, then area (postcode
    district), then shared interests and overlapping availability.
    """
    if user.role not in (Role.LINK_WORKER, Role.SUPERVISOR) or not person_is_visible(
        user=user, person=person
    ):
        raise NotFound("No such person.")
    today = today or timezone.localdate()
    language = (person.language or "").strip().lower()
    district = (person.postcode or "").split(" ")[0].upper()
    wanted_interests = {i.strip().lower() for i in interests or [] if i.strip()}
    wanted_times = {a.strip().lower() for a in availability or [] if a.strip()}
    candidates = (
        Volunteer.objects.filter(
            organisation_id=user.organisation_id,
            role__in=MATCHING_ROLES,
            status=VolunteerStatus.ACTIVE,
        )
        .select_related("user")
        .prefetch_related("training", "matches")
    )
    out: list[Suggestion] = []
    for volunteer in candidates:
        if match_blockers(volunteer, today=today):
            continue
        active = [m for m in volunteer.matches.all() if m.status == MatchStatus.ACTIVE]
        if len(active) >= volunteer.max_matches or any(m.person_id == person.pk for m in active):
            continue
        score = 0
        reasons: list[str] = []
        if language and language in volunteer.languages:
            score += 40
            reasons.append(f"Speaks {person.language}")
        if district and volunteer.area and volunteer.area == district:
            score += 25
            reasons.append(f"Covers {district}")
        shared = sorted(wanted_interests & set(volunteer.interests))
        if shared:
            score += 10 * min(len(shared), 2)
            reasons.append("Shares interests: " + ", ".join(shared))
        times = sorted(wanted_times & set(volunteer.availability))
        if times:
            score += 5 * min(len(times), 3)
            reasons.append("Free at the same times: " + ", ".join(times))
        out.append(Suggestion(volunteer=volunteer, score=score, reasons=reasons))
    out.sort(key=lambda s: (-s.score, s.volunteer.user.username))
    audit_log(action="read", obj=person, person=person, actor=user, detail={"volunteer_match": 1})
    return out


@dataclass(frozen=True)
class MyMatch:
    """What a volunteer sees about a person they are matched with, and nothing more."""

    uuid: str
    first_name: str
    contact_preference: str
    agreed_plan_items: list[str]
    started_on: dt.date


def my_matches_for_volunteer(*, user: Any) -> list[MyMatch]:
    """The signed-in volunteer's own active matches, minimal details; one audit row per person."""
    if not getattr(user, "is_authenticated", False) or user.role != Role.VOLUNTEER:
        raise Forbidden("This page is for volunteers.")
    matches = Match.objects.filter(
        volunteer__user_id=user.pk, status=MatchStatus.ACTIVE
    ).select_related("person")
    out: list[MyMatch] = []
    for match in matches.order_by("started_on", "id"):
        person = match.person
        out.append(
            MyMatch(
                uuid=str(match.uuid),
                first_name=person.preferred_name or person.given_name,
                contact_preference=person.get_preferred_contact_method_display(),
                agreed_plan_items=list(match.agreed_plan_items),
                started_on=match.started_on,
            )
        )
        audit_log(action="read", obj=match, person=person, actor=user, detail={"volunteer_view": 1})
    return out


def my_volunteer_profile(*, user: Any) -> Volunteer:
    if not getattr(user, "is_authenticated", False) or user.role != Role.VOLUNTEER:
        raise NotFound("You do not have a volunteer record yet.")
    volunteer = Volunteer.objects.filter(user=user).first()
    if volunteer is None:
        raise NotFound("You do not have a volunteer record yet.")
    return volunteer


def my_hours(*, user: Any, limit: int = 10) -> list[HoursLog]:
    volunteer = my_volunteer_profile(user=user)
    return list(volunteer.hours.order_by("-worked_on", "-id")[:limit])


def match_list_for_person(*, user: Any, person: Person) -> QuerySet[Match]:
    if user.role not in (Role.LINK_WORKER, Role.SUPERVISOR, Role.ADMIN) or not person_is_visible(
        user=user, person=person
    ):
        raise NotFound("No such person.")
    audit_log(action="read", obj=person, person=person, actor=user, detail={"matches": 1})
    return Match.objects.filter(person=person).select_related("volunteer__user")


def match_get_for_user(*, user: Any, match_uuid: Any) -> Match:
    match = Match.objects.select_related("person", "volunteer").filter(uuid=match_uuid).first()
    if (
        match is None
        or not is_volunteer_staff(user, match.volunteer.organisation_id)
        or not person_is_visible(user=user, person=match.person)
    ):
        raise NotFound("No such match.")
    audit_log(action="read", obj=match, person=match.person, actor=user)
    return match
