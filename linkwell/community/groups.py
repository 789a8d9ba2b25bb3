"""Community groups: writes (with their directory listing), board meetings, and sustainability."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from linkwell.accounts.models import User
from linkwell.audit.services import audit_log
from linkwell.common.errors import NotFound
from linkwell.directory.services import hsds_import_objects

from .models import (
    BoardAction,
    BoardMeeting,
    CommunityGroup,
    Funding,
    GroupAttendance,
    GroupFacilitator,
)
from .services import _require_staff, is_service_staff

_NS = uuid.UUID("5d7f3c1e-8f3a-4c55-9a51-2b1f0c6e7a10")


def _directory_objects(group: CommunityGroup) -> list[dict[str, Any]]:
    org_id = str(uuid.uuid5(_NS, f"org:{group.organisation.uuid}"))
    return [
        {
            "id": org_id,
            "name": group.organisation.name,
            "description": f"Community groups supported by {group.organisation.name}.",
            "services": [
                {
                    "id": group.directory_service_id,
                    "organization_id": org_id,
                    "name": group.name,
                    "description": (
                        f"{group.description} Meets at {group.meeting_place}, "
                        f"{group.meeting_times}."
                    ).strip(),
                    "status": "active",
                }
            ],
        }
    ]


@transaction.atomic
def group_save(
    *,
    actor: User,
    name: str,
    kind: str,
    meeting_place: str,
    meeting_times: str,
    description: str = "",
    funding: str = Funding.NONE,
    group: CommunityGroup | None = None,
) -> CommunityGroup:
    """Create or update a group and its directory listing (one HSDS service, same id)."""
    org_id = _require_staff(actor, actor.organisation_id)
    if group is not None and group.organisation_id != org_id:
        raise NotFound("No such group.")
    created = group is None
    group = group or CommunityGroup(organisation_id=org_id, development_worker=actor)
    group.name = name.strip()
    group.kind = kind
    group.meeting_place = meeting_place.strip()
    group.meeting_times = meeting_times.strip()
    group.description = description.strip()
    group.funding = funding
    if not group.directory_service_id:
        group.directory_service_id = str(uuid.uuid5(_NS, f"group:{group.uuid}"))
    group.full_clean()
    group.save()
    hsds_import_objects(objects=_directory_objects(group), table="organization", actor=actor)
    audit_log(action="create" if created else "update", obj=group, actor=actor)
    return group


@transaction.atomic
def facilitator_add(
    *, actor: User, group: CommunityGroup, name: str, trained: bool
) -> GroupFacilitator:
    _require_staff(actor, group.organisation_id)
    facilitator = GroupFacilitator(group=group, name=name.strip(), trained=trained)
    facilitator.full_clean()
    facilitator.save()
    audit_log(action="create", obj=facilitator, actor=actor)
    return facilitator


@transaction.atomic
def attendance_record(
    *, actor: User, group: CommunityGroup, met_on: dt.date, attended: int
) -> GroupAttendance:
    _require_staff(actor, group.organisation_id)
    if met_on > timezone.localdate():
        raise ValidationError({"met_on": ["The meeting date cannot be in the future."]})
    if GroupAttendance.objects.filter(group=group, met_on=met_on).exists():
        raise ValidationError({"met_on": ["Attendance for that day is already recorded."]})
    row = GroupAttendance(group=group, met_on=met_on, attended=attended)
    row.full_clean()
    row.save()
    audit_log(action="create", obj=row, actor=actor, detail={"attended": attended})
    return row


@transaction.atomic
def board_meeting_record(
    *, actor: User, held_on: dt.date, summary: str, actions: list[tuple[str, str]]
) -> BoardMeeting:
    """A service-user board meeting with its actions as (action, owner) pairs."""
    org_id = _require_staff(actor, actor.organisation_id)
    meeting = BoardMeeting(organisation_id=org_id, held_on=held_on, summary=summary.strip())
    meeting.full_clean()
    meeting.save()
    for text, owner in actions:
        action = BoardAction(meeting=meeting, action=text.strip(), owner=owner.strip())
        action.full_clean()
        action.save()
    audit_log(action="create", obj=meeting, actor=actor, detail={"actions": len(actions)})
    return meeting


@dataclass(frozen=True)
class Sustainability:
    group: CommunityGroup
    recent_average: float
    earlier_average: float
    trend: str
    trained_facilitators: int
    facilitators: int
    sustainable: bool
    concerns: list[str]


def group_sustainability_for_user(*, user: Any) -> list[Sustainability]:
    """Each group of the user's service: attendance trend (last three meetings against the three
    before), facilitators trained, funding, and whether it looks able to carry on."""
    if not is_service_staff(user, getattr(user, "organisation_id", None)):
        raise NotFound("Not found.")
    out: list[Sustainability] = []
    groups = CommunityGroup.objects.filter(organisation_id=user.organisation_id)
    for group in groups.prefetch_related("facilitators", "attendance").order_by("name"):
        counts = [a.attended for a in sorted(group.attendance.all(), key=lambda a: a.met_on)]
        recent, earlier = counts[-3:], counts[-6:-3]
        recent_avg = sum(recent) / len(recent) if recent else 0.0
        earlier_avg = sum(earlier) / len(earlier) if earlier else recent_avg
        trend = (
            "rising"
            if recent_avg > earlier_avg * 1.1
            else "falling"
            if recent_avg < earlier_avg * 0.9
            else "steady"
        )
        facilitators = list(group.facilitators.all())
        trained = sum(1 for f in facilitators if f.trained)
        concerns = []
        if trained < 2:
            concerns.append("Fewer than two trained facilitators.")
        if group.funding == Funding.NONE:
            concerns.append("No funding.")
        if trend == "falling":
            concerns.append("Attendance is falling.")
        out.append(
            Sustainability(
                group=group,
                recent_average=round(recent_avg, 1),
                earlier_average=round(earlier_avg, 1),
                trend=trend,
                trained_facilitators=trained,
                facilitators=len(facilitators),
                sustainable=not concerns,
                concerns=concerns,
            )
        )
    return out
