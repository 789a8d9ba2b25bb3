"""Demo data: group programmes, their sessions, bookings, waiting lists, registers and polls.

Four programmes: "Managing worries, 4 weeks", "Sleep well" and "5 ways to wellbeing" run by the
East team, and "Getting back to work" by the West team with Work Ready Northside. Each has sessions
in the past (registers filled in, end-of-session poll answers) and sessions to come, with capacities
of 10, 12 and 15 and facilitators from the team's staff and the service's group-facilitator
volunteers. The next "Sleep well" session is full, with a waiting list and an open offer of a place
that someone cancelled.

Everything goes through the services, as the team's staff, the facilitators and the people
themselves would. A past session is made while it is still to come (places cannot be booked once
it has started), then moved to its date, and then its register and poll are filled in; the rows
are dated to when the demo says each step happened.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from django.utils import timezone

from linkwell.accounts.models import Team, User
from linkwell.cases.models import Episode, EpisodeStatus
from linkwell.common.demo import DemoContext
from linkwell.people.models import ConsentPurpose, Person
from linkwell.people.selectors import consent_in_force

from .models import Attendance, Booking, BookingStatus, GroupSession, PollResponse, Programme
from .services import (
    attendance_record,
    booking_cancel,
    booking_create,
    facilitator_add,
    group_session_create,
    poll_answer,
    programme_create,
)


@dataclass(frozen=True)
class ProgrammeSpec:
    name: str
    description: str
    team: str
    # The team member who sets it up and books places.
    organiser: str
    provider: str | None
    capacity: int
    venue: str
    # Day of the week (0 is Monday), hour and minute (London) the sessions start; minutes long.
    weekday: int
    at: tuple[int, int]
    duration: int
    # Days from today of each session, moved to the programme's weekday: negative in the past,
    # positive to come.
    days: tuple[int, ...]
    # Staff usernames; "volunteer" stands for one of the group-facilitator volunteers.
    facilitators: tuple[str, ...]
    online_days: tuple[int, ...] = ()


PROGRAMMES: tuple[ProgrammeSpec, ...] = (
    ProgrammeSpec(
        "Managing worries, 4 weeks",
        "Four weekly sessions on understanding worry and anxiety, with practical ways to manage "
        "them. Best to come to all four.",
        "team_east",
        "linkworker",
        None,
        12,
        "Harehills Community Centre, room 2",
        3,
        (10, 0),
        120,
        (-119, -112, -105, -98, -49, -42, -35, -28, 6, 13, 20, 27),
        ("linkworker", "volunteer"),
    ),
    ProgrammeSpec(
        "Sleep well",
        "One evening session on sleep: routines, worry at night, and what to try when nothing "
        "works.",
        "team_east",
        "a.begum",
        None,
        10,
        "Chapeltown Library, community room",
        1,
        (18, 0),
        90,
        (-91, -63, -35, -7, 8, 36),
        ("a.begum", "volunteer"),
    ),
    ProgrammeSpec(
        "5 ways to wellbeing",
        "Connect, be active, take notice, keep learning, give: a relaxed group trying one each "
        "session.",
        "team_east",
        "t.walsh",
        None,
        15,
        "Bramley Community Hub",
        2,
        (13, 30),
        90,
        (-84, -56, -28, -14, 14, 42),
        ("t.walsh", "volunteer"),
        online_days=(-14,),
    ),
    ProgrammeSpec(
        "Getting back to work",
        "For people out of work through ill health: confidence, what employers must do, and "
        "one-to-one help from an employment adviser afterwards.",
        "team_west",
        "j.hartley",
        "work_ready",
        10,
        "Work Ready Northside, Foundry Street",
        0,
        (10, 30),
        120,
        (-70, -42, -21, 7, 28),
        ("j.hartley", "c.byrne"),
    ),
)
COMMENTS = (
    "Nice to know I'm not the only one.",
    "The breathing exercise really helped.",
    "Too much to take in at once, but the handout is good.",
    "Friendly group, I'll come back.",
    "Room was too warm.",
    "I said more than I expected to.",
    "",
)


def _stamp(model: type[Any], pk: int, moment: dt.datetime, **fields: Any) -> None:
    model.objects.filter(pk=pk).update(created_at=moment, updated_at=moment, **fields)


def _pool(team: Team) -> tuple[list[Person], list[Person]]:
    """People of the team who consent to support: those with an open episode (who can book what
    is to come), and everyone else the team supported (who came to the sessions in the past)."""
    open_ids: set[int] = set()
    current: list[Person] = []
    others: list[Person] = []
    seen: set[int] = set()
    episodes = (
        Episode.objects.filter(team=team, person__merged_into__isnull=True)
        .select_related("person")
        .order_by("opened_at", "pk")
    )
    for episode in episodes:
        if episode.status in (EpisodeStatus.OPEN, EpisodeStatus.ACTIVE):
            open_ids.add(episode.person_id)
    for episode in episodes:
        person = episode.person
        if person.pk in seen:
            continue
        seen.add(person.pk)
        if not consent_in_force(person=person, purpose=ConsentPurpose.SUPPORT):
            continue
        (current if person.pk in open_ids else others).append(person)
    return current, others


class _Groups:
    def __init__(self, ctx: DemoContext) -> None:
        self.ctx = ctx
        self.now = timezone.now()
        self.today = timezone.localdate()
        self.volunteers: list[User] = list(ctx.extra.get("group_facilitators", []))
        self.pools: dict[str, tuple[list[Person], list[Person]]] = {}

    def starts(self, spec: ProgrammeSpec, days: int) -> dt.datetime:
        day = self.today + dt.timedelta(days=days)
        # Back to the weekday for a past session, on to it for one to come.
        if days < 0:
            day -= dt.timedelta(days=(day.weekday() - spec.weekday) % 7)
        else:
            day += dt.timedelta(days=(spec.weekday - day.weekday()) % 7)
        tz = timezone.get_current_timezone()
        return dt.datetime.combine(day, dt.time(*spec.at), tzinfo=tz)

    def facilitators(self, spec: ProgrammeSpec, index: int) -> list[User]:
        out: list[User] = []
        for name in spec.facilitators:
            if name == "volunteer":
                if self.volunteers:
                    out.append(self.volunteers[index % len(self.volunteers)])
            else:
                out.append(self.ctx.users[name])
        return out

    def programme(self, spec: ProgrammeSpec, index: int) -> None:
        ctx = self.ctx
        organiser = ctx.users[spec.organiser]
        team = ctx.teams[spec.team]
        if spec.team not in self.pools:
            self.pools[spec.team] = _pool(team)
        programme = programme_create(
            team=team,
            actor=organiser,
            name=spec.name,
            description=spec.description,
            provider=ctx.organisations.get(spec.provider) if spec.provider else None,
        )
        _stamp(Programme, programme.pk, ctx.days_ago(-min(spec.days) + 30))
        ctx.count("group programmes")
        for n, days in enumerate(spec.days):
            starts = self.starts(spec, days)
            online = days in spec.online_days
            facilitators = self.facilitators(spec, index + n)
            if days < 0:
                self.past_session(spec, programme, organiser, facilitators, starts, online)
            else:
                # The next "Sleep well" evening is the one everybody wants.
                full = spec.name == "Sleep well" and days == min(d for d in spec.days if d > 0)
                self.future_session(spec, programme, organiser, facilitators, starts, full)

    def _session(
        self,
        spec: ProgrammeSpec,
        programme: Programme,
        organiser: User,
        facilitators: list[User],
        starts: dt.datetime,
        capacity: int,
        online: bool = False,
    ) -> GroupSession:
        session = group_session_create(
            programme=programme,
            actor=organiser,
            starts_at=starts,
            capacity=capacity,
            duration_minutes=spec.duration,
            venue="" if online else spec.venue,
            online=online,
        )
        for user in facilitators:
            facilitator_add(session=session, user=user, actor=organiser)
        self.ctx.count("group sessions")
        return session

    def past_session(
        self,
        spec: ProgrammeSpec,
        programme: Programme,
        organiser: User,
        facilitators: list[User],
        starts: dt.datetime,
        online: bool,
    ) -> None:
        ctx = self.ctx
        current, others = self.pools[spec.team]
        people = current + others
        if not people:
            return
        # Made while still to come, so places can be booked; moved to its date below.
        session = self._session(
            spec,
            programme,
            organiser,
            facilitators,
            self.now + dt.timedelta(days=1),
            spec.capacity,
            online,
        )
        wanted = min(len(people), round(spec.capacity * ctx.rng.uniform(0.6, 1.0)))
        chosen = ctx.rng.sample(people, wanted)
        bookings = [booking_create(session=session, person=p, actor=organiser) for p in chosen]
        ctx.count("group bookings", len(bookings))
        cancelled: set[int] = set()
        if len(bookings) > 4:
            dropped = ctx.pick(bookings)
            booking_cancel(booking=dropped, actor=organiser)
            cancelled.add(dropped.pk)
            ctx.count("group bookings cancelled")
        GroupSession.objects.filter(pk=session.pk).update(starts_at=starts)
        session.starts_at = starts
        taker = facilitators[-1] if facilitators else organiser
        live = [b for b in bookings if b.pk not in cancelled]
        marks: dict[UUID | str, str] = {
            str(b.uuid): Attendance.ATTENDED if ctx.chance(0.8) else Attendance.ABSENT for b in live
        }
        attendance_record(session=session, actor=taker, marks=marks)
        ctx.count("group attendances", sum(1 for m in marks.values() if m == Attendance.ATTENDED))
        ended = starts + dt.timedelta(minutes=spec.duration)
        # Dates: made a month before, booked over the weeks before, the register taken at the end.
        _stamp(GroupSession, session.pk, starts - dt.timedelta(days=30))
        for booking in bookings:
            booked = starts - dt.timedelta(days=ctx.rng.uniform(2, 28))
            fields: dict[str, Any] = {"booked_at": booked}
            if booking.pk in cancelled:
                fields["ended_at"] = booked + (starts - booked) / 2
            else:
                fields["attendance_recorded_at"] = ended + dt.timedelta(minutes=10)
            _stamp(Booking, booking.pk, booked, **fields)
        for booking in live:
            if marks[str(booking.uuid)] != Attendance.ATTENDED or not ctx.chance(0.65):
                continue
            response = poll_answer(
                booking=booking,
                score=ctx.weighted([(5, 0.35), (4, 0.35), (3, 0.2), (2, 0.07), (1, 0.03)]),
                comment=ctx.pick(COMMENTS),
            )
            answered = ended + dt.timedelta(minutes=ctx.rng.uniform(1, 90))
            _stamp(PollResponse, response.pk, answered, answered_at=answered)
            ctx.count("group poll answers")

    def future_session(
        self,
        spec: ProgrammeSpec,
        programme: Programme,
        organiser: User,
        facilitators: list[User],
        starts: dt.datetime,
        full: bool,
    ) -> None:
        ctx = self.ctx
        current, others = self.pools[spec.team]
        people = current or others
        capacity = spec.capacity
        if full:
            # Full with three waiting (fewer people in a small demo: a smaller room).
            capacity = min(capacity, max(1, len(people) - 3))
            wanted = min(len(people), capacity + 3)
        else:
            wanted = min(len(people), round(capacity * ctx.rng.uniform(0.3, 0.8)))
        session = self._session(spec, programme, organiser, facilitators, starts, capacity)
        _stamp(GroupSession, session.pk, self.now - dt.timedelta(days=ctx.rng.uniform(20, 40)))
        chosen = ctx.rng.sample(people, wanted)
        bookings = [booking_create(session=session, person=p, actor=organiser) for p in chosen]
        ctx.count("group bookings", len(bookings))
        # Booked over the last three weeks, in the order they were made (the waiting list's order).
        moments = sorted(
            self.now - dt.timedelta(days=ctx.rng.uniform(0.5, 21)) for _ in range(len(bookings))
        )
        for booking, booked in zip(bookings, moments, strict=True):
            _stamp(Booking, booking.pk, booked, booked_at=booked)
        waiting = [b for b in bookings if b.status == BookingStatus.WAITING]
        ctx.count("group waiting list places", len(waiting))
        if full and waiting:
            # Someone with a place cannot come: it is offered to the first person waiting.
            place = next(b for b in bookings if b.status == BookingStatus.BOOKED)
            booking_cancel(booking=place, actor=organiser)
            ctx.count("group bookings cancelled")
            ctx.count("group offers open")


def build(ctx: DemoContext) -> None:
    helper = _Groups(ctx)
    with ctx.progress("Groups: programmes, sessions, bookings", len(PROGRAMMES)) as bar:
        for index, spec in enumerate(PROGRAMMES):
            helper.programme(spec, index)
            bar.update()
