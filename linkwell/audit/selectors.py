"""Reading the audit log: who may search it, the filters, and keyset pages of 50.

Supervisors and administrators see the rows written by people of their own organisation; Django
superusers see every row. Every search is itself written to the log (action "read", object type
"AuditLog"), with the filters used.
"""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import QuerySet

from linkwell.accounts.models import Role
from linkwell.common.errors import Forbidden

from .models import AuditAction, AuditEvent
from .services import audit_log

LONDON = ZoneInfo("Europe/London")
PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
AUDIT_SEARCH_ROLES = (Role.SUPERVISOR, Role.ADMIN)


@dataclass(frozen=True)
class AuditFilters:
    """What to search for. Dates are days in Europe/London, both ends included."""

    person_uuid: uuid.UUID | None = None
    actor_username: str = ""
    action: str = ""
    object_type: str = ""
    date_from: date | None = None
    date_to: date | None = None
    request_id: str = ""

    def as_detail(self) -> dict[str, str]:
        """The filters that were set, as text: recorded on the audit row of the search."""
        return {name: str(value) for name, value in asdict(self).items() if value}


@dataclass(frozen=True)
class AuditPage:
    events: list[AuditEvent]
    # Keyset cursors: pass as ``before`` for older rows, ``after`` for newer ones.
    older_than: int | None
    newer_than: int | None


def audit_search_allowed(*, user: Any) -> bool:
    return bool(
        user.is_authenticated
        and user.is_active
        and (user.is_superuser or user.role in AUDIT_SEARCH_ROLES)
    )


def audit_filters_validate(filters: AuditFilters) -> None:
    """Raise ValidationError (per field) for filters that cannot mean anything."""
    errors: dict[str, str] = {}
    if filters.action and filters.action not in AuditAction.values:
        errors["action"] = f"'{filters.action}' is not an audit action."
    if filters.date_from and filters.date_to and filters.date_from > filters.date_to:
        errors["date_to"] = "The end date must be the same as or after the start date."
    if len(filters.request_id) > 64:
        errors["request_id"] = "A request id has at most 64 characters."
    if len(filters.object_type) > 60:
        errors["object_type"] = "An object type has at most 60 characters."
    if len(filters.actor_username) > 150:
        errors["actor_username"] = "A username has at most 150 characters."
    if errors:
        raise ValidationError(errors)


def _start_of_day(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=LONDON)


def audit_search_for_user(*, user: Any, filters: AuditFilters) -> QuerySet[AuditEvent]:
    """The audit rows the user may see that match the filters, newest first.

    Raises Forbidden for anyone but supervisors, administrators and superusers, and
    ValidationError for impossible filters. Writes one audit row for the search.
    """
    if not audit_search_allowed(user=user):
        raise Forbidden("Only supervisors and administrators can search the audit log.")
    audit_filters_validate(filters)

    events = AuditEvent.objects.select_related("actor")
    if not user.is_superuser:
        if user.organisation_id is None:
            events = events.none()
        else:
            events = events.filter(actor__organisation_id=user.organisation_id)
    if filters.person_uuid:
        events = events.filter(person_uuid=filters.person_uuid)
    if filters.actor_username:
        actors = get_user_model().objects.filter(username__iexact=filters.actor_username.strip())
        events = events.filter(actor__in=actors.values("pk"))
    if filters.action:
        events = events.filter(action=filters.action)
    if filters.object_type:
        events = events.filter(object_type=filters.object_type.strip())
    if filters.date_from:
        events = events.filter(at__gte=_start_of_day(filters.date_from))
    if filters.date_to:
        events = events.filter(at__lt=_start_of_day(filters.date_to + timedelta(days=1)))
    if filters.request_id:
        events = events.filter(request_id=filters.request_id.strip())

    audit_log(
        action=AuditAction.READ,
        object_type="AuditLog",
        actor=user,
        detail={"filters": filters.as_detail()},
    )
    return events.order_by("-id")


def audit_page(
    events: QuerySet[AuditEvent],
    *,
    before: int | None = None,
    after: int | None = None,
    size: int = PAGE_SIZE,
) -> AuditPage:
    """One page of a search, newest first, by keyset on the row id: a page deep in a log of
    millions of rows costs the same as the first (no OFFSET, no COUNT)."""
    size = max(1, min(size, MAX_PAGE_SIZE))
    if after is not None:
        rows = list(events.filter(id__gt=after).order_by("id")[: size + 1])
        more_newer = len(rows) > size
        page = list(reversed(rows[:size]))
        more_older = bool(page) and events.filter(id__lt=page[-1].id).exists()
    else:
        if before is not None:
            events = events.filter(id__lt=before)
        rows = list(events.order_by("-id")[: size + 1])
        more_older = len(rows) > size
        page = rows[:size]
        more_newer = before is not None and bool(page)
    return AuditPage(
        events=page,
        older_than=page[-1].id if page and more_older else None,
        newer_than=page[0].id if page and more_newer else None,
    )
