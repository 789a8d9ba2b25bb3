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
import hashlib
import json
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from linkwell.accounts.models import Team
from linkwell.audit.services import audit_batch, audit_row, audit_rows_append
from linkwell.common.errors import Conflict
from linkwell.common.rows import insert_row, row_values
from linkwell.common.statuses import TaskStatus
from linkwell.notifications.models import AlertKind
from linkwell.notifications.services import alert_create
from linkwell.people.models import ConsentMethod, ConsentPurpose
from linkwell.people.services import consent_insert_sql, person_insert_sql

from ..models import IdempotencyRecord, Referral, ReferralSource, ReferralStatusChange
from ._common import API_FIELDS, _supervisors, referral_url
from .intake import _PreparedReferral, _referral_prepare


def _fingerprint(payload: dict[str, Any]) -> str:
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


_REPLAY_SQL = "SELECT {fingerprint}, {referral} FROM {table} WHERE {user} = %s AND {key} = %s"  # noqa: S608


def _replay(*, actor: Any, key: str, fingerprint: str) -> Referral | None:
    # Asked on every API intake and almost always empty: two columns by the (user, key) unique
    # index, no instance. Written out: the ORM compiled this query afresh on every intake.
    quote = connection.ops.quote_name
    sql = _REPLAY_SQL.format(
        fingerprint=quote("request_fingerprint"),
        referral=quote("referral_id"),
        table=quote(IdempotencyRecord._meta.db_table),
        user=quote("user_id"),
        key=quote("key"),
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [actor.pk, key])
        found = cursor.fetchone()
    if found is None:
        return None
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
    existing = _replay(actor=actor, key=key, fingerprint=fingerprint)
    if existing is not None:
        return existing, False
    kwargs = _api_kwargs(actor=actor, payload=payload)
    prepared = _referral_prepare(actor=actor, **kwargs)
    try:
        with transaction.atomic():
            referral = _referral_write_sql(prepared, actor=actor, key=key, fingerprint=fingerprint)
    except IntegrityError:
        # Another request with this key won the race; its referral is the one.
        existing = _replay(actor=actor, key=key, fingerprint=fingerprint)
        if existing is None:
            raise
        return existing, False
    return referral, True


def _referral_write_sql(
    prepared: _PreparedReferral, *, actor: Any, key: str, fingerprint: str
) -> Referral:
    """``intake._referral_write`` and the idempotency record for a new person, in plain SQL:
    the person (and its duplicate check and flagged pairs), consent, the referral, its first
    history row, the idempotency record, then the audit rows in one append and any risk alert.
    Runs inside the caller's transaction."""
    new_person = prepared.new_person
    if new_person is None:
        raise ValueError("The API's intake always brings a new person's details.")
    referral = prepared.referral
    now = timezone.now()
    person, audit_rows = person_insert_sql(new=new_person, actor=actor, now=now)
    audit_rows.append(
        consent_insert_sql(
            person=person,
            purpose=ConsentPurpose.SUPPORT,
            given=True,
            actor=actor,
            method=(
                ConsentMethod.ONLINE
                if referral.source == ReferralSource.SELF
                else ConsentMethod.REFERRER
            ),
            note=f"Agreed to be referred and contacted (referral {referral.reference}).",
            now=now,
        )
    )

    referral.person = person
    referral.status_changed_at = now
    referral.created_at = referral.updated_at = now
    referral.pk = insert_row(Referral, row_values(referral))
    referral._state.adding = False
    referral._state.db = connection.alias
    # Made a moment ago in this transaction: no episode can point at it yet.
    Referral.episode.related.set_cached_value(referral, None)  # type: ignore[attr-defined]  # the reverse one-to-one from cases.Episode
    actor_id = actor.pk if getattr(actor, "pk", None) else None
    insert_row(
        ReferralStatusChange,
        {
            "referral_id": referral.pk,
            "from_status": "",
            "to_status": TaskStatus.REQUESTED,
            "reason": "",
            "actor_id": actor_id,
            "at": now,
            "snomed_code": "",
        },
    )
    record = IdempotencyRecord(
        key=key,
        user=actor,
        request_fingerprint=fingerprint,
        referral=referral,
        created_at=now,
        updated_at=now,
    )
    insert_row(IdempotencyRecord, row_values(record))

    team = referral.team
    audit_rows.append(
        audit_row(
            action="create",
            obj=referral,
            person=person,
            actor=actor,
            detail={
                "reference": referral.reference,
                "source": referral.source,
                "team": str(team.uuid),
                "risk_of_harm": referral.risk_of_harm,
                "safeguarding_concern": referral.safeguarding_concern,
                "risk_words": prepared.risk_words,
            },
        )
    )
    audit_rows_append(audit_rows)
    if referral.risk_of_harm or referral.safeguarding_concern:
        # Its audit rows follow the referral's, as they did when intake logged through a batch.
        with audit_batch():
            alert_create(
                recipients=_supervisors(team),
                kind=AlertKind.RISK,
                message=(
                    f"A referral needs your attention today (possible risk): {referral.reference}"
                ),
                url=referral_url(referral),
                obj=referral,
            )
    return referral
