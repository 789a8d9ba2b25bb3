"""Reads for sessions. Access follows the episode: the team's staff only; others get NotFound."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db.models import QuerySet

from linkwell.accounts.models import Role, Team
from linkwell.audit.services import audit_log
from linkwell.cases.models import Episode
from linkwell.cases.selectors import team_staff_q
from linkwell.common.errors import NotFound

from .models import (
    DEFAULT_SESSION_ALLOWANCE,
    AllowanceExtension,
    Appointment,
    ExtensionStatus,
    Outcome,
    SessionAllowance,
)

LONDON = ZoneInfo("Europe/London")


def _as_uuid(value: UUID | str, what: str) -> UUID:
    try:
        return UUID(str(value))
    except ValueError:
        raise NotFound(f"{what} not found.") from None


def appointment_get_for_user(*, user: Any, appointment_uuid: UUID | str) -> Appointment:
    appointment = (
        Appointment.objects.filter(
            team_staff_q(user, team_field="episode__team"),
            uuid=_as_uuid(appointment_uuid, "Session"),
        )
        .select_related("episode__person", "episode__team", "link_worker")
        .first()
    )
    if appointment is None:
        raise NotFound("Session not found.")
    audit_log(action="read", obj=appointment, person=appointment.episode.person, actor=user)
    return appointment


def appointment_list_for_episode(*, episode: Episode) -> QuerySet[Appointment]:
    """The episode's sessions, oldest first. The caller fetched the episode for the user."""
    return episode.appointments.select_related("link_worker").order_by("starts_at", "id")


def _london_day_start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=LONDON)


# The days a diary can show: a week either side of any of them still lies in the calendar
# (9999-12-31 and a week on was a server error), with centuries to spare either way.
DIARY_FIRST = dt.date(1900, 1, 1)
DIARY_LAST = dt.date(2999, 12, 31)


def diary_day(value: dt.date) -> dt.date:
    """``value`` if a diary can show it; raises ValidationError otherwise."""
    if not DIARY_FIRST <= value <= DIARY_LAST:
        raise ValidationError(
            f"The diary covers {DIARY_FIRST.year} to {DIARY_LAST.year}: give a date in those years."
        )
    return value


def diary_for_user(
    *, user: Any, start: dt.date, days: int = 1, link_worker: Any = None
) -> QuerySet[Appointment]:
    """A link worker's sessions from ``start`` for ``days`` London days (1 = day, 7 = week).
    Supervisors may look at a teammate's diary; nobody sees another team's."""
    worker = link_worker or user
    if worker.pk != user.pk and user.role not in (Role.SUPERVISOR, Role.ADMIN):
        raise NotFound("Diary not found.")
    diary_day(start)
    begin = _london_day_start(start)
    end = _london_day_start(start + dt.timedelta(days=days))
    return (
        Appointment.objects.filter(
            team_staff_q(user, team_field="episode__team"),
            link_worker=worker,
            starts_at__gte=begin,
            starts_at__lt=end,
        )
        .select_related("episode__person", "episode__team")
        .order_by("starts_at", "id")
    )


def episode_mode_timeline(*, episode: Episode) -> list[tuple[str, str, int]]:
    """Delivery modes over time as (month "YYYY-MM" in London, mode label, sessions) rows."""
    counts: dict[tuple[str, str], int] = {}
    for appointment in appointment_list_for_episode(episode=episode):
        month = appointment.starts_at.astimezone(LONDON).strftime("%Y-%m")
        key = (month, appointment.get_mode_display())
        counts[key] = counts.get(key, 0) + 1
    return [(month, mode, n) for (month, mode), n in counts.items()]


def team_allowance(*, team: Team) -> int:
    allowance = SessionAllowance.objects.filter(team=team).first()
    return allowance.sessions_per_episode if allowance else DEFAULT_SESSION_ALLOWANCE


@dataclass(frozen=True)
class AllowanceState:
    base: int
    approved_extra: int
    attended: int
    pending_request: AllowanceExtension | None

    @property
    def limit(self) -> int:
        return self.base + self.approved_extra

    @property
    def remaining(self) -> int:
        return max(self.limit - self.attended, 0)

    @property
    def exceeded(self) -> bool:
        return self.attended >= self.limit


def allowance_for_episode(*, episode: Episode) -> AllowanceState:
    """Sessions used (attended only) against the team's allowance plus approved extensions."""
    extensions = list(episode.allowance_extensions.all())
    return AllowanceState(
        base=team_allowance(team=episode.team),
        approved_extra=sum(
            e.extra_sessions for e in extensions if e.status == ExtensionStatus.APPROVED
        ),
        attended=episode.appointments.filter(outcome=Outcome.ATTENDED).count(),
        pending_request=next((e for e in extensions if e.status == ExtensionStatus.PENDING), None),
    )


def extension_get_for_user(*, user: Any, extension_uuid: UUID | str) -> AllowanceExtension:
    extension = (
        AllowanceExtension.objects.filter(
            team_staff_q(user, team_field="episode__team"),
            uuid=_as_uuid(extension_uuid, "Request"),
        )
        .select_related("episode__person", "episode__team", "requested_by")
        .first()
    )
    if extension is None:
        raise NotFound("Request not found.")
    audit_log(action="read", obj=extension, person=extension.episode.person, actor=user)
    return extension


def extensions_awaiting_for_user(*, user: Any) -> QuerySet[AllowanceExtension]:
    """Requests for more sessions awaiting a decision in the user's team(s), oldest first."""
    return (
        AllowanceExtension.objects.filter(
            team_staff_q(user, team_field="episode__team"), status=ExtensionStatus.PENDING
        )
        .select_related("episode__person", "requested_by")
        .order_by("requested_at", "id")
    )
