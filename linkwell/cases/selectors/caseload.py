"""The caseload's views: everyone on it, who is still waiting for a first contact, whose follow-up
is overdue, the sessions coming up, and requests for more sessions awaiting a decision.

Every view starts from ``caseload_for_user`` (a link worker's own episodes, a supervisor's team,
an administrator's organisation; nobody else has a caseload), so access is decided in one place.
Each page of a view is audited once, naming the episodes it showed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import (
    DateTimeField,
    Exists,
    F,
    Max,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone

from linkwell.accounts.models import Role
from linkwell.audit.services import audit_log
from linkwell.groups.models import Booking, BookingStatus
from linkwell.sessions.models import AllowanceExtension, Appointment, ExtensionStatus, Outcome

from ..models import Episode
from .episodes import caseload_for_user, episode_visible_q
from .revolving import RevolvingDoor, revolving_door_for_people

UPCOMING_DAYS = 7


def follow_up_overdue_days() -> int:
    conf: dict[str, Any] = settings.LINKWELL  # type: ignore[assignment]  # a plain settings dict
    return int(conf["FOLLOW_UP_OVERDUE_DAYS"])


def waiting_for_first_contact(*, user: Any) -> QuerySet[Episode]:
    """Episodes with no first contact and no session attended or booked, oldest first. A missed
    or cancelled session still leaves the person waiting."""
    booked_or_attended = Appointment.objects.filter(
        episode=OuterRef("pk"), outcome__in=[Outcome.PENDING, Outcome.ATTENDED]
    )
    return (
        caseload_for_user(user=user)
        .filter(first_contact_at__isnull=True)
        .exclude(Exists(booked_or_attended))
        .order_by("opened_at", "id")
    )


def overdue_follow_ups(*, user: Any, now: dt.datetime | None = None) -> QuerySet[Episode]:
    """Episodes that have had contact (support started or a session attended) but none for
    FOLLOW_UP_OVERDUE_DAYS, longest without contact first. Annotated with ``last_contact_at``
    and ``next_session_at`` (a session booked from now on, if any)."""
    now = now or timezone.now()
    last_attended = Subquery(
        Appointment.objects.filter(
            episode=OuterRef("pk"), outcome=Outcome.ATTENDED, starts_at__lte=now
        )
        .order_by()
        .values("episode")
        .annotate(last=Max("starts_at"))
        .values("last"),
        output_field=DateTimeField(),
    )
    next_session = Subquery(
        Appointment.objects.filter(
            episode=OuterRef("pk"), outcome=Outcome.PENDING, starts_at__gte=now
        )
        .order_by()
        .values("episode")
        .annotate(first=Min("starts_at"))
        .values("first"),
        output_field=DateTimeField(),
    )
    cutoff = now - dt.timedelta(days=follow_up_overdue_days())
    return (
        caseload_for_user(user=user)
        .annotate(last_attended_at=last_attended)
        # Greatest() is NULL on SQLite when either side is; Coalesce makes both sides real.
        .annotate(
            last_contact_at=Greatest(
                Coalesce(F("first_contact_at"), F("last_attended_at")),
                Coalesce(F("last_attended_at"), F("first_contact_at")),
            ),
            next_session_at=next_session,
        )
        .filter(last_contact_at__lt=cutoff)
        .order_by("last_contact_at", "id")
    )


@dataclass(frozen=True)
class UpcomingItem:
    """A one-to-one session or a group booking, for the upcoming sessions list."""

    starts_at: dt.datetime
    kind: str  # "session" or "group"
    episode: Episode
    what: str
    where: str
    with_whom: str


def _upcoming_querysets(
    episodes: QuerySet[Episode], now: dt.datetime
) -> tuple[QuerySet[Appointment], QuerySet[Booking]]:
    until = now + dt.timedelta(days=UPCOMING_DAYS)
    appointments = Appointment.objects.filter(
        episode__in=episodes.values("pk"),
        outcome=Outcome.PENDING,
        starts_at__gte=now,
        starts_at__lt=until,
    )
    bookings = Booking.objects.filter(
        person_id__in=episodes.values("person_id"),
        status=BookingStatus.BOOKED,
        session__starts_at__gte=now,
        session__starts_at__lt=until,
    )
    return appointments, bookings


def upcoming_count(*, user: Any, now: dt.datetime | None = None) -> int:
    """How many items ``upcoming_for_user`` lists, counted in the database (two queries)."""
    appointments, bookings = _upcoming_querysets(
        caseload_for_user(user=user), now or timezone.now()
    )
    return appointments.count() + bookings.count()


UpcomingKey = tuple[dt.datetime, str, int]  # (starts at, "session" or "group", row id)


def upcoming_keys(*, user: Any, now: dt.datetime | None = None) -> list[UpcomingKey]:
    """Sessions booked in the next UPCOMING_DAYS days for the episodes on the caseload, and the
    group sessions their people are booked on, soonest first, as light keys (two queries) that
    a page of can be turned into items with ``upcoming_items``."""
    appointments, bookings = _upcoming_querysets(
        caseload_for_user(user=user), now or timezone.now()
    )
    keys: list[UpcomingKey] = [
        (starts_at, "session", pk)
        for starts_at, pk in appointments.order_by().values_list("starts_at", "pk")
    ]
    keys += [
        (starts_at, "group", pk)
        for starts_at, pk in bookings.order_by().values_list("session__starts_at", "pk")
    ]
    keys.sort()
    return keys


def upcoming_items(*, user: Any, keys: list[UpcomingKey]) -> list[UpcomingItem]:
    """The items for ``keys`` (from ``upcoming_keys`` for the same user), in the same order.
    At most three queries whatever the number of keys."""
    episodes = caseload_for_user(user=user)
    appointment_ids = [pk for _, kind, pk in keys if kind == "session"]
    booking_ids = [pk for _, kind, pk in keys if kind == "group"]
    items: dict[tuple[str, int], UpcomingItem] = {}
    if appointment_ids:
        for a in Appointment.objects.filter(
            pk__in=appointment_ids, episode__in=episodes.values("pk")
        ).select_related(
            "episode__person",
            "episode__team",
            "episode__link_worker",
            "episode__referral",
            "link_worker",
        ):
            items["session", a.pk] = UpcomingItem(
                starts_at=a.starts_at,
                kind="session",
                episode=a.episode,
                what=f"{a.get_mode_display()}, {a.duration_minutes} minutes",
                where=a.venue_detail or (a.get_venue_kind_display() if a.venue_kind else ""),
                with_whom=a.link_worker.display_name,
            )
    if booking_ids:
        bookings = list(
            Booking.objects.filter(pk__in=booking_ids).select_related("session__programme")
        )
        # Group bookings belong to the person; shown against their latest episode on the caseload.
        episode_by_person: dict[int, Episode] = {}
        for episode in (
            episodes.filter(person_id__in={b.person_id for b in bookings})
            .select_related("referral")
            .order_by("opened_at", "id")
        ):
            episode_by_person[episode.person_id] = episode
        for booking in bookings:
            if booking.person_id not in episode_by_person:
                continue
            session = booking.session
            items["group", booking.pk] = UpcomingItem(
                starts_at=session.starts_at,
                kind="group",
                episode=episode_by_person[booking.person_id],
                what=session.programme.name,
                where=session.venue,
                with_whom="Group session",
            )
    return [items[kind, pk] for _, kind, pk in keys if (kind, pk) in items]


def upcoming_for_user(*, user: Any, now: dt.datetime | None = None) -> list[UpcomingItem]:
    """Every upcoming item (see ``upcoming_keys``), soonest first."""
    return upcoming_items(user=user, keys=upcoming_keys(user=user, now=now))


def extensions_for_user(*, user: Any) -> QuerySet[AllowanceExtension]:
    """Requests for more sessions awaiting a decision: a supervisor's or administrator's are the
    ones they may decide (their team's, not their own); a link worker's are those they made."""
    qs = AllowanceExtension.objects.filter(
        Q(episode__in=Episode.objects.filter(episode_visible_q(user)).values("pk")),
        status=ExtensionStatus.PENDING,
    )
    role = getattr(user, "role", None)
    if role in (Role.SUPERVISOR, Role.ADMIN):
        qs = qs.exclude(requested_by=user)
    elif role == Role.LINK_WORKER:
        qs = qs.filter(requested_by=user)
    else:
        return qs.none()
    return qs.select_related(
        "episode__person",
        "episode__team",
        "episode__link_worker",
        "episode__referral",
        "requested_by",
    ).order_by("requested_at", "id")


@dataclass(frozen=True)
class CaseloadCounts:
    all: int
    waiting: int
    overdue: int
    upcoming: int
    extensions: int


def caseload_counts(*, user: Any, now: dt.datetime | None = None) -> CaseloadCounts:
    """How many are in each view (one count query each, two for the upcoming sessions)."""
    now = now or timezone.now()
    return CaseloadCounts(
        all=caseload_for_user(user=user).count(),
        waiting=waiting_for_first_contact(user=user).count(),
        overdue=overdue_follow_ups(user=user, now=now).count(),
        upcoming=upcoming_count(user=user, now=now),
        extensions=extensions_for_user(user=user).count(),
    )


def caseload_flags(*, user: Any, episodes: list[Episode]) -> dict[int, RevolvingDoor]:
    """Revolving-door flags for the people of these episodes, counted over what the user sees."""
    return revolving_door_for_people(
        episodes=Episode.objects.filter(episode_visible_q(user)),
        person_ids={e.person_id for e in episodes},
    )


def caseload_audit(*, user: Any, view: str, episodes: list[Episode]) -> None:
    """One audit row per page of a caseload view, naming the episodes it listed."""
    audit_log(
        action="read",
        object_type="caseload",
        object_id=view,
        actor=user,
        detail={"episodes": sorted({str(e.uuid) for e in episodes})},
    )
