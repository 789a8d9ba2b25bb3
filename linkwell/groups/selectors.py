"""Reads for groups, with access decided here.

- The programme team's staff (link workers, supervisors, its organisation's administrators) see
  everything about the team's programmes.
- Provider users see the programmes their organisation runs, and may fill in their registers.
- A facilitator (staff or volunteer) sees the sessions they run, and may fill in their registers.
- Everyone else gets NotFound, so a programme's existence is not revealed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from django.db.models import Avg, Count, Q, QuerySet

from linkwell.accounts.models import Role
from linkwell.audit.services import audit_log
from linkwell.cases.selectors import team_staff_q, user_is_team_staff
from linkwell.common.errors import NotFound

from .models import (
    PLACE_HOLDING,
    Booking,
    BookingStatus,
    GroupSession,
    PollResponse,
    Programme,
)
from .tokens import OFFER_SALT, POLL_MAX_AGE_SECONDS, POLL_SALT, read_token

_NOTHING = Q(pk__in=[])


def _as_uuid(value: UUID | str, what: str) -> UUID:
    try:
        return UUID(str(value))
    except ValueError:
        raise NotFound(f"{what} not found.") from None


def _signed_in(user: Any) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.is_active)


def programme_visible_q(user: Any, *, prefix: str = "") -> Q:
    """Programmes the user may see: the team's staff, its provider, or a session's facilitator."""
    if not _signed_in(user):
        return _NOTHING
    q = team_staff_q(user, team_field=f"{prefix}team")
    if user.role == Role.PROVIDER and user.organisation_id is not None:
        q |= Q(**{f"{prefix}provider_id": user.organisation_id})
    q |= Q(**{f"{prefix}sessions__facilitators": user})
    return q


def is_programme_staff(user: Any, programme: Programme) -> bool:
    """Staff of the programme's team: they book, cancel, decide offers and read the results."""
    return _signed_in(user) and user_is_team_staff(user, programme.team)


def can_take_register(user: Any, session: GroupSession) -> bool:
    """The team's staff, a provider user of the organisation running it, or its facilitator."""
    if not _signed_in(user):
        return False
    programme = session.programme
    if user_is_team_staff(user, programme.team):
        return True
    if (
        user.role == Role.PROVIDER
        and programme.provider_id is not None
        and user.organisation_id == programme.provider_id
    ):
        return True
    return session.facilitators.filter(pk=user.pk).exists()


def programme_list_for_user(*, user: Any) -> QuerySet[Programme]:
    return (
        Programme.objects.filter(programme_visible_q(user))
        .distinct()
        .select_related("team", "provider")
        .order_by("name", "id")
    )


def programme_get_for_user(*, user: Any, programme_uuid: UUID | str) -> Programme:
    programme = (
        Programme.objects.filter(
            programme_visible_q(user), uuid=_as_uuid(programme_uuid, "Programme")
        )
        .select_related("team", "provider")
        .first()
    )
    if programme is None:
        raise NotFound("Programme not found.")
    return programme


def session_list_for_programme(*, user: Any, programme: Programme) -> QuerySet[GroupSession]:
    """The programme's sessions the user may see (a facilitator only their own), with counts."""
    sessions = programme.sessions.all()
    if not is_programme_staff(user, programme) and not (
        user.role == Role.PROVIDER
        and programme.provider_id is not None
        and user.organisation_id == programme.provider_id
    ):
        sessions = sessions.filter(facilitators=user)
    return sessions.annotate(
        booked=Count("bookings", filter=Q(bookings__status__in=PLACE_HOLDING)),
        waiting=Count("bookings", filter=Q(bookings__status=BookingStatus.WAITING)),
    ).order_by("starts_at", "id")


def group_session_get_for_user(*, user: Any, session_uuid: UUID | str) -> GroupSession:
    """A session the user may see (staff, provider, or its facilitator); audited as a read
    because its page lists the people booked."""
    session = (
        GroupSession.objects.filter(uuid=_as_uuid(session_uuid, "Session"))
        .select_related("programme__team", "programme__provider")
        .first()
    )
    if session is None:
        raise NotFound("Session not found.")
    if not can_take_register(user, session):
        # A refused look at a session (and its list of names) is kept in the audit trail too.
        audit_log(action="read", obj=session, actor=user, detail={"refused": True})
        raise NotFound("Session not found.")
    audit_log(action="read", obj=session, actor=user)
    return session


def booking_list_for_session(*, session: GroupSession) -> QuerySet[Booking]:
    """Live bookings first booked, offered, then waiting (in waiting-list order). The caller
    fetched the session for the user."""
    return (
        session.bookings.exclude(status=BookingStatus.CANCELLED)
        .select_related("person", "poll_response", "offer_notice")
        .order_by("booked_at", "id")
    )


@dataclass
class SessionBookings:
    booked: list[Booking] = field(default_factory=list)
    offered: list[Booking] = field(default_factory=list)
    waiting: list[Booking] = field(default_factory=list)

    @property
    def places_taken(self) -> int:
        return len(self.booked) + len(self.offered)


def session_bookings(*, session: GroupSession) -> SessionBookings:
    result = SessionBookings()
    for booking in booking_list_for_session(session=session):
        {
            BookingStatus.BOOKED: result.booked,
            BookingStatus.OFFERED: result.offered,
            BookingStatus.WAITING: result.waiting,
        }[BookingStatus(booking.status)].append(booking)
    return result


def booking_get_for_user(*, user: Any, booking_uuid: UUID | str) -> Booking:
    """A booking for the programme team's staff only (they change bookings); audited."""
    booking = (
        Booking.objects.filter(
            team_staff_q(user, team_field="session__programme__team"),
            uuid=_as_uuid(booking_uuid, "Booking"),
        )
        .select_related("session__programme__team", "person")
        .first()
    )
    if booking is None:
        raise NotFound("Booking not found.")
    audit_log(action="read", obj=booking, person=booking.person, actor=user)
    return booking


def booking_from_offer_token(*, token: str) -> Booking:
    """The booking an offer link is for, for the person without an account."""
    booking_uuid = read_token(token=token, salt=OFFER_SALT)
    booking = (
        Booking.objects.filter(uuid=_as_uuid(booking_uuid or "", "Offer"))
        .select_related("session__programme")
        .first()
        if booking_uuid
        else None
    )
    if booking is None:
        raise NotFound("This link is not valid. Please contact the service.")
    return booking


def booking_from_poll_token(*, token: str) -> Booking:
    booking_uuid = read_token(token=token, salt=POLL_SALT, max_age=POLL_MAX_AGE_SECONDS)
    booking = (
        Booking.objects.filter(uuid=_as_uuid(booking_uuid or "", "Poll"))
        .select_related("session__programme")
        .first()
        if booking_uuid
        else None
    )
    if booking is None:
        raise NotFound("This link is not valid or has expired.")
    return booking


@dataclass(frozen=True)
class PollResults:
    responses: int
    mean: float | None
    counts: dict[int, int]  # score 1..5 -> answers
    comments: list[str]


def poll_results_for_programme(*, programme: Programme) -> PollResults:
    """Answers to "How much did today help?" across the programme's sessions. Names are never
    shown with comments; the caller checked the user is the programme's staff."""
    answers = PollResponse.objects.filter(booking__session__programme=programme)
    summary = answers.aggregate(n=Count("id"), mean=Avg("score"))
    counts = dict.fromkeys(range(1, 6), 0)
    for row in answers.values("score").annotate(n=Count("id")):
        counts[row["score"]] = row["n"]
    comments = list(
        answers.exclude(comment="")
        .order_by("-answered_at", "-id")
        .values_list("comment", flat=True)
    )
    mean = summary["mean"]
    return PollResults(
        responses=summary["n"],
        mean=round(float(mean), 2) if mean is not None else None,
        counts=counts,
        comments=comments,
    )


def bookable_people_for_user(*, user: Any, programme: Programme) -> QuerySet[Any]:
    """People with an open episode in the programme's team that the user may see: the choice
    offered when booking a place (their consent is checked when booking)."""
    from linkwell.cases.selectors import OPEN_EPISODE_STATUSES
    from linkwell.people.models import Person

    if not is_programme_staff(user, programme):
        return Person.objects.none()
    return (
        Person.objects.filter(
            team_staff_q(user, team_field="episodes__team"),
            episodes__team=programme.team,
            episodes__status__in=OPEN_EPISODE_STATUSES,
            merged_into__isnull=True,
        )
        .distinct()
        .order_by("family_name", "given_name", "id")
    )


def facilitator_candidates_for_user(*, user: Any, programme: Programme) -> QuerySet[Any]:
    """Users who may facilitate the programme's sessions: team staff, the service's active
    volunteers, and provider users of the organisation running it."""
    from linkwell.accounts.models import User
    from linkwell.volunteers.models import VolunteerStatus

    if not is_programme_staff(user, programme):
        return User.objects.none()
    team = programme.team
    q = Q(team=team, role__in=(Role.LINK_WORKER, Role.SUPERVISOR)) | Q(
        role=Role.VOLUNTEER,
        volunteer_profile__organisation_id=team.organisation_id,
        volunteer_profile__status=VolunteerStatus.ACTIVE,
    )
    if programme.provider_id is not None:
        q |= Q(role=Role.PROVIDER, organisation_id=programme.provider_id)
    return User.objects.filter(q, is_active=True).distinct().order_by("username")
