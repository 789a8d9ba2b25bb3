"""Writes for sessions: booking, outcomes, the team's allowance and extension decisions."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from linkwell.accounts.models import Role, Team, User
from linkwell.audit.services import audit_log
from linkwell.cases.models import Episode
from linkwell.cases.selectors import OPEN_EPISODE_STATUSES, TEAM_ROLES, user_is_team_staff
from linkwell.common.errors import Conflict, Forbidden

from .models import (
    BUILT_IN_EXEMPT_DNA_REASONS,
    MODES_NEEDING_VENUE,
    AllowanceExtension,
    Appointment,
    DnaAction,
    DnaActionTaken,
    DnaExemptReason,
    DnaPolicy,
    ExtensionStatus,
    Outcome,
    SessionAllowance,
)


def _require_staff(actor: Any, team: Team) -> None:
    if not user_is_team_staff(actor, team):
        raise Forbidden(f"Only staff of the {team.name} team can change these sessions.")


def _check_venue(*, mode: str, venue_kind: str) -> None:
    if mode in MODES_NEEDING_VENUE and not venue_kind:
        raise ValidationError({"venue_kind": "Choose where this session takes place."})
    if mode not in MODES_NEEDING_VENUE and venue_kind:
        raise ValidationError({"venue_kind": "A telephone, video or online session has no venue."})


@transaction.atomic
def appointment_book(
    *,
    episode: Episode,
    actor: Any,
    starts_at: dt.datetime,
    mode: str,
    duration_minutes: int = 45,
    venue_kind: str = "",
    venue_detail: str = "",
    link_worker: User | None = None,
) -> Appointment:
    """Book a session for an open episode with its link worker (or another of the team's staff)."""
    _require_staff(actor, episode.team)
    if episode.status not in OPEN_EPISODE_STATUSES:
        raise Conflict("Sessions cannot be booked for a closed episode.")
    if timezone.is_naive(starts_at):
        raise ValidationError({"starts_at": "Give the time with its time zone."})
    worker = link_worker or episode.link_worker or actor
    if not (worker.is_active and worker.role in TEAM_ROLES and worker.team_id == episode.team_id):
        raise ValidationError({"link_worker": "The session must be with a member of the team."})
    _check_venue(mode=mode, venue_kind=venue_kind)
    appointment = Appointment(
        episode=episode,
        link_worker=worker,
        starts_at=starts_at,
        duration_minutes=duration_minutes,
        mode=mode,
        venue_kind=venue_kind,
        venue_detail=venue_detail.strip(),
    )
    appointment.full_clean()
    appointment.save()
    audit_log(
        action="appointment_book",
        obj=appointment,
        person=episode.person,
        actor=actor,
        detail={"mode": mode, "starts_at": starts_at.isoformat()},
    )
    return appointment


@transaction.atomic
def appointment_record_outcome(
    *, appointment: Appointment, actor: Any, outcome: str, reason: str = "", dna_reason: str = ""
) -> Appointment:
    """Record what happened. Anything but attendance needs a reason; a recorded outcome is not
    silently overwritten (correcting one is a new decision with its own reason)."""
    appointment = (
        Appointment.objects.select_for_update()
        .select_related("episode__team", "episode__person")
        .get(pk=appointment.pk)
    )
    _require_staff(actor, appointment.episode.team)
    valid = {choice for choice in Outcome.values if choice}
    if outcome not in valid:
        raise ValidationError({"outcome": "Choose what happened at this session."})
    reason = reason.strip()
    if outcome != Outcome.ATTENDED and not reason:
        raise ValidationError({"reason": "Say why the session did not go ahead."})
    if outcome in (Outcome.ATTENDED, Outcome.DID_NOT_ATTEND) and (
        appointment.starts_at > timezone.now()
    ):
        raise ValidationError({"outcome": "Attendance can only be recorded once it has started."})
    if dna_reason:
        if outcome != Outcome.DID_NOT_ATTEND:
            raise ValidationError({"dna_reason": "Only a missed session has a DNA reason."})
        if dna_reason not in exempt_dna_reasons(team=appointment.episode.team):
            raise ValidationError({"dna_reason": "Choose one of the service's DNA reasons."})
    previous = appointment.outcome
    if previous and not reason:
        raise ValidationError({"reason": "Say why the recorded outcome is being changed."})
    appointment.outcome = outcome
    appointment.outcome_reason = reason
    appointment.dna_reason = dna_reason
    appointment.outcome_recorded_at = timezone.now()
    appointment.outcome_recorded_by = actor
    appointment.full_clean()
    appointment.save()
    audit_log(
        action="appointment_outcome",
        obj=appointment,
        person=appointment.episode.person,
        actor=actor,
        detail={"outcome": outcome, "previous": previous, "dna_reason": dna_reason},
    )
    if outcome == Outcome.DID_NOT_ATTEND and not dna_reason:
        _apply_dna_policy(appointment=appointment, actor=actor)
    return appointment


def exempt_dna_reasons(*, team: Team) -> dict[str, str]:
    """Codes and labels of the reasons that never count: the built-in ones and the team's."""
    reasons = dict(BUILT_IN_EXEMPT_DNA_REASONS)
    reasons.update(DnaExemptReason.objects.filter(team=team).values_list("code", "label"))
    return reasons


def dna_policy_for_team(*, team: Team) -> DnaPolicy:
    """The team's policy, or the default one (unsaved) when the team has not set its own."""
    return DnaPolicy.objects.filter(team=team).first() or DnaPolicy(team=team)


def _apply_dna_policy(*, appointment: Appointment, actor: Any) -> list[DnaActionTaken]:
    """Fire each action whose threshold of unexplained DNAs is reached for the first time."""
    from linkwell.cases.services import episode_transition
    from linkwell.notifications.models import AlertKind
    from linkwell.notifications.services import alert_create

    episode = appointment.episode
    policy = dna_policy_for_team(team=episode.team)
    unexplained = episode.appointments.filter(outcome=Outcome.DID_NOT_ATTEND, dna_reason="").count()
    thresholds = [
        (DnaAction.CONTACT_ATTEMPT, policy.contact_attempt_after),
        (DnaAction.WELFARE_CALL, policy.welfare_call_after),
        (DnaAction.SUPERVISOR_REVIEW, policy.supervisor_review_after),
    ]
    if policy.discharge_after:
        thresholds.append((DnaAction.DISCHARGE, policy.discharge_after))
    done = set(DnaActionTaken.objects.filter(episode=episode).values_list("action", flat=True))
    taken: list[DnaActionTaken] = []
    for action, threshold in thresholds:
        if unexplained < threshold or action in done:
            continue
        row = DnaActionTaken(
            episode=episode,
            action=action,
            unexplained_dnas=unexplained,
            triggered_by=appointment,
            at=timezone.now(),
        )
        row.full_clean()
        row.save()
        taken.append(row)
        audit_log(
            action="dna_policy_action",
            obj=row,
            person=episode.person,
            actor=actor,
            detail={"action": action, "unexplained_dnas": unexplained},
        )
        url = f"/sessions/episodes/{episode.uuid}/"
        message = f"Missed sessions ({unexplained}): {DnaAction(action).label.lower()}"
        if action == DnaAction.SUPERVISOR_REVIEW:
            supervisors = User.objects.filter(
                team=episode.team, role=Role.SUPERVISOR, is_active=True
            )
            alert_create(recipients=supervisors, kind=AlertKind.OTHER, message=message, url=url)
        elif action == DnaAction.DISCHARGE:
            episode_transition(
                episode=episode,
                to_status="closed",
                actor=actor,
                discharge_reason="no_contact",
                reason=f"Discharged by the service's policy after {unexplained} missed sessions.",
            )
        else:
            recipients = [episode.link_worker] if episode.link_worker else []
            alert_create(recipients=recipients, kind=AlertKind.OTHER, message=message, url=url)
    return taken


@transaction.atomic
def dna_policy_set(
    *,
    team: Team,
    actor: Any,
    contact_attempt_after: int,
    welfare_call_after: int,
    supervisor_review_after: int,
    discharge_after: int | None = None,
) -> DnaPolicy:
    """Supervisors and administrators set the team's DNA thresholds; discharge only if given."""
    _require_staff(actor, team)
    if actor.role not in (Role.SUPERVISOR, Role.ADMIN):
        raise Forbidden("Only a supervisor or an administrator can change the DNA policy.")
    policy, _ = DnaPolicy.objects.select_for_update().get_or_create(team=team)
    policy.contact_attempt_after = contact_attempt_after
    policy.welfare_call_after = welfare_call_after
    policy.supervisor_review_after = supervisor_review_after
    policy.discharge_after = discharge_after
    policy.full_clean()
    policy.save()
    audit_log(
        action="dna_policy_set",
        obj=policy,
        actor=actor,
        detail={
            "contact_attempt_after": contact_attempt_after,
            "welfare_call_after": welfare_call_after,
            "supervisor_review_after": supervisor_review_after,
            "discharge_after": discharge_after,
        },
    )
    return policy


@transaction.atomic
def dna_exempt_reason_add(*, team: Team, actor: Any, code: str, label: str) -> DnaExemptReason:
    """A service adds a reason that never counts as an unexplained DNA."""
    _require_staff(actor, team)
    if actor.role not in (Role.SUPERVISOR, Role.ADMIN):
        raise Forbidden("Only a supervisor or an administrator can add DNA reasons.")
    if code in BUILT_IN_EXEMPT_DNA_REASONS:
        raise Conflict("That reason is already built in.")
    reason = DnaExemptReason(team=team, code=code, label=label.strip())
    reason.full_clean()
    reason.save()
    audit_log(action="dna_reason_add", obj=reason, actor=actor, detail={"code": code})
    return reason


@transaction.atomic
def allowance_set(*, team: Team, actor: Any, sessions_per_episode: int) -> SessionAllowance:
    """Supervisors and administrators set their team's allowance."""
    _require_staff(actor, team)
    if actor.role not in (Role.SUPERVISOR, Role.ADMIN):
        raise Forbidden("Only a supervisor or an administrator can change the allowance.")
    allowance, _ = SessionAllowance.objects.select_for_update().get_or_create(team=team)
    before = allowance.sessions_per_episode
    allowance.sessions_per_episode = sessions_per_episode
    allowance.full_clean()
    allowance.save()
    audit_log(
        action="allowance_set",
        obj=allowance,
        actor=actor,
        detail={"from": before, "to": sessions_per_episode},
    )
    return allowance


@transaction.atomic
def extension_request(
    *, episode: Episode, actor: Any, extra_sessions: int, reason: str
) -> AllowanceExtension:
    """The practitioner asks for more sessions, saying why. One request awaits at a time."""
    _require_staff(actor, episode.team)
    if episode.status not in OPEN_EPISODE_STATUSES:
        raise Conflict("More sessions cannot be requested for a closed episode.")
    if not reason.strip():
        raise ValidationError({"reason": "Say why more sessions are needed."})
    Episode.objects.select_for_update().filter(pk=episode.pk).first()
    if episode.allowance_extensions.filter(status=ExtensionStatus.PENDING).exists():
        raise Conflict("A request for more sessions is already awaiting approval.")
    extension = AllowanceExtension(
        episode=episode,
        extra_sessions=extra_sessions,
        reason=reason.strip(),
        requested_by=actor,
        requested_at=timezone.now(),
    )
    extension.full_clean()
    extension.save()
    audit_log(
        action="extension_request",
        obj=extension,
        person=episode.person,
        actor=actor,
        detail={"extra_sessions": extra_sessions},
    )
    return extension


@transaction.atomic
def extension_decide(
    *, extension: AllowanceExtension, actor: Any, approve: bool, note: str = ""
) -> AllowanceExtension:
    """A supervisor of the team, not the person who asked, approves or declines."""
    extension = (
        AllowanceExtension.objects.select_for_update()
        .select_related("episode__team", "episode__person")
        .get(pk=extension.pk)
    )
    _require_staff(actor, extension.episode.team)
    if actor.role not in (Role.SUPERVISOR, Role.ADMIN):
        raise Forbidden("Only a supervisor can decide on more sessions.")
    if actor.pk == extension.requested_by_id:
        raise Forbidden("A request for more sessions must be decided by someone else.")
    if extension.status != ExtensionStatus.PENDING:
        raise Conflict("This request has already been decided.")
    if not approve and not note.strip():
        raise ValidationError({"note": "Say why the request is declined."})
    extension.status = ExtensionStatus.APPROVED if approve else ExtensionStatus.DECLINED
    extension.decided_by = actor
    extension.decided_at = timezone.now()
    extension.decision_note = note.strip()
    extension.full_clean()
    extension.save()
    audit_log(
        action="extension_decide",
        obj=extension,
        person=extension.episode.person,
        actor=actor,
        detail={"status": extension.status},
    )
    return extension
