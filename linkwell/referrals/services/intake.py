"""The front door: the referrer's page, the API (idempotent) and the public form."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import hmac
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from linkwell.accounts.models import Organisation, OrganisationKind, Role, Team
from linkwell.audit.services import audit_batch, audit_log
from linkwell.common.cleaning import full_clean_needed
from linkwell.common.errors import ApplicationError, Forbidden
from linkwell.common.needs import SAFEGUARDING_NEED, validate_need_codes
from linkwell.common.statuses import TaskStatus
from linkwell.common.working_days import add_working_days
from linkwell.notifications.models import AlertKind
from linkwell.notifications.services import alert_create
from linkwell.people.models import ConsentMethod, ConsentPurpose, Person
from linkwell.people.services import NewPerson, consent_record, person_insert, person_new

from ..models import Referral, ReferralSource, SelfReferralAttempt, Urgency
from ..risk import find_risk_words
from ._common import (
    PERSON_FIELDS,
    REFERRING_ROLES,
    SELF_REFERRAL_FIELDS,
    URGENCY_RESPONSE_WORKING_DAYS,
    TooManyRequests,
    _choice,
    _history,
    _rule,
    _supervisors,
    _unique_reference,
    intake_team,
    referral_url,
)


@transaction.atomic
def referral_create(
    *,
    actor: Any,
    source: str,
    reason: str,
    person_details: dict[str, Any] | None = None,
    person: Person | None = None,
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
    """Make a referral; ``actor`` is None for the public form.

    Either ``person_details`` (a new person record is created and any possible duplicates are
    flagged for a link worker, never merged automatically) or ``person``, a record already on the
    register (the referrer's page finds it with people.finding; a merged record's referral goes
    to the record that survived). Either way the person's consent to support is recorded. The
    referral goes to ``team`` or the intake team, status "requested", with a response deadline
    in working days (2 if urgent, 5 if soon, otherwise REFERRAL_RESPONSE_WORKING_DAYS).

    Risk: when the referrer flags risk of harm or safeguarding, "safety" is among the needs, or
    the reason mentions risk (referrals.risk), the referral is flagged and every supervisor of the
    team is alerted at once.

    The audit rows are written together at the end (audit.services.audit_batch), so the audit
    chain's lock is not held while the duplicate check and the inserts run.
    """
    with audit_batch():
        prepared = _referral_prepare(
            actor=actor,
            source=source,
            reason=reason,
            person_details=person_details,
            person=person,
            team=team,
            suggested_needs=suggested_needs,
            urgency=urgency,
            risk_of_harm=risk_of_harm,
            safeguarding_concern=safeguarding_concern,
            risk_details=risk_details,
            consent_confirmed=consent_confirmed,
            referring_organisation=referring_organisation,
            referrer_name=referrer_name,
            referrer_contact=referrer_contact,
        )
        return _referral_write(prepared, actor=actor)


@dataclass
class _PreparedReferral:
    """A referral checked and built by ``_referral_prepare``, written by ``_referral_write``."""

    referral: Referral
    # Exactly one of the two: a record already on the register, or a new one to insert.
    person: Person | None
    new_person: NewPerson | None
    risk_words: list[str]


def _referral_prepare(
    *,
    actor: Any,
    source: str,
    reason: str,
    person_details: dict[str, Any] | None = None,
    person: Person | None = None,
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
    reference: str | None = None,
) -> _PreparedReferral:
    """Every check of referral_create, and the referral built, before anything is written: the
    API runs this before its write transaction opens (on SQLite that transaction holds the
    database's write lock from its first statement), so the lock covers the writes alone. Reads
    only (the reference's uniqueness, a chosen person's current record). ``reference``: a new
    reference the caller has just found free (otherwise one is found here)."""
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
    if person is not None:
        if person_details:
            raise ValidationError(
                {"person": "Give either a person on the register or a new person's details."}
            )
        person = _current_record(person)
    elif not isinstance(person_details, dict):
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

    if (
        person is None
        and person_details is not None
        and referring_organisation is not None
        and referring_organisation.kind == OrganisationKind.GP_PRACTICE
        and "gp_practice" not in person_details
    ):
        # A GP practice refers its own registered patients: record the practice on the person.
        person_details = {**person_details, "gp_practice": referring_organisation}
    if reference is None:
        reference = _unique_reference()

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

    days = URGENCY_RESPONSE_WORKING_DAYS.get(
        Urgency(urgency), _rule("REFERRAL_RESPONSE_WORKING_DAYS")
    )
    days = min(days, _rule("REFERRAL_RESPONSE_WORKING_DAYS"))
    response_due = _response_due(timezone.localdate(), days)

    new_person = None
    if person is None:
        new_person = person_new(**(person_details or {}))

    referral = Referral(
        reference=reference,
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
        status_changed_at=timezone.now(),  # set again as it is written
        response_due=response_due,
    )
    # The related records are instances in hand and the reference was just found free. The
    # model's one check constraint (a reason for rejected, cancelled, on-hold and failed) holds
    # for a new "requested" referral by construction, so it is not checked with a query here;
    # the database still enforces it. The field checks run.
    exclude = ["uuid", "reference", "person", "team", "referring_organisation", "referred_by"]
    if full_clean_needed(referral, exclude=exclude):
        referral.full_clean(exclude=exclude, validate_constraints=False)
    return _PreparedReferral(referral, person, new_person, list(words.all))


def _referral_write(prepared: _PreparedReferral, *, actor: Any) -> Referral:
    """Write a prepared referral: the new person's record (and its duplicate check), consent,
    the referral, its first history row, the audit row and any risk alert. Runs inside the
    caller's transaction and audit batch."""
    referral = prepared.referral
    if prepared.new_person is not None:
        # person_insert also runs person_flag_duplicates: possible duplicates go to a link
        # worker's review list, never merged automatically.
        person = person_insert(new=prepared.new_person, actor=actor)
    elif prepared.person is not None:
        person = prepared.person
    else:
        raise ValueError("A prepared referral has a person on the register or a new person.")
    consent_record(person=person, actor=actor, **_support_consent(referral))

    now = timezone.now()
    referral.person = person
    referral.status_changed_at = now
    referral.save()
    _history(referral=referral, from_status="", to_status=TaskStatus.REQUESTED, actor=actor, at=now)
    audit_log(
        action="create",
        obj=referral,
        person=person,
        actor=actor,
        detail=_created_detail(referral, prepared),
    )
    if referral.risk_of_harm or referral.safeguarding_concern:
        _alert_risk(referral)
    return referral


def _support_consent(referral: Referral) -> dict[str, Any]:
    """The consent to support a referral records for its person, however it was written."""
    return {
        "purpose": ConsentPurpose.SUPPORT,
        "given": True,
        "method": (
            ConsentMethod.ONLINE
            if referral.source == ReferralSource.SELF
            else ConsentMethod.REFERRER
        ),
        "note": f"Agreed to be referred and contacted (referral {referral.reference}).",
    }


def _created_detail(referral: Referral, prepared: _PreparedReferral) -> dict[str, Any]:
    """What the audit row of a new referral records, however the referral was written."""
    return {
        "reference": referral.reference,
        "source": referral.source,
        "team": str(referral.team.uuid),
        "risk_of_harm": referral.risk_of_harm,
        "safeguarding_concern": referral.safeguarding_concern,
        "risk_words": prepared.risk_words,
    }


def _alert_risk(referral: Referral) -> None:
    """Tell the team's supervisors at once about a new referral that mentions risk."""
    alert_create(
        recipients=_supervisors(referral.team),
        kind=AlertKind.RISK,
        message=f"A referral needs your attention today (possible risk): {referral.reference}",
        url=referral_url(referral),
        obj=referral,
    )


@functools.lru_cache(maxsize=32)
def _response_due(today: dt.date, days: int) -> dt.date:
    """The reply-by date: the same few (day, working days) pairs all day, so kept per process
    rather than walked through the bank holiday calendar on every referral."""
    return add_working_days(today, days)


def _current_record(person: Person) -> Person:
    """The person's record as it is now; a record merged since it was found leads to the
    survivor, which holds the history."""
    current = Person.objects.filter(pk=person.pk).first()
    hops = 0
    while current is not None and current.merged_into_id is not None and hops < 20:
        current = Person.objects.filter(pk=current.merged_into_id).first()
        hops += 1
    if current is None or current.merged_into_id is not None:
        raise ValidationError({"person": "That person's record is no longer on the register."})
    return current


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
