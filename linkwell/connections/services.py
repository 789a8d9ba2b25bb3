"""Writing connections: making one, moving it through the Gravity statuses, the deadline sweep.

Who may do what: the episode's team staff make and cancel connections (and may record a
provider's answer given by phone); users of the provider organisation answer: accept, decline,
waiting list, support started and ended.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from linkwell.accounts.models import Role, User
from linkwell.audit.services import audit_log
from linkwell.cases.models import Episode, EpisodeStatus
from linkwell.cases.selectors import user_is_team_staff
from linkwell.common.errors import Conflict, Forbidden, InvalidTransition, NotFound, quoted
from linkwell.common.needs import NEED_LABELS
from linkwell.common.statuses import (
    TASK_ALLOWED_TRANSITIONS,
    TASK_REASON_REQUIRED,
    TaskStatus,
)
from linkwell.common.working_days import add_working_days, working_days_between
from linkwell.conversations.models import OptionStatus, PlanOption
from linkwell.conversations.selectors import conversation_current
from linkwell.conversations.services import team_supervisors
from linkwell.directory.models import Service
from linkwell.directory.selectors import services_visible
from linkwell.notifications.models import AlertKind
from linkwell.notifications.services import alert_create
from linkwell.people.models import ConsentPurpose
from linkwell.people.selectors import consent_in_force

from .models import Connection, ConnectionStatusChange, DeclineReason

S = TaskStatus
# Answers that belong to the provider; staff may record them too (a reply by phone).
PROVIDER_STATUSES = frozenset(
    {S.ACCEPTED, S.REJECTED, S.IN_PROGRESS, S.ON_HOLD, S.COMPLETED, S.FAILED}
)
STAFF_ONLY_STATUSES = frozenset({S.CANCELLED, S.ENTERED_IN_ERROR})


def _rule(name: str, default: Any) -> Any:
    return settings.LINKWELL.get(name, default)


def connection_url(connection: Connection) -> str:
    return reverse("connections:detail", args=[connection.uuid])


def provider_users(connection: Connection) -> list[User]:
    if connection.provider_id is None:
        return []
    return list(
        User.objects.filter(
            organisation_id=connection.provider_id, role=Role.PROVIDER, is_active=True
        ).order_by("username")
    )


def user_is_provider_for(user: Any, connection: Connection) -> bool:
    return (
        user is not None
        and getattr(user, "is_authenticated", False)
        and user.is_active
        and user.role == Role.PROVIDER
        and connection.provider_id is not None
        and user.organisation_id == connection.provider_id
    )


def shared_snapshot(*, episode: Episode, service: Service) -> dict[str, Any]:
    """What the provider sees: with consent to share with providers, the person's name, how to
    reach them and the needs this service meets in their own words; without it, only a first
    name and that the link worker will make the introduction."""
    person = episode.person
    first = person.preferred_name or person.given_name
    worker = episode.link_worker
    contact = {
        "link_worker": worker.display_name if worker else "",
        "team": episode.team.name,
        "team_organisation": episode.team.organisation.name,
    }
    if not consent_in_force(person=person, purpose=ConsentPurpose.SHARE_WITH_PROVIDERS):
        return {
            "consented": False,
            "first_name": first,
            "note": "The person has not agreed to share details. The link worker will introduce "
            "you.",
            **contact,
        }
    conversation = conversation_current(episode=episode)
    met = set(service.needs_met.values_list("need", flat=True))
    needs = [
        {"need": NEED_LABELS[n["code"]], "in_their_words": n.get("own_words", "")}
        for n in (conversation.needs if conversation else [])
        if n["code"] in met
    ]
    return {
        "consented": True,
        "first_name": first,
        "family_name": person.family_name,
        "phone": person.phone,
        "email": person.email,
        "preferred_contact": person.get_preferred_contact_method_display(),
        "contact_times": person.preferred_contact_times,
        "language": person.language,
        "interpreter_needed": person.interpreter_needed,
        "needs": needs,
        **contact,
    }


@transaction.atomic
def connection_create(
    *, episode: Episode, service_id: uuid.UUID | str, actor: Any, note: str = ""
) -> Connection:
    """Refer the person to a directory service they chose.

    Refused for a closed episode, a service not in the directory, or while an open connection to
    the same service exists. The option in the plan is marked chosen.
    """
    episode = (
        Episode.objects.select_for_update(of=("self",))
        .select_related("team", "team__organisation", "person", "link_worker")
        .get(pk=episode.pk)
    )
    if not user_is_team_staff(actor, episode.team):
        raise Forbidden("Only staff of the person's team can refer them to a service.")
    if episode.status == EpisodeStatus.CLOSED:
        raise Conflict("This episode is closed; open a new one to make a referral.")
    try:
        sid = uuid.UUID(str(service_id))
    except ValueError:
        raise NotFound("That service is not in the directory.") from None
    service = services_visible().select_related("organization").filter(id=sid).first()
    if service is None:
        raise NotFound("That service is not in the directory.")
    if Connection.objects.filter(
        episode=episode,
        service_id=sid,
        status__in=[S.DRAFT, S.REQUESTED, S.ACCEPTED, S.IN_PROGRESS, S.ON_HOLD],
    ).exists():
        raise Conflict("This person already has an open referral to this service.")
    now = timezone.now()
    days = int(_rule("CONNECTION_RESPONSE_WORKING_DAYS", 10))
    connection = Connection(
        episode=episode,
        service_id=sid,
        service_name=service.name[:300],
        provider=service.organization.linkwell_organisation if service.organization else None,
        status=S.REQUESTED,
        note=note.strip()[:2000],
        shared=shared_snapshot(episode=episode, service=service),
        response_due=add_working_days(timezone.localdate(), days),
        created_by=actor,
    )
    connection.full_clean()
    connection.save()
    ConnectionStatusChange.objects.create(
        connection=connection, from_status="", to_status=S.REQUESTED, actor=actor, at=now
    )
    PlanOption.objects.filter(episode=episode, service_id=sid).exclude(
        status=OptionStatus.CHOSEN
    ).update(status=OptionStatus.CHOSEN, decided_at=now)
    audit_log(
        action="create",
        obj=connection,
        person=episode.person,
        actor=actor,
        detail={
            "service": str(sid),
            "shared_with_consent": connection.shared.get("consented", False),
        },
    )
    alert_create(
        recipients=provider_users(connection),
        kind=AlertKind.OTHER,
        message=f"A new referral to {service.name[:200]} is waiting for your answer",
        url=connection_url(connection),
        obj=connection,
    )
    return connection


@transaction.atomic
def connection_transition(
    *,
    connection: Connection,
    to_status: str,
    actor: Any,
    reason: str = "",
    decline_reason: str = "",
    waiting_list: bool = False,
) -> Connection:
    """Move along TASK_ALLOWED_TRANSITIONS, writing one history row.

    Declining needs a decline reason; cancelling, pausing and failing need a reason. ``on-hold``
    with ``waiting_list`` puts the person on the provider's waiting list. ``in-progress`` records
    that support started, ``completed`` that it ended.
    """
    connection = (
        Connection.objects.select_for_update(of=("self",))
        .select_related("episode", "episode__team", "episode__person")
        .get(pk=connection.pk)
    )
    staff = user_is_team_staff(actor, connection.episode.team)
    provider = user_is_provider_for(actor, connection)
    if not staff and not provider:
        raise Forbidden("Only the provider or the person's team can change this referral.")
    if to_status not in S.values:
        raise ValidationError({"status": f"Unknown status {quoted(to_status)}."})
    if provider and not staff and to_status in STAFF_ONLY_STATUSES:
        raise Forbidden("Only the person's team can cancel this referral.")
    current = connection.status
    if to_status not in TASK_ALLOWED_TRANSITIONS[current]:
        raise InvalidTransition(
            f"A referral cannot move from {S(current).label.lower()} to "
            f"{S(to_status).label.lower()}."
        )
    reason = reason.strip()
    if to_status == S.REJECTED:
        if decline_reason not in DeclineReason.values:
            raise ValidationError({"decline_reason": "Choose why the referral is declined."})
        connection.decline_reason = decline_reason
        reason = reason or DeclineReason(decline_reason).label
    if to_status == S.ON_HOLD and waiting_list:
        reason = reason or "On the waiting list."
    if to_status in TASK_REASON_REQUIRED and not reason:
        raise ValidationError({"reason": "Give a reason for this change."})
    now = timezone.now()
    connection.on_waiting_list = to_status == S.ON_HOLD and waiting_list
    if to_status == S.IN_PROGRESS and connection.support_started_at is None:
        connection.support_started_at = now
    if to_status == S.COMPLETED:
        connection.support_ended_at = now
    connection.status = to_status
    connection.status_reason = reason
    connection.full_clean()
    connection.save()
    ConnectionStatusChange.objects.create(
        connection=connection,
        from_status=current,
        to_status=to_status,
        reason=reason,
        actor=actor,
        at=now,
    )
    audit_log(
        action="transition",
        obj=connection,
        person=connection.episode.person,
        actor=actor,
        detail={"from": current, "to": to_status, "waiting_list": connection.on_waiting_list},
    )
    if provider and connection.episode.link_worker_id:
        alert_create(
            recipients=[connection.episode.link_worker],  # type: ignore[list-item]
            kind=AlertKind.OTHER,
            message=f"{connection.service_name[:150]} updated a referral: {S(to_status).label}",
            url=connection_url(connection),
            obj=connection,
        )
    return connection


def connection_deadline_sweep_run(*, today: dt.date | None = None) -> dict[str, int]:
    """Remind providers of unanswered connections on the reminder working days (as for inbound
    referrals) and escalate to the team's supervisors once the deadline has passed."""
    today = today or timezone.localdate()
    reminder_days = sorted(_rule("REFERRAL_REMINDER_WORKING_DAYS", [6, 9]))
    result = {"checked": 0, "reminders": 0, "escalations": 0}
    ids = list(
        Connection.objects.filter(status=S.REQUESTED).order_by("id").values_list("id", flat=True)
    )
    for pk in ids:
        reminded, escalated = _sweep_one(pk=pk, today=today, reminder_days=reminder_days)
        result["checked"] += 1
        result["reminders"] += int(reminded)
        result["escalations"] += int(escalated)
    return result


@transaction.atomic
def _sweep_one(*, pk: int, today: dt.date, reminder_days: list[int]) -> tuple[bool, bool]:
    connection = (
        Connection.objects.select_for_update(of=("self",))
        .select_related("episode", "episode__team", "episode__link_worker")
        .filter(pk=pk, status=S.REQUESTED)
        .first()
    )
    if connection is None:
        return False, False
    made_on = timezone.localtime(connection.created_at).date()
    elapsed = working_days_between(made_on, today)
    window = (
        working_days_between(made_on, connection.response_due) if connection.response_due else None
    )
    due_points = [d for d in reminder_days if d <= elapsed and (window is None or d < window)]
    reminded = escalated = False
    if len(due_points) > connection.reminders_sent:
        recipients = provider_users(connection)
        if not recipients and connection.episode.link_worker:
            recipients = [connection.episode.link_worker]
        alert_create(
            recipients=recipients,
            kind=AlertKind.DEADLINE_REMINDER,
            message=f"A referral to {connection.service_name[:150]} is waiting for an answer",
            url=connection_url(connection),
            obj=connection,
        )
        connection.reminders_sent = len(due_points)
        reminded = True
    if connection.response_due and today > connection.response_due and not connection.escalated_at:
        alert_create(
            recipients=team_supervisors(connection.episode.team),
            kind=AlertKind.ESCALATION,
            message=f"A referral to {connection.service_name[:150]} passed its answer deadline",
            url=connection_url(connection),
            obj=connection,
        )
        connection.escalated_at = timezone.now()
        escalated = True
    if reminded or escalated:
        connection.full_clean()
        connection.save(update_fields=["reminders_sent", "escalated_at", "updated_at"])
        audit_log(
            action="update",
            obj=connection,
            actor=None,
            detail={"deadline_sweep": {"reminded": reminded, "escalated": escalated}},
        )
    return reminded, escalated
