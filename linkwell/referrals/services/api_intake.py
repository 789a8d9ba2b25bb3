"""The API's front door: ``POST /api/v1/referrals`` with an Idempotency-Key.

The busiest write in Linkwell, so its writes skip the ORM: the same checks as ``referral_create``
(``_referral_prepare``, shared), then the same rows (person, flagged duplicate pairs, consent,
referral, first history row, idempotency record, audit rows) written with plain INSERTs
(``common.rows.insert_row``) and the audit rows appended in one go (``audit_rows_append``).
``referral_create`` (the referrer's page and the public form) keeps the ORM path; tests compare
the two paths' rows.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import uuid
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from linkwell.accounts.models import Team
from linkwell.audit.services import audit_batch, audit_head_read, audit_row, audit_rows_append
from linkwell.common.errors import Conflict
from linkwell.common.rows import Read, Ref, RowBatch, row_values
from linkwell.common.statuses import TaskStatus
from linkwell.people.services import (
    ConsentInBatch,
    PersonInBatch,
    consent_batch_add,
    consent_batch_audit_row,
    person_batch_add,
    person_batch_written,
)

from ..models import IdempotencyRecord, Referral, ReferralStatusChange
from ..references import generate_reference
from ._common import API_FIELDS
from .intake import (
    _alert_risk,
    _created_detail,
    _PreparedReferral,
    _referral_prepare,
    _support_consent,
)


def _fingerprint(payload: dict[str, Any]) -> str:
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _replay(*, actor: Any, key: str, fingerprint: str) -> Referral | None:
    """The referral an earlier request with this Idempotency-Key made, if any (after a lost race
    for the key; the first look-up is ``_replay_and_reference``)."""
    found = (
        IdempotencyRecord.objects.filter(user=actor, key=key)
        .values_list("request_fingerprint", "referral_id")
        .first()
    )
    return None if found is None else _replayed(found, fingerprint=fingerprint)


def _replayed(found: tuple[str, int], *, fingerprint: str) -> Referral:
    stored_fingerprint, referral_id = found
    referral = Referral.objects.get(pk=referral_id)
    if stored_fingerprint != fingerprint:
        raise Conflict(
            "This Idempotency-Key was already used for a different referral. "
            "Send a new key for a new referral.",
            extra={"reference": referral.reference},
        )
    return referral


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


def referral_create_via_api(
    *, actor: Any, idempotency_key: str, payload: dict[str, Any]
) -> tuple[Referral, bool]:
    """Create a referral once per (user, Idempotency-Key); a retry returns the first one.

    Returns ``(referral, created)``. The same key with a different payload is a Conflict (409).
    Two concurrent requests with one key create one referral: the unique constraint on
    (user, key) makes the second insert fail, its transaction is rolled back (person, referral,
    audit rows and all) and the first request's referral is returned.

    The key, the payload, the replay look-up and every check of the referral and the person
    (``_referral_prepare``) run before the transaction opens, so the write transaction (on SQLite
    it holds the database's write lock from its first statement) covers only the writes.
    """
    key = (idempotency_key or "").strip()
    if not key:
        raise ValidationError("Send an Idempotency-Key header with a new unique value.")
    if len(key) > 200:
        raise ValidationError("The Idempotency-Key header must be at most 200 characters.")
    fingerprint = _fingerprint(payload)
    reference, found = _replay_and_reference(actor=actor, key=key)
    if found is not None:
        return _replayed(found, fingerprint=fingerprint), False
    kwargs = _api_kwargs(actor=actor, payload=payload)
    prepared = _referral_prepare(actor=actor, reference=reference, **kwargs)
    writes = _referral_writes(prepared, actor=actor, key=key, fingerprint=fingerprint)
    try:
        with transaction.atomic():
            referral = _referral_write_sql(
                prepared, actor=actor, key=key, fingerprint=fingerprint, writes=writes
            )
    except IntegrityError:
        # Another request with this key won the race; its referral is the one.
        existing = _replay(actor=actor, key=key, fingerprint=fingerprint)
        if existing is None:
            raise
        return existing, False
    return referral, True


def _replay_and_reference(*, actor: Any, key: str) -> tuple[str | None, tuple[str, int] | None]:
    """The intake's two look-ups before its transaction, in one statement: the Idempotency-Key's
    earlier request (its fingerprint and referral), and whether a new reference is free. Returns
    (the reference if it is free, else None, and ``_referral_prepare`` finds one; the earlier
    request or None)."""
    reference = generate_reference()
    with connection.cursor() as cursor:
        cursor.execute(_replay_and_reference_sql(connection.vendor), [reference, actor.pk, key])
        fingerprint, referral_id, taken = cursor.fetchone()
    found = (fingerprint, referral_id) if referral_id is not None else None
    return (None if taken else reference), found


@functools.cache
def _replay_and_reference_sql(vendor: str) -> str:
    quote = connection.ops.quote_name
    return (
        f"SELECT i.{quote('request_fingerprint')}, i.{quote('referral_id')}, "  # noqa: S608
        f"(SELECT 1 FROM {quote(Referral._meta.db_table)} WHERE {quote('reference')} = %s) "
        f"FROM (SELECT 1) AS one LEFT JOIN {quote(IdempotencyRecord._meta.db_table)} AS i "
        f"ON i.{quote('user_id')} = %s AND i.{quote('key')} = %s"
    )


@dataclass
class _Writes:
    """The API intake's rows, made ready before its write transaction (``_referral_writes``):
    on SQLite that transaction holds the database's write lock, so building them there kept
    every other writer waiting for it."""

    batch: RowBatch
    person: PersonInBatch
    consent: ConsentInBatch
    referral: Ref
    head: Read


def _referral_writes(
    prepared: _PreparedReferral, *, actor: Any, key: str, fingerprint: str
) -> _Writes:
    """The RowBatch of a prepared referral with a new person: the duplicate check's read, the
    person, consent, the referral, its first history row, the idempotency record and the audit
    chain head's read. Touches no table."""
    new_person = prepared.new_person
    if new_person is None:
        raise ValueError("The API's intake always brings a new person's details.")
    referral = prepared.referral
    now = timezone.now()
    batch = RowBatch()
    added = person_batch_add(new=new_person, now=now, batch=batch)
    consent = consent_batch_add(
        person=added, actor=actor, batch=batch, **_support_consent(referral)
    )
    referral.status_changed_at = now
    referral.created_at = referral.updated_at = now
    referral_ref = batch.add(Referral, {**row_values(referral), "person_id": added.ref})
    batch.add(
        ReferralStatusChange,
        {
            "referral_id": referral_ref,
            "from_status": "",
            "to_status": TaskStatus.REQUESTED,
            "reason": "",
            "actor_id": actor.pk if getattr(actor, "pk", None) else None,
            "at": now,
            "snomed_code": "",
        },
    )
    batch.add(
        IdempotencyRecord,
        {
            "uuid": uuid.uuid4(),
            "created_at": now,
            "updated_at": now,
            "key": key,
            "user_id": actor.pk,
            "request_fingerprint": fingerprint,
            "referral_id": referral_ref,
        },
    )
    # The audit chain's head is taken with the rest (on PostgreSQL in the same statement, one
    # round trip fewer); it is held from there to the commit, a little longer than when it was
    # taken just before the audit rows' insert (by the pairs, the scoring and the hashing).
    head = batch.read(*audit_head_read())
    return _Writes(batch, added, consent, referral_ref, head)


def _referral_write_sql(
    prepared: _PreparedReferral,
    *,
    actor: Any,
    key: str,
    fingerprint: str,
    writes: _Writes | None = None,
) -> Referral:
    """``intake._referral_write`` and the idempotency record for a new person, in plain SQL:
    the RowBatch of ``_referral_writes`` (``writes``, made here if not given: the duplicate
    check's read, person, consent, referral, first history row, idempotency record; one
    statement on PostgreSQL), any flagged pairs, then the audit rows in one append and any risk
    alert. Runs inside the caller's transaction."""
    if writes is None:
        writes = _referral_writes(prepared, actor=actor, key=key, fingerprint=fingerprint)
    batch, added, consent = writes.batch, writes.person, writes.consent
    referral_ref, head = writes.referral, writes.head
    referral = prepared.referral
    pks = batch.insert()

    person, audit_rows = person_batch_written(added=added, batch=batch, pks=pks, actor=actor)
    audit_rows.append(consent_batch_audit_row(consent=consent, person=person, actor=actor))
    referral.person = person
    referral.pk = pks[referral_ref.index]
    referral._state.adding = False
    referral._state.db = connection.alias
    # Made a moment ago in this transaction: no episode can point at it yet.
    Referral.episode.related.set_cached_value(referral, None)  # type: ignore[attr-defined]  # the reverse one-to-one from cases.Episode
    audit_rows.append(
        audit_row(
            action="create",
            obj=referral,
            person=person,
            actor=actor,
            detail=_created_detail(referral, prepared),
        )
    )
    head_rows = batch.results[head.index]
    audit_rows_append(audit_rows, head=head_rows[0] if head_rows else None)
    if referral.risk_of_harm or referral.safeguarding_concern:
        # Its audit rows follow the referral's, as they did when intake logged through a batch.
        with audit_batch():
            _alert_risk(referral)
    return referral
