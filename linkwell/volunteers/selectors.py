"""Reads for volunteers: staff views of volunteers, match suggestions, and a volunteer's own
matches with the minimal details DESIGN.md allows (first name, contact preference, plan items)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Count, QuerySet, Sum
from django.utils import timezone

from linkwell.accounts.models import Role, User
from linkwell.audit.services import audit_log
from linkwell.common.errors import Forbidden, NotFound
from linkwell.people.models import Person
from linkwell.people.selectors import person_is_visible

from .models import (
    MATCHING_ROLES,
    HoursLog,
    Match,
    MatchReview,
    MatchStatus,
    SupervisionSession,
    TrainingModule,
    Volunteer,
    VolunteerRole,
    VolunteerStatus,
)
from .rules import (
    expiring_soon,
    is_volunteer_staff,
    match_blockers,
    organisation_modules,
    required_modules,
)


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
    modules = organisation_modules([user.organisation_id])[user.organisation_id]
    out: list[Suggestion] = []
    for volunteer in candidates:
        if match_blockers(volunteer, today=today, modules=modules):
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


# ---------------------------------------------------------------------------------------------
# Staff pages: the volunteer list with compliance, one volunteer's record, the hours report.


@dataclass(frozen=True)
class VolunteerRow:
    """One line of the staff list: status, checks and what stops a new match."""

    volunteer: Volunteer
    blockers: list[str]
    expiring: list[str]
    next_training_expiry: dt.date | None
    active_matches: int


def _latest_training(volunteer: Volunteer) -> list[Any]:
    latest: dict[int, Any] = {}
    for done in volunteer.training.all():
        kept = latest.get(done.module_id)
        if kept is None or done.completed_on > kept.completed_on:
            latest[done.module_id] = done
    return sorted(latest.values(), key=lambda d: d.module.name)


def _compliance_blockers(
    volunteer: Volunteer, *, today: dt.date, modules: list[TrainingModule] | None = None
) -> list[str]:
    # A facilitator or champion is never matched one-to-one; that is their role, not a problem.
    role_reason = f"{volunteer.get_role_display()}s are not matched with one person."
    blockers = match_blockers(volunteer, today=today, modules=modules)
    return [b for b in blockers if b != role_reason]


def volunteer_rows_for_user(*, user: Any, today: dt.date | None = None) -> list[VolunteerRow]:
    """Every volunteer of the user's service with their compliance, for the staff list."""
    today = today or timezone.localdate()
    volunteers = volunteer_list_for_user(user=user).prefetch_related("training__module", "matches")
    modules = organisation_modules([user.organisation_id])[user.organisation_id]
    rows: list[VolunteerRow] = []
    for volunteer in volunteers:
        expiries = [d.expires_on for d in _latest_training(volunteer) if d.expires_on]
        rows.append(
            VolunteerRow(
                volunteer=volunteer,
                blockers=_compliance_blockers(volunteer, today=today, modules=modules),
                expiring=expiring_soon(volunteer, today=today, modules=modules),
                next_training_expiry=min(expiries) if expiries else None,
                active_matches=sum(
                    1 for m in volunteer.matches.all() if m.status == MatchStatus.ACTIVE
                ),
            )
        )
    return rows


@dataclass(frozen=True)
class StaffMatch:
    """A volunteer's match as staff see it: the person's name only when they may see the person."""

    match: Match
    person_label: str
    visible: bool
    hours: Decimal


@dataclass(frozen=True)
class VolunteerRecord:
    volunteer: Volunteer
    blockers: list[str]
    expiring: list[str]
    training: list[Any]
    required_modules: list[TrainingModule]
    missing_modules: list[TrainingModule]
    supervision: list[SupervisionSession]
    matches: list[StaffMatch]
    hours_total: Decimal


def _person_label(person: Person) -> str:
    return f"{person.preferred_name or person.given_name} {person.family_name}".strip()


def volunteer_record_for_user(
    *, user: Any, volunteer_uuid: Any, today: dt.date | None = None
) -> VolunteerRecord:
    """A volunteer's recruitment steps, training, supervision, matches and hours, for the staff of
    their service. People in matches the user may not see are shown without a name; one audit
    "read" row is written for each person whose name is shown."""
    today = today or timezone.localdate()
    volunteer = volunteer_get_for_user(user=user, volunteer_uuid=volunteer_uuid)
    volunteer = (
        Volunteer.objects.select_related("user")
        .prefetch_related("training__module")
        .get(pk=volunteer.pk)
    )
    training = _latest_training(volunteer)
    required = required_modules(volunteer)
    done_ids = {d.module_id for d in training}
    hours_by_match = dict(
        HoursLog.objects.filter(volunteer=volunteer, match__isnull=False)
        .values("match_id")
        .annotate(total=Sum("hours"))
        .values_list("match_id", "total")
    )
    matches: list[StaffMatch] = []
    for match in (
        Match.objects.filter(volunteer=volunteer)
        .select_related("person")
        .order_by("-started_on", "-id")
    ):
        visible = person_is_visible(user=user, person=match.person)
        if visible:
            audit_log(
                action="read", obj=match, person=match.person, actor=user, detail={"staff": 1}
            )
        matches.append(
            StaffMatch(
                match=match,
                person_label=_person_label(match.person) if visible else "A person in another team",
                visible=visible,
                hours=hours_by_match.get(match.pk) or Decimal(0),
            )
        )
    total = HoursLog.objects.filter(volunteer=volunteer).aggregate(total=Sum("hours"))["total"]
    return VolunteerRecord(
        volunteer=volunteer,
        blockers=_compliance_blockers(volunteer, today=today),
        expiring=expiring_soon(volunteer, today=today),
        training=training,
        required_modules=required,
        missing_modules=[m for m in required if m.pk not in done_ids],
        supervision=list(volunteer.supervision.select_related("supervisor").order_by("-held_on")),
        matches=matches,
        hours_total=total or Decimal(0),
    )


def training_modules_for_user(*, user: Any) -> QuerySet[TrainingModule]:
    if not is_volunteer_staff(user, getattr(user, "organisation_id", None)):
        raise Forbidden("Your role does not include managing volunteers.")
    return TrainingModule.objects.filter(organisation_id=user.organisation_id).order_by("name")


def volunteer_candidate_users(*, user: Any) -> QuerySet[User]:
    """Users with the volunteer role in the user's service who have no volunteer record yet."""
    if not is_volunteer_staff(user, getattr(user, "organisation_id", None)):
        raise Forbidden("Your role does not include managing volunteers.")
    return User.objects.filter(
        organisation_id=user.organisation_id,
        role=Role.VOLUNTEER,
        is_active=True,
        volunteer_profile__isnull=True,
    ).order_by("first_name", "last_name", "username")


def match_reviews_and_hours(*, match: Match) -> tuple[list[MatchReview], list[HoursLog]]:
    """The reviews and hours of a match already fetched through ``match_get_for_user``."""
    reviews = list(match.reviews.select_related("reviewed_by").order_by("-reviewed_on", "-id"))
    hours = list(HoursLog.objects.filter(match=match).order_by("-worked_on", "-id"))
    return reviews, hours


@dataclass(frozen=True)
class HoursLine:
    label: str
    role: str
    hours: Decimal
    entries: int


@dataclass(frozen=True)
class HoursReport:
    start: dt.date
    end: dt.date
    per_volunteer: list[HoursLine]
    per_match: list[HoursLine]
    total: Decimal


def hours_report_for_user(*, user: Any, start: dt.date, end: dt.date) -> HoursReport:
    """Hours volunteers logged from ``start`` to ``end`` (inclusive), per volunteer and per match.
    Matches are named by volunteer and start date, never by the person."""
    if end < start:
        raise ValidationError({"end": ["The end date must be on or after the start date."]})
    volunteers = volunteer_list_for_user(user=user)
    logs = HoursLog.objects.filter(
        volunteer__in=volunteers, worked_on__gte=start, worked_on__lte=end
    )
    per_volunteer = [
        HoursLine(
            label=row["volunteer__user__first_name"] + " " + row["volunteer__user__last_name"]
            if row["volunteer__user__first_name"]
            else row["volunteer__user__username"],
            role=VolunteerRole(row["volunteer__role"]).label,
            hours=row["total"],
            entries=row["entries"],
        )
        for row in logs.values(
            "volunteer_id",
            "volunteer__user__first_name",
            "volunteer__user__last_name",
            "volunteer__user__username",
            "volunteer__role",
        )
        .annotate(total=Sum("hours"), entries=Count("id"))
        .order_by("-total", "volunteer__user__username")
    ]
    per_match = [
        HoursLine(
            label=(
                f"{row['volunteer__user__first_name'] or row['volunteer__user__username']}'s "
                f"match from {row['match__started_on']:%d %B %Y}"
                + (" (ended)" if row["match__status"] == MatchStatus.ENDED else "")
            ),
            role=VolunteerRole(row["volunteer__role"]).label,
            hours=row["total"],
            entries=row["entries"],
        )
        for row in logs.filter(match__isnull=False)
        .values(
            "match_id",
            "match__started_on",
            "match__status",
            "volunteer__user__first_name",
            "volunteer__user__username",
            "volunteer__role",
        )
        .annotate(total=Sum("hours"), entries=Count("id"))
        .order_by("-total", "match_id")
    ]
    total = logs.aggregate(total=Sum("hours"))["total"] or Decimal(0)
    return HoursReport(
        start=start, end=end, per_volunteer=per_volunteer, per_match=per_match, total=total
    )
