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
from linkwell.common.errors import Conflict, NotFound
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


@transaction.atomic
def facilitator_set_trained(
    *, actor: User, facilitator: GroupFacilitator, trained: bool
) -> GroupFacilitator:
    """Mark a facilitator as trained (or not), which counts toward the group's sustainability."""
    _require_staff(actor, facilitator.group.organisation_id)
    facilitator.trained = trained
    facilitator.full_clean()
    facilitator.save()
    audit_log(action="update", obj=facilitator, actor=actor, detail={"trained": trained})
    return facilitator


@transaction.atomic
def board_action_done(*, actor: User, action: BoardAction) -> BoardAction:
    """Mark a board meeting's action as done today; an action is done once."""
    _require_staff(actor, action.meeting.organisation_id)
    action = BoardAction.objects.select_for_update().get(pk=action.pk)
    if action.done_on is not None:
        raise Conflict(f"This action was already marked done on {action.done_on:%d %B %Y}.")
    action.done_on = timezone.localdate()
    action.full_clean()
    action.save()
    audit_log(action="update", obj=action, actor=actor, detail={"done": True})
    return action


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


def group_get_for_user(*, user: Any, group_uuid: Any) -> CommunityGroup:
    """One group of the user's service; NotFound for anyone else."""
    group = (
        CommunityGroup.objects.select_related("development_worker").filter(uuid=group_uuid).first()
    )
    if group is None or not is_service_staff(user, group.organisation_id):
        raise NotFound("No such group.")
    return group


def group_detail_for_user(
    *, user: Any, group_uuid: Any
) -> tuple[CommunityGroup, list[GroupFacilitator], list[GroupAttendance]]:
    """A group with its facilitators and its attendance, latest meeting first."""
    group = group_get_for_user(user=user, group_uuid=group_uuid)
    facilitators = list(group.facilitators.order_by("name", "id"))
    attendance = list(group.attendance.order_by("-met_on"))
    return group, facilitators, attendance


def facilitator_get_for_user(*, user: Any, facilitator_uuid: Any) -> GroupFacilitator:
    facilitator = (
        GroupFacilitator.objects.select_related("group").filter(uuid=facilitator_uuid).first()
    )
    if facilitator is None or not is_service_staff(user, facilitator.group.organisation_id):
        raise NotFound("No such facilitator.")
    return facilitator


def board_meetings_for_user(*, user: Any) -> list[BoardMeeting]:
    """The service-user board's meetings, latest first, with their actions."""
    if not is_service_staff(user, getattr(user, "organisation_id", None)):
        raise NotFound("Not found.")
    meetings = BoardMeeting.objects.filter(organisation_id=user.organisation_id)
    return list(meetings.prefetch_related("actions").order_by("-held_on", "-id"))


def board_action_get_for_user(*, user: Any, action_uuid: Any) -> BoardAction:
    action = BoardAction.objects.select_related("meeting").filter(uuid=action_uuid).first()
    if action is None or not is_service_staff(user, action.meeting.organisation_id):
        raise NotFound("No such action.")
    return action
