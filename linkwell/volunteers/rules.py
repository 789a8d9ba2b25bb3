"""Whether a volunteer may take new matches: pure checks shared by services and selectors."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from linkwell.accounts.models import Role

from .models import MATCHING_ROLES, TrainingModule, Volunteer, VolunteerStatus

REMINDER_DAYS = 30
STAFF_ROLES = (Role.LINK_WORKER, Role.SUPERVISOR, Role.ADMIN)


def is_volunteer_staff(user: Any, organisation_id: int | None) -> bool:
    """Staff of the service the volunteer belongs to (link workers, supervisors, admins)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return (
        user.role in STAFF_ROLES
        and organisation_id is not None
        and (user.organisation_id == organisation_id)
    )


def organisation_modules(organisation_ids: Iterable[int | None]) -> dict[int | None, list[Any]]:
    """Each organisation's training modules, read once for a loop over many volunteers (passed
    as ``modules`` below, which otherwise reads them for every volunteer)."""
    found: dict[int | None, list[Any]] = {org: [] for org in organisation_ids}
    for module in TrainingModule.objects.filter(organisation_id__in=list(found)):
        found[module.organisation_id].append(module)
    return found


def required_modules(
    volunteer: Volunteer, *, modules: Sequence[TrainingModule] | None = None
) -> list[TrainingModule]:
    """The training the volunteer's role needs; ``modules`` are their organisation's, if read
    already."""
    if modules is None:
        modules = list(TrainingModule.objects.filter(organisation_id=volunteer.organisation_id))
    return [m for m in modules if volunteer.role in (m.required_for or [])]


def match_blockers(
    volunteer: Volunteer, *, today: dt.date, modules: Sequence[TrainingModule] | None = None
) -> list[str]:
    """Plain reasons the volunteer cannot take a new match today; empty when they can."""
    reasons: list[str] = []
    if volunteer.role not in MATCHING_ROLES:
        reasons.append(f"{volunteer.get_role_display()}s are not matched with one person.")
    if volunteer.status != VolunteerStatus.ACTIVE:
        reasons.append(f"Their status is '{volunteer.get_status_display()}', not active.")
    if volunteer.dbs_checked_on is None or volunteer.dbs_renew_by is None:
        reasons.append("There is no DBS check on record.")
    elif volunteer.dbs_renew_by < today:
        reasons.append(f"Their DBS check needed renewing by {volunteer.dbs_renew_by:%d %B %Y}.")
    latest: dict[int, Any] = {}
    for done in volunteer.training.all():
        kept = latest.get(done.module_id)
        if kept is None or done.completed_on > kept.completed_on:
            latest[done.module_id] = done
    for module in required_modules(volunteer, modules=modules):
        record = latest.get(module.pk)
        if record is None:
            reasons.append(f"Training not completed: {module.name}.")
        elif record.expires_on is not None and record.expires_on < today:
            reasons.append(f"Training needs renewing: {module.name}.")
    return reasons


def expiring_soon(
    volunteer: Volunteer, *, today: dt.date, modules: Sequence[TrainingModule] | None = None
) -> list[str]:
    """What runs out within REMINDER_DAYS (or already has), for reminders."""
    horizon = today + dt.timedelta(days=REMINDER_DAYS)
    items: list[str] = []
    if volunteer.dbs_renew_by is not None and volunteer.dbs_renew_by <= horizon:
        items.append(f"DBS check (renew by {volunteer.dbs_renew_by:%d %B %Y})")
    required = {m.pk: m for m in required_modules(volunteer, modules=modules)}
    latest: dict[int, Any] = {}
    for done in volunteer.training.all():
        kept = latest.get(done.module_id)
        if kept is None or done.completed_on > kept.completed_on:
            latest[done.module_id] = done
    for module_id, done in latest.items():
        if module_id in required and done.expires_on is not None and done.expires_on <= horizon:
            items.append(f"{required[module_id].name} (renew by {done.expires_on:%d %B %Y})")
    return items
