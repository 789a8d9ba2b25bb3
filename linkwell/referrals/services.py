"""Writing referrals: the front door (referrer's page, API, public form), the Gravity status
workflow, assignment, and the response-deadline sweep.

Every function here runs in one transaction: bad input raises before anything is kept.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
from collections.abc import Iterable, Sequence
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from linkwell.accounts.models import Organisation, OrganisationKind, Role, Team, User
from linkwell.audit.services import audit_log
from linkwell.cases.selectors import user_is_team_staff
from linkwell.cases.services import SNOMED_REFERRAL_TO_SOCIAL_PRESCRIBING, episode_open
from linkwell.common.errors import (
    ApplicationError,
    Conflict,
    Forbidden,
    InvalidTransition,
    NotFound,
)
from linkwell.common.needs import SAFEGUARDING_NEED, validate_need_codes
from linkwell.common.statuses import (
    TASK_ALLOWED_TRANSITIONS,
    TASK_REASON_REQUIRED,
    TASK_TERMINAL_STATUSES,
    TaskStatus,
)
from linkwell.common.working_days import add_working_days, working_days_between
from linkwell.notifications.models import AlertKind
from linkwell.notifications.services import alert_create
from linkwell.people.models import ConsentMethod, ConsentPurpose
from linkwell.people.services import consent_record, person_create

from .models import (
    IdempotencyRecord,
    Referral,
    ReferralSource,
    ReferralStatusChange,
    SelfReferralAttempt,
    Urgency,
)
from .references import generate_reference
from .risk import find_risk_words
from .selectors import referral_visible_q

# SNOMED CT "social prescribing declined", recorded on the history row of a rejection.
SNOMED_SOCIAL_PRESCRIBING_DECLINED = "871711000000103"

# Roles that may make a referral (through the page or the API).
REFERRING_ROLES = (Role.REFERRER, Role.LINK_WORKER, Role.SUPERVISOR, Role.ADMIN)

# Working days to reply by urgency; routine uses REFERRAL_RESPONSE_WORKING_DAYS (default 10).
URGENCY_RESPONSE_WORKING_DAYS = {Urgency.URGENT: 2, Urgency.SOON: 5}

# Person fields the public form may carry (passed to people.services.person_create).
PERSON_FIELDS = frozenset(
    {
        "given_name",
        "family_name",
        "preferred_name",
        "date_of_birth",
        "nhs_number",
        "address",
        "postcode",
        "phone",
        "email",
        "preferred_contact_method",
        "preferred_contact_times",
        "language",
        "interpreter_needed",
        "accessibility_needs",
        "ethnic_category",
        "sex",
        "gender_identity",
    }
)
SELF_REFERRAL_FIELDS = frozenset(
    {
        "reason",
        "suggested_needs",
        "urgency",
        "risk_of_harm",
        "safeguarding_concern",
        "risk_details",
        "consent_confirmed",
    }
)
API_FIELDS = frozenset(
    {
        "person",
        "source",
        "reason",
        "suggested_needs",
        "urgency",
        "risk_of_harm",
        "safeguarding_concern",
        "risk_details",
        "consent_confirmed",
        "referrer_name",
        "referrer_contact",
        "team",
    }
)


class TooManyRequests(ApplicationError):
    status_code = 429


def _rule(name: str) -> Any:
    """A service rule from settings.LINKWELL (typed loosely there: a dict of mixed values)."""
    return settings.LINKWELL[name]  # type: ignore[index]  # LINKWELL is a plain settings dict


# --- helpers -------------------------------------------------------------------------------


def referral_url(referral: Referral) -> str:
    """The staff page of a referral, when the pages are installed."""
    try:
        return reverse("referrals:detail", args=[referral.uuid])
    except NoReverseMatch:
        return ""


def intake_team() -> Team | None:
    """The team that receives referrals sent without one.

    settings.LINKWELL["INTAKE_TEAM_UUID"] when set; otherwise the first team (oldest) of the
    first (oldest) active social prescribing service.
    """
    configured = str(settings.LINKWELL.get("INTAKE_TEAM_UUID", ""))
    if configured:
        team = Team.objects.filter(uuid=configured).select_related("organisation").first()
        if team is None:
            raise ApplicationError(
                "The intake team named in the INTAKE_TEAM_UUID setting does not exist."
            )
        return team
    org = (
        Organisation.objects.filter(
            kind=OrganisationKind.SOCIAL_PRESCRIBING_SERVICE, is_active=True, teams__isnull=False
        )
        .order_by("created_at", "id")
        .first()
    )
    if org is None:
        return None
    return org.teams.order_by("created_at", "id").first()


def _team_users(team: Team, roles: Sequence[str]) -> list[User]:
    return list(User.objects.filter(team=team, role__in=roles, is_active=True).order_by("username"))


def _supervisors(team: Team) -> list[User]:
    """Who hears of risk and missed deadlines: the team's supervisors; failing that, the
    organisation's administrators; failing that, the team's link workers. Never nobody."""
    people = _team_users(team, [Role.SUPERVISOR])
    if not people:
        people = list(
            User.objects.filter(
                organisation_id=team.organisation_id, role=Role.ADMIN, is_active=True
            ).order_by("username")
        )
    return people or _team_users(team, [Role.LINK_WORKER])


def _choice(value: str, choices: Iterable[str], field: str, what: str) -> str:
    allowed = list(choices)
    if value not in allowed:
        raise ValidationError({field: f"{what} must be one of: {', '.join(allowed)}."})
    return value


def _unique_reference() -> str:
    for _ in range(10):
        reference = generate_reference()
        if not Referral.objects.filter(reference=reference).exists():
            return reference
    raise ApplicationError("Could not make a unique reference; please try again.")


def _history(
    *,
    referral: Referral,
    from_status: str,
    to_status: str,
    actor: Any,
    reason: str = "",
    snomed_code: str = "",
    at: dt.datetime,
) -> ReferralStatusChange:
    change = ReferralStatusChange(
        referral=referral,
        from_status=from_status,
        to_status=to_status,
        reason=reason,
        actor=actor if getattr(actor, "pk", None) else None,
        at=at,
        snomed_code=snomed_code,
    )
    change.full_clean()
    change.save()
    return change


# --- intake --------------------------------------------------------------------------------


@transaction.atomic
def referral_create(
    *,
    actor: Any,
    source: str,
    reason: str,
    person_details: dict[str, Any],
    team: Team | None = None,
    suggested_needs: Sequence[str] = (),
    urgency: str = Urgency.ROUTINE,
    risk_of_harm: bool = False,
    safeguarding_concern: bool = False,
    risk_details: str = "",
    consent_confirmed: bool,
    referring_organisation: Organisation | None = None,
    referrer_name: str = "",
    referrer_contact: str = "",
) -> Referral:
    """Make a referral for a new person record; ``actor`` is None for the public form.

    The person is created from ``person_details`` and their consent to support recorded; any
    possible duplicates are flagged for a link worker (never merged automatically). The referral
    goes to ``team`` or the intake team, status "requested", with a response deadline in working
    days (2 if urgent, 5 if soon, otherwise REFERRAL_RESPONSE_WORKING_DAYS).

    Risk: when the referrer flags risk of harm or safeguarding, "safety" is among the needs, or
    the reason mentions risk (referrals.risk), the referral is flagged and every supervisor of the
    team is alerted at once.
    """
    if actor is not None and getattr(actor, "role", None) not in REFERRING_ROLES:
        raise Forbidden("Your role cannot make referrals.")
    source = _choice(source, ReferralSource.values, "source", "The referral source")
    urgency = _choice(urgency, Urgency.values, "urgency", "Urgency")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Say why the person is being referred."})
    if not consent_confirmed:
        raise ValidationError(
            {
                "consent_confirmed": "The person must agree to be referred and contacted before "
                "the referral can be sent."
            }
        )
    try:
        needs = validate_need_codes(list(suggested_needs))
    except ValidationError as exc:
        raise ValidationError({"suggested_needs": exc.messages}) from None
    if not isinstance(person_details, dict):
        raise ValidationError({"person": "Give the person's details."})

    if actor is not None and actor.role == Role.REFERRER:
        if referring_organisation is None:
            referring_organisation = actor.organisation
        elif referring_organisation.pk != actor.organisation_id:
            raise Forbidden("You can only refer on behalf of your own organisation.")
    if team is None:
        team = intake_team()
        if team is None:
            raise ApplicationError(
                "No social prescribing team is set up to receive referrals yet. "
                "Ask an administrator to add one."
            )

    # person_create also runs person_flag_duplicates: possible duplicates go to a link worker's
    # review list, never merged automatically.
    person = person_create(actor=actor, **person_details)
    reference = _unique_reference()
    consent_record(
        person=person,
        purpose=ConsentPurpose.SUPPORT,
        given=True,
        actor=actor,
        method=ConsentMethod.ONLINE if source == ReferralSource.SELF else ConsentMethod.REFERRER,
        note=f"Agreed to be referred and contacted (referral {reference}).",
    )

    words = find_risk_words(reason)
    auto_notes = []
    if words.harm_to_self and not risk_of_harm:
        risk_of_harm = True
        auto_notes.append(", ".join(words.harm_to_self))
    if words.harm_from_others and not safeguarding_concern:
        safeguarding_concern = True
        auto_notes.append(", ".join(words.harm_from_others))
    if SAFEGUARDING_NEED in needs and not safeguarding_concern:
        safeguarding_concern = True
        auto_notes.append(f'the need "{SAFEGUARDING_NEED}"')
    risk_details = (risk_details or "").strip()
    if auto_notes:
        note = "Flagged automatically: the referral mentions " + "; ".join(auto_notes) + "."
        risk_details = f"{risk_details}\n{note}".strip()

    today = timezone.localdate()
    days = URGENCY_RESPONSE_WORKING_DAYS.get(
        Urgency(urgency), _rule("REFERRAL_RESPONSE_WORKING_DAYS")
    )
    days = min(days, _rule("REFERRAL_RESPONSE_WORKING_DAYS"))
    now = timezone.now()
    referral = Referral(
        reference=reference,
        person=person,
        source=source,
        referring_organisation=referring_organisation,
        referred_by=actor,
        referrer_name=(referrer_name or "").strip(),
        referrer_contact=(referrer_contact or "").strip(),
        team=team,
        reason=reason,
        suggested_needs=needs,
        urgency=urgency,
        risk_of_harm=risk_of_harm,
        safeguarding_concern=safeguarding_concern,
        risk_details=risk_details,
        consent_confirmed=True,
        status=TaskStatus.REQUESTED,
        status_changed_at=now,
        response_due=add_working_days(today, days),
    )
    referral.full_clean()
    referral.save()
    _history(referral=referral, from_status="", to_status=TaskStatus.REQUESTED, actor=actor, at=now)
    audit_log(
        action="create",
        obj=referral,
        person=person,
        actor=actor,
        detail={
            "reference": reference,
            "source": source,
            "team": str(team.uuid),
            "risk_of_harm": risk_of_harm,
            "safeguarding_concern": safeguarding_concern,
            "risk_words": list(words.all),
        },
    )
    if risk_of_harm or safeguarding_concern:
        alert_create(
            recipients=_supervisors(team),
            kind=AlertKind.RISK,
            message=f"A referral needs your attention today (possible risk): {reference}",
            url=referral_url(referral),
            obj=referral,
        )
    return referral


def _fingerprint(payload: dict[str, Any]) -> str:
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _replay(*, actor: Any, key: str, fingerprint: str) -> Referral | None:
    record = (
        IdempotencyRecord.objects.filter(user=actor, key=key).select_related("referral").first()
    )
    if record is None:
        return None
    if record.request_fingerprint != fingerprint:
        raise Conflict(
            "This Idempotency-Key was already used for a different referral. "
            "Send a new key for a new referral.",
            extra={"reference": record.referral.reference},
        )
    return record.referral


def _api_kwargs(*, actor: Any, payload: dict[str, Any]) -> dict[str, Any]:
    unknown = sorted(set(payload) - API_FIELDS)
    if unknown:
        raise ValidationError(f"Unknown fields: {', '.join(unknown)}.")
    kwargs = {k: v for k, v in payload.items() if k not in ("person", "team") and v is not None}
    person = payload.get("person")
    if not isinstance(person, dict):
        raise ValidationError({"person": "Give the person's details."})
    person_details = {k: v for k, v in person.items() if v is not None}
    dob = person_details.get("date_of_birth")
    if isinstance(dob, str):
        try:
            parsed = dt.date.fromisoformat(dob)
        except ValueError:
            parsed = None
        if parsed is None:
            raise ValidationError({"date_of_birth": "Give the date of birth as YYYY-MM-DD."})
        person_details["date_of_birth"] = parsed
    kwargs["person_details"] = person_details
    kwargs.setdefault("consent_confirmed", False)
    kwargs.setdefault("reason", "")
    kwargs.setdefault("source", "")
    team_uuid = payload.get("team")
    if team_uuid:
        team = Team.objects.filter(uuid=team_uuid).first()
        if team is None:
            raise ValidationError({"team": "No such team."})
        kwargs["team"] = team
    return kwargs


@transaction.atomic
def referral_create_via_api(
    *, actor: Any, idempotency_key: str, payload: dict[str, Any]
) -> tuple[Referral, bool]:
    """Create a referral once per (user, Idempotency-Key); a retry returns the first one.

    Returns ``(referral, created)``. The same key with a different payload is a Conflict (409).
    Two concurrent requests with one key create one referral: the unique constraint on
    (user, key) makes the second insert fail, its savepoint is rolled back (person, referral,
    audit rows and all) and the first request's referral is returned.
    """
    key = (idempotency_key or "").strip()
    if not key:
        raise ValidationError("Send an Idempotency-Key header with a new unique value.")
    if len(key) > 200:
        raise ValidationError("The Idempotency-Key header must be at most 200 characters.")
    fingerprint = _fingerprint(payload)
    existing = _replay(actor=actor, key=key, fingerprint=fingerprint)
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            referral = referral_create(actor=actor, **_api_kwargs(actor=actor, payload=payload))
            IdempotencyRecord.objects.create(
                key=key, user=actor, request_fingerprint=fingerprint, referral=referral
            )
    except IntegrityError:
        # Another request with this key won the race; its referral is the one.
        existing = _replay(actor=actor, key=key, fingerprint=fingerprint)
        if existing is None:
            raise
        return existing, False
    return referral, True


def _client_hash(client_key: str) -> str:
    # Keyed with SECRET_KEY, so stored hashes cannot be turned back into addresses by guessing.
    return hmac.new(settings.SECRET_KEY.encode(), client_key.encode(), hashlib.sha256).hexdigest()


@transaction.atomic
def referral_create_self(*, client_key: str, details: dict[str, Any]) -> Referral:
    """A self-referral from the public form (no account): source "self", consent "online".

    ``details`` is flat: person fields (PERSON_FIELDS: given_name, family_name, date_of_birth,
    postcode, phone, email, preferred_contact_method...) beside the referral fields
    (SELF_REFERRAL_FIELDS: reason, suggested_needs, risk_of_harm, safeguarding_concern,
    risk_details, consent_confirmed, urgency). Any other key is refused, so nothing the person
    wrote is silently dropped.

    Rate limited per client (``client_key``, e.g. the address; only a keyed hash is stored):
    at most LINKWELL["SELF_REFERRAL_RATE_LIMIT_PER_HOUR"] referrals an hour, then
    TooManyRequests (429). A submission refused for bad input changes nothing and does not count.
    """
    client_hash = _client_hash(client_key or "")
    now = timezone.now()
    limit = _rule("SELF_REFERRAL_RATE_LIMIT_PER_HOUR")
    recent = SelfReferralAttempt.objects.filter(
        client_hash=client_hash, at__gte=now - dt.timedelta(hours=1)
    ).count()
    if recent >= limit:
        raise TooManyRequests(
            "We have received several referrals from this device in the last hour, so we cannot "
            "take another one just now. Please try again in an hour, or phone us. If you are in "
            "danger now call 999; for urgent help call NHS 111 or Samaritans on 116 123."
        )
    unknown = sorted(set(details) - PERSON_FIELDS - SELF_REFERRAL_FIELDS)
    if unknown:
        raise ValidationError(f"Unknown fields: {', '.join(unknown)}.")
    person_details = {k: v for k, v in details.items() if k in PERSON_FIELDS}
    referral_details = {k: v for k, v in details.items() if k in SELF_REFERRAL_FIELDS}
    referral_details.setdefault("reason", "")
    referral_details.setdefault("consent_confirmed", False)
    referral = referral_create(
        actor=None,
        source=ReferralSource.SELF,
        person_details=person_details,
        referrer_name="Self-referral",
        **referral_details,
    )
    SelfReferralAttempt.objects.create(client_hash=client_hash, at=now)
    return referral


# --- workflow ------------------------------------------------------------------------------


def _lock(referral: Referral) -> Referral:
    return (
        Referral.objects.select_for_update(of=("self",))
        .select_related("team", "person", "assigned_to")
        .get(pk=referral.pk)
    )


def _can_see(actor: Any, referral: Referral) -> bool:
    return Referral.objects.filter(referral_visible_q(actor), pk=referral.pk).exists()


@transaction.atomic
def referral_transition(
    *, referral: Referral, to_status: str, actor: Any, reason: str = ""
) -> Referral:
    """Move the referral along TASK_ALLOWED_TRANSITIONS, writing one history row.

    Staff of the receiving team may make any allowed move; the referrer who made the referral may
    cancel it while it is still requested. Rejected, cancelled, on-hold and failed need a reason.
    Terminal states never reopen. Accepting opens an episode (SNOMED 871731000000106) for the
    acting link worker, or for the referral's assignee when a supervisor accepts.
    """
    referral = _lock(referral)
    if not user_is_team_staff(actor, referral.team):
        referrer_cancel = (
            to_status == TaskStatus.CANCELLED
            and referral.referred_by_id is not None
            and referral.referred_by_id == getattr(actor, "pk", None)
        )
        if not referrer_cancel:
            if _can_see(actor, referral):
                raise Forbidden("Only the team that received this referral can change its status.")
            raise NotFound("Referral not found.")
        if referral.status != TaskStatus.REQUESTED:
            raise InvalidTransition(
                "The service has already replied to this referral, so it can no longer be "
                "cancelled here. Contact the service instead."
            )
    if to_status not in TaskStatus.values:
        raise ValidationError({"status": f"Unknown referral status {to_status!r}."})
    current = referral.status
    if current in TASK_TERMINAL_STATUSES:
        raise InvalidTransition(
            f"This referral is {TaskStatus(current).label.lower()} and cannot be reopened. "
            "Make a new referral instead.",
            extra={"status": current},
        )
    if to_status not in TASK_ALLOWED_TRANSITIONS[current]:
        raise InvalidTransition(
            f"A referral cannot move from {TaskStatus(current).label.lower()} to "
            f"{TaskStatus(to_status).label.lower()}.",
            extra={"status": current},
        )
    reason = (reason or "").strip()
    if to_status in TASK_REASON_REQUIRED and not reason:
        raise ValidationError(
            {
                "reason": f"Give a reason for marking this referral "
                f"{TaskStatus(to_status).label.lower()}."
            }
        )
    now = timezone.now()
    referral.status = to_status
    referral.status_reason = reason
    referral.status_changed_at = now
    snomed = ""
    if to_status == TaskStatus.ACCEPTED:
        snomed = SNOMED_REFERRAL_TO_SOCIAL_PRESCRIBING
        worker = actor if getattr(actor, "role", None) == Role.LINK_WORKER else None
        worker = worker or referral.assigned_to
        if referral.assigned_to is None and worker is not None:
            referral.assigned_to = worker
        referral.full_clean()
        referral.save()
        episode_open(
            person=referral.person,
            team=referral.team,
            actor=actor,
            referral=referral,
            link_worker=worker,
        )
    else:
        if to_status == TaskStatus.REJECTED:
            snomed = SNOMED_SOCIAL_PRESCRIBING_DECLINED
        referral.full_clean()
        referral.save()
    _history(
        referral=referral,
        from_status=current,
        to_status=to_status,
        actor=actor,
        reason=reason,
        snomed_code=snomed,
        at=now,
    )
    audit_log(
        action="transition",
        obj=referral,
        person=referral.person,
        actor=actor,
        detail={"from": current, "to": to_status, "snomed": snomed or None},
    )
    return referral


@transaction.atomic
def referral_assign(*, referral: Referral, link_worker: User, actor: Any) -> Referral:
    """Give an open referral to a link worker (or supervisor) of the receiving team."""
    referral = _lock(referral)
    if not user_is_team_staff(actor, referral.team):
        if _can_see(actor, referral):
            raise Forbidden("Only the team that received this referral can assign it.")
        raise NotFound("Referral not found.")
    if referral.status in TASK_TERMINAL_STATUSES:
        raise InvalidTransition(
            f"This referral is {TaskStatus(referral.status).label.lower()}; it cannot be assigned."
        )
    if not (
        link_worker.is_active
        and link_worker.role in (Role.LINK_WORKER, Role.SUPERVISOR)
        and link_worker.team_id == referral.team_id
    ):
        raise ValidationError(
            {"link_worker": f"{link_worker.display_name} is not a link worker in this team."}
        )
    previous = referral.assigned_to
    referral.assigned_to = link_worker
    referral.full_clean()
    referral.save(update_fields=["assigned_to", "updated_at"])
    audit_log(
        action="update",
        obj=referral,
        person=referral.person,
        actor=actor,
        detail={
            "assigned_to": link_worker.username,
            "previous": previous.username if previous else None,
        },
    )
    return referral


# --- deadlines -----------------------------------------------------------------------------


def referral_deadline_sweep_run(*, today: dt.date | None = None) -> dict[str, int]:
    """Remind and escalate referrals still waiting for a reply (run daily by tasks.py).

    For each requested referral: on the reminder working days (LINKWELL
    "REFERRAL_REMINDER_WORKING_DAYS", 6 and 9 after the referral) the assignee, or the team's
    link workers when nobody is assigned, get one reminder each (``reminders_sent`` counts them,
    so a day is never reminded twice, and a missed run catches up with one reminder). Once the
    response deadline has passed the team's supervisors get one escalation (``escalated_at``).
    Each referral is handled in its own transaction under a row lock.
    """
    today = today or timezone.localdate()
    reminder_days = sorted(_rule("REFERRAL_REMINDER_WORKING_DAYS"))
    result = {"checked": 0, "reminders": 0, "escalations": 0}
    ids = list(
        Referral.objects.filter(status=TaskStatus.REQUESTED)
        .order_by("id")
        .values_list("id", flat=True)
    )
    for pk in ids:
        reminded, escalated = _sweep_one(pk=pk, today=today, reminder_days=reminder_days)
        result["checked"] += 1
        result["reminders"] += int(reminded)
        result["escalations"] += int(escalated)
    return result


@transaction.atomic
def _sweep_one(*, pk: int, today: dt.date, reminder_days: list[int]) -> tuple[bool, bool]:
    referral = (
        Referral.objects.select_for_update(of=("self",))
        .select_related("team", "assigned_to")
        .filter(pk=pk, status=TaskStatus.REQUESTED)
        .first()
    )
    if referral is None:
        return False, False
    made_on = timezone.localtime(referral.created_at).date()
    elapsed = working_days_between(made_on, today)
    window = working_days_between(made_on, referral.response_due) if referral.response_due else None
    # Reminders only for days before the deadline: an urgent referral goes straight to escalation.
    due_points = [d for d in reminder_days if d <= elapsed and (window is None or d < window)]
    reminded = escalated = False
    changed: dict[str, Any] = {}
    if len(due_points) > referral.reminders_sent:
        recipients = (
            [referral.assigned_to]
            if referral.assigned_to and referral.assigned_to.is_active
            else _team_users(referral.team, [Role.LINK_WORKER]) or _supervisors(referral.team)
        )
        due = (
            f"{referral.response_due.day} {referral.response_due:%B %Y}"
            if referral.response_due
            else ""
        )
        alert_create(
            recipients=recipients,
            kind=AlertKind.DEADLINE_REMINDER,
            message=f"A referral is waiting for a reply (due {due}): {referral.reference}",
            url=referral_url(referral),
            obj=referral,
        )
        referral.reminders_sent = len(due_points)
        changed["reminders_sent"] = referral.reminders_sent
        reminded = True
    if referral.response_due and today > referral.response_due and referral.escalated_at is None:
        alert_create(
            recipients=_supervisors(referral.team),
            kind=AlertKind.ESCALATION,
            message=f"A referral has passed its reply deadline: {referral.reference}",
            url=referral_url(referral),
            obj=referral,
        )
        referral.escalated_at = timezone.now()
        changed["escalated"] = True
        escalated = True
    if changed:
        referral.full_clean()
        referral.save(update_fields=["reminders_sent", "escalated_at", "updated_at"])
        audit_log(action="update", obj=referral, actor=None, detail={"deadline_sweep": changed})
    return reminded, escalated


@transaction.atomic
def self_referral_attempts_prune(*, older_than_hours: int = 24) -> int:
    """Forget rate-limit rows once they no longer count; returns how many were removed."""
    cutoff = timezone.now() - dt.timedelta(hours=older_than_hours)
    deleted, _ = SelfReferralAttempt.objects.filter(at__lt=cutoff).delete()
    return deleted
