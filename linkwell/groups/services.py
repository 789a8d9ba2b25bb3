"""Writes for groups.

Every change to a session's places (book, cancel, offer, accept, decline, lapse) locks the session
row first (select_for_update on PostgreSQL; SQLite's IMMEDIATE transactions, set in settings,
already let one writer in at a time), so places held (booked plus offered) never exceed the
capacity, including under concurrent bookings.

A freed place is offered to the head of the waiting list with a time limit
(settings.LINKWELL["GROUP_OFFER_HOURS"], default 48 hours). The person answers through a signed
link (tokens.py) or staff answer on their behalf; when the time runs out ``offers_expire`` (run by
the huey task in tasks.py) passes the place to the next person. The person offered a place is
told by text or email, and the time limit counts from when they are told (offers.py).
"""

from __future__ import annotations

import datetime as dt
from functools import partial
from typing import Any
from uuid import UUID

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from linkwell.accounts.models import Organisation, Role, Team, User
from linkwell.audit.services import audit_log
from linkwell.cases.selectors import user_is_team_staff
from linkwell.common.errors import Conflict, Forbidden, NotFound, quoted
from linkwell.people.models import ConsentPurpose, Person
from linkwell.people.selectors import consent_in_force
from linkwell.sessions.models import ReminderStatus

from .models import (
    PLACE_HOLDING,
    Attendance,
    Booking,
    BookingStatus,
    EndReason,
    GroupSession,
    PollResponse,
    Programme,
)
from .offers import offer_notice_dispatch, offer_notice_prepare
from .selectors import can_take_register

DEFAULT_OFFER_HOURS = 48


def offer_time_limit() -> dt.timedelta:
    hours = getattr(settings, "LINKWELL", {}).get("GROUP_OFFER_HOURS", DEFAULT_OFFER_HOURS)
    return dt.timedelta(hours=int(hours))


def _require_staff(actor: Any, team: Team, what: str) -> None:
    if not user_is_team_staff(actor, team):
        raise Forbidden(f"Only the programme's team can {what}.")


@transaction.atomic
def programme_create(
    *,
    team: Team,
    actor: Any,
    name: str,
    description: str = "",
    provider: Organisation | None = None,
) -> Programme:
    _require_staff(actor, team, "add programmes")
    programme = Programme(
        team=team, name=name.strip(), description=description.strip(), provider=provider
    )
    programme.full_clean()
    programme.save()
    audit_log(action="create", obj=programme, actor=actor, detail={"name": programme.name})
    return programme


@transaction.atomic
def group_session_create(
    *,
    programme: Programme,
    actor: Any,
    starts_at: dt.datetime,
    capacity: int,
    duration_minutes: int = 90,
    venue: str = "",
    online: bool = False,
) -> GroupSession:
    _require_staff(actor, programme.team, "add sessions")
    if timezone.is_naive(starts_at):
        raise ValidationError({"starts_at": "Give the start time with its time zone."})
    if not online and not venue.strip():
        raise ValidationError({"venue": "Say where the session meets, or mark it as online."})
    session = GroupSession(
        programme=programme,
        starts_at=starts_at,
        capacity=capacity,
        duration_minutes=duration_minutes,
        venue=venue.strip(),
        online=online,
    )
    session.full_clean()
    session.save()
    audit_log(action="create", obj=session, actor=actor, detail={"capacity": capacity})
    return session


@transaction.atomic
def facilitator_add(*, session: GroupSession, user: User, actor: Any) -> GroupSession:
    """A facilitator is one of the team's staff, an active volunteer of the team's organisation,
    or a provider user of the organisation running the programme."""
    from linkwell.volunteers.models import Volunteer, VolunteerStatus

    programme = session.programme
    _require_staff(actor, programme.team, "choose facilitators")
    allowed = user_is_team_staff(user, programme.team)
    if user.role == Role.VOLUNTEER:
        allowed = Volunteer.objects.filter(
            user=user,
            organisation_id=programme.team.organisation_id,
            status=VolunteerStatus.ACTIVE,
        ).exists()
    elif user.role == Role.PROVIDER:
        allowed = (
            programme.provider_id is not None and user.organisation_id == programme.provider_id
        )
    if not allowed or not user.is_active:
        raise ValidationError(
            {
                "user": "A facilitator must be on the team, an active volunteer of the service, "
                "or work for the organisation running the programme."
            }
        )
    session.facilitators.add(user)
    audit_log(action="update", obj=session, actor=actor, detail={"facilitator": user.username})
    return session


def _lock(session: GroupSession) -> GroupSession:
    return (
        GroupSession.objects.select_for_update()
        .select_related("programme__team")
        .get(pk=session.pk)
    )


@transaction.atomic
def booking_create(*, session: GroupSession, person: Person, actor: Any) -> Booking:
    """A place if one is free (and nobody is waiting ahead), otherwise the waiting list. The
    person's consent to support by the service must be in force.

    Checks that do not depend on the places (who books, consent) run before the session row is
    locked, and the places are counted in one query, so the lock every booking for the session
    queues on is held as briefly as possible."""
    _require_staff(actor, session.programme.team, "book places")
    if not consent_in_force(person=person, purpose=ConsentPurpose.SUPPORT):
        raise Conflict(
            "This person has not given consent to support by the service, so they cannot be "
            "booked onto a group."
        )
    session = _lock(session)
    if session.starts_at <= timezone.now():
        raise Conflict("This session has already started.")
    places = session.bookings.exclude(status=BookingStatus.CANCELLED).aggregate(
        mine=Count("id", filter=Q(person=person)),
        taken=Count("id", filter=Q(status__in=PLACE_HOLDING)),
        waiting=Count("id", filter=Q(status=BookingStatus.WAITING)),
    )
    if places["mine"]:
        raise Conflict("This person already has a place or is on the waiting list.")
    free = places["taken"] < session.capacity and not places["waiting"]
    status = BookingStatus.BOOKED if free else BookingStatus.WAITING
    booking = Booking(session=session, person=person, status=status, booked_at=timezone.now())
    # The session was just locked and the person loaded, and one live booking per person was
    # counted above (the database's constraint stands behind it): validating those again would
    # only add queries while every other booking for the session waits.
    booking.full_clean(exclude=["session", "person"], validate_constraints=False)
    booking.save()
    audit_log(action="create", obj=booking, person=person, actor=actor, detail={"status": status})
    return booking


def _offer_next(session: GroupSession, *, now: dt.datetime, actor: Any) -> list[Booking]:
    """Offer each free place to the next person waiting. The session row is already locked."""
    offered: list[Booking] = []
    taken = session.bookings.filter(status__in=PLACE_HOLDING).count()
    if session.starts_at <= now:
        return offered
    queue = session.bookings.filter(status=BookingStatus.WAITING).order_by("booked_at", "id")
    for booking in queue[: max(session.capacity - taken, 0)].select_related("person"):
        notice = offer_notice_prepare(booking=booking, now=now)
        booking.status = BookingStatus.OFFERED
        booking.offered_at = now
        # The time limit counts from when the person can be told (offers.py), and an offer never
        # runs past the session's start.
        told_from = notice.next_attempt_at or now
        booking.offer_expires_at = min(told_from + offer_time_limit(), session.starts_at)
        booking.full_clean()
        booking.save()
        notice.booking = booking
        notice.full_clean(exclude=["booking"])
        notice.save()
        if notice.status == ReminderStatus.PENDING and told_from <= now:
            transaction.on_commit(partial(offer_notice_dispatch, booking_id=booking.pk))
        audit_log(
            action="update",
            obj=booking,
            person=booking.person,
            actor=actor,
            detail={"status": "offered", "expires": booking.offer_expires_at.isoformat()},
        )
        offered.append(booking)
    return offered


def _end(booking: Booking, *, reason: str, now: dt.datetime, actor: Any) -> None:
    booking.status = BookingStatus.CANCELLED
    booking.ended_reason = reason
    booking.ended_at = now
    booking.full_clean()
    booking.save()
    audit_log(
        action="update",
        obj=booking,
        person=booking.person,
        actor=actor,
        detail={"status": "cancelled", "reason": reason},
    )


def _relock(booking: Booking) -> tuple[GroupSession, Booking]:
    session = _lock(booking.session)
    booking = Booking.objects.select_related("person").get(pk=booking.pk)
    booking.session = session
    return session, booking


@transaction.atomic
def booking_cancel(*, booking: Booking, actor: Any) -> Booking:
    """Cancel a place, an offer or a place on the waiting list; a freed place is offered on."""
    session, booking = _relock(booking)
    _require_staff(actor, session.programme.team, "cancel bookings")
    if booking.status == BookingStatus.CANCELLED:
        raise Conflict("This booking is already cancelled.")
    now = timezone.now()
    _end(booking, reason=EndReason.CANCELLED, now=now, actor=actor)
    _offer_next(session, now=now, actor=actor)
    return booking


def _open_offer(booking: Booking, now: dt.datetime) -> None:
    if booking.status != BookingStatus.OFFERED:
        raise Conflict("There is no open offer of a place for this booking.")
    assert booking.offer_expires_at is not None  # noqa: S101  # booking_offer_has_time_limit
    if booking.offer_expires_at <= now:
        raise Conflict("This offer has run out. Please contact the service.")


@transaction.atomic
def offer_accept(*, booking: Booking, actor: Any = None) -> Booking:
    """The person takes the offered place: by their link (actor None) or through staff."""
    session, booking = _relock(booking)
    if actor is not None:
        _require_staff(actor, session.programme.team, "answer offers")
    now = timezone.now()
    _open_offer(booking, now)
    booking.status = BookingStatus.BOOKED
    booking.full_clean()
    booking.save()
    audit_log(
        action="update",
        obj=booking,
        person=booking.person,
        actor=actor,
        detail={"status": "booked", "offer": "accepted", "by_person": actor is None},
    )
    return booking


@transaction.atomic
def offer_decline(*, booking: Booking, actor: Any = None) -> Booking:
    """The person turns the offered place down; it goes to the next person waiting."""
    session, booking = _relock(booking)
    if actor is not None:
        _require_staff(actor, session.programme.team, "answer offers")
    now = timezone.now()
    _open_offer(booking, now)
    _end(booking, reason=EndReason.DECLINED, now=now, actor=actor)
    _offer_next(session, now=now, actor=actor)
    return booking


def _lapsing(now: dt.datetime) -> Q:
    """Offers whose time ran out, except those whose message is still queued or being retried:
    their time limit has not started (offers.py), so only the session's start ends them."""
    being_told = Q(
        offer_notice__status__in=(ReminderStatus.PENDING, ReminderStatus.FAILED),
        session__starts_at__gt=now,
    )
    return Q(status=BookingStatus.OFFERED, offer_expires_at__lte=now) & ~being_told


def offers_expire(*, now: dt.datetime | None = None) -> int:
    """Offers whose time ran out lapse and pass to the next person waiting. Returns how many
    lapsed. Each session is handled in its own transaction with its row locked."""
    now = now or timezone.now()
    session_ids = set(Booking.objects.filter(_lapsing(now)).values_list("session_id", flat=True))
    lapsed = 0
    for session_id in sorted(session_ids):
        lapsed += _expire_session_offers(session_id=session_id, now=now)
    return lapsed


@transaction.atomic
def _expire_session_offers(*, session_id: int, now: dt.datetime) -> int:
    session = _lock(GroupSession(pk=session_id))
    expired = list(
        session.bookings.filter(_lapsing(now)).select_related("person").order_by("offered_at", "id")
    )
    for booking in expired:
        _end(booking, reason=EndReason.LAPSED, now=now, actor=None)
    _offer_next(session, now=now, actor=None)
    return len(expired)


@transaction.atomic
def attendance_record(
    *, session: GroupSession, actor: Any, marks: dict[UUID | str, str]
) -> list[Booking]:
    """Tick attended or absent per booked place. ``marks`` maps booking uuid to "attended",
    "absent" or "" (not recorded). All or nothing: one unknown booking changes nothing."""
    session = _lock(session)
    if not can_take_register(actor, session):
        raise Forbidden("Only the session's facilitators, provider or team can take the register.")
    if session.starts_at > timezone.now():
        raise Conflict("The register opens when the session starts.")
    valid = set(Attendance.values)
    bookings = {
        str(b.uuid): b
        for b in session.bookings.filter(status=BookingStatus.BOOKED).select_related("person")
    }
    changed: list[Booking] = []
    for key, mark in marks.items():
        booking = bookings.get(str(key))
        if booking is None:
            raise NotFound("A booking in the register is not one of this session's places.")
        if mark not in valid:
            raise ValidationError({"attendance": f"Choose attended or absent, not {quoted(mark)}."})
        if booking.attendance == mark:
            continue
        booking.attendance = mark
        booking.attendance_recorded_at = timezone.now() if mark else None
        booking.attendance_recorded_by = actor if mark else None
        booking.full_clean()
        booking.save()
        audit_log(
            action="update",
            obj=booking,
            person=booking.person,
            actor=actor,
            detail={"attendance": mark},
        )
        changed.append(booking)
    return changed


class AlreadyAnswered(Conflict):
    """The poll was already answered for this booking: kindly refused, nothing changes."""


@transaction.atomic
def poll_answer(*, booking: Booking, score: int, comment: str = "") -> PollResponse:
    """Record the one answer for this attendee and session. Only people with a place who were
    not marked absent may answer, once."""
    booking = Booking.objects.select_for_update().select_related("session").get(pk=booking.pk)
    if booking.status != BookingStatus.BOOKED or booking.attendance == Attendance.ABSENT:
        raise Forbidden("This link is only for people who came to the session.")
    if booking.session.starts_at > timezone.now():
        raise Conflict("The question opens when the session starts. Please come back then.")
    if PollResponse.objects.filter(booking=booking).exists():
        raise AlreadyAnswered("Thank you, you have already answered for this session.")
    if not isinstance(score, int) or not 1 <= score <= 5:
        raise ValidationError({"score": "Choose a number from 1 to 5."})
    response = PollResponse(
        booking=booking, score=score, comment=comment.strip(), answered_at=timezone.now()
    )
    response.full_clean()
    response.save()
    # No actor and no person: the answer is not tied to a name in the audit trail either.
    audit_log(action="create", obj=response, detail={"session": str(booking.session.uuid)})
    return response
