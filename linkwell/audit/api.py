"""/api/v1/audit: searching the audit log, with the same filters and access as the page."""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema

from .models import AuditEvent
from .selectors import MAX_PAGE_SIZE, PAGE_SIZE, AuditFilters, audit_page, audit_search_for_user

router = Router()


class AuditEventQuery(Schema):
    person_uuid: UUID | None = Field(None, description="Only events about this person.")
    actor: str = Field("", max_length=150, description="Only events done by this username.")
    action: str = Field("", max_length=20, description="read, create, update, transition…")
    object_type: str = Field("", max_length=60, description="Person, Referral, Episode…")
    date_from: date | None = Field(None, description="From this day (Europe/London), included.")
    date_to: date | None = Field(None, description="To this day (Europe/London), included.")
    request_id: str = Field("", max_length=64, description="Only events of one request.")
    before: int | None = Field(None, ge=1, description="Older than this event id (next page).")
    after: int | None = Field(None, ge=1, description="Newer than this event id (previous page).")
    limit: int = Field(PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE)


class AuditEventOut(Schema):
    id: int = Field(description="The event's place in the chain; used as the paging cursor.")
    at: datetime
    actor: str = Field(description="Username of who did it, blank when nobody was signed in.")
    actor_uuid: UUID | None
    action: str
    object_type: str
    object_id: str
    person_uuid: UUID | None
    request_id: str


class AuditEventPageOut(Schema):
    items: list[AuditEventOut]
    older_than: int | None = Field(description="Pass as `before` for the next, older page.")
    newer_than: int | None = Field(description="Pass as `after` for the previous, newer page.")


def _event_out(event: AuditEvent) -> dict:
    return {
        "id": event.id,
        "at": timezone.localtime(event.at),
        "actor": event.actor_label,
        "actor_uuid": event.actor.uuid if event.actor is not None else None,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "person_uuid": event.person_uuid,
        "request_id": event.request_id,
    }


@router.get(
    "/events",
    response=AuditEventPageOut,
    summary="Search the audit log",
    description=(
        "Supervisors and administrators: events done by people of their organisation, newest "
        "first, 50 a page. The search is itself recorded in the audit log."
    ),
)
def search_events(request: HttpRequest, query: Query[AuditEventQuery]) -> dict:
    filters = AuditFilters(
        person_uuid=query.person_uuid,
        actor_username=query.actor.strip(),
        action=query.action.strip(),
        object_type=query.object_type.strip(),
        date_from=query.date_from,
        date_to=query.date_to,
        request_id=query.request_id.strip(),
    )
    events = audit_search_for_user(user=request.user, filters=filters)
    page = audit_page(events, before=query.before, after=query.after, size=query.limit)
    return {
        "items": [_event_out(event) for event in page.events],
        "older_than": page.older_than,
        "newer_than": page.newer_than,
    }
