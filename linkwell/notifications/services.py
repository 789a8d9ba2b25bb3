"""Writing alerts. Each alert is also emailed to its recipient after the transaction commits."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from functools import partial
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from linkwell.accounts.models import User
from linkwell.audit.services import audit_log
from linkwell.common.errors import NotFound
from linkwell.people.models import ConsentPurpose, Person
from linkwell.people.selectors import consent_in_force

from .backends import SmsError, SmsMessage, get_sms_backend
from .models import Alert, AlertKind

logger = logging.getLogger(__name__)


def _email_alert(*, to: str, message: str, url: str) -> None:
    body = message
    if url:
        body += f"\n\nSign in to Linkwell to see it: {url}"
    body += "\n\nThis email does not contain personal details. Please do not reply to it."
    try:
        send_mail(
            subject=message[:150],
            message=body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            recipient_list=[to],
        )
    except Exception:
        # The alert is stored and shown in Linkwell whatever happens to the email.
        logger.exception("Could not email an alert")


@transaction.atomic
def alert_create(
    *,
    recipients: Iterable[User],
    kind: str,
    message: str,
    url: str = "",
    obj: Any = None,
) -> list[Alert]:
    """One alert per distinct active recipient, each emailed once the transaction commits.

    ``message`` is also the email subject, so it must never contain a person's name: refer to
    the record by its reference ("A referral needs your attention: LW-7K3D-9QX2").
    """
    alerts: list[Alert] = []
    seen: set[int] = set()
    for user in recipients:
        if user.pk in seen or not user.is_active:
            continue
        seen.add(user.pk)
        alert = Alert(
            recipient=user,
            kind=kind,
            message=message,
            url=url,
            object_type=type(obj).__name__ if obj is not None else "",
            object_uuid=getattr(obj, "uuid", None),
        )
        alert.full_clean()
        alert.save()
        audit_log(action="create", obj=alert, detail={"kind": kind, "recipient": user.username})
        if user.email:
            transaction.on_commit(partial(_email_alert, to=user.email, message=message, url=url))
        alerts.append(alert)
    return alerts


@transaction.atomic
def alert_mark_read(*, alert: Alert, user: User) -> Alert:
    """Only the recipient may mark an alert read; anyone else is told it does not exist."""
    if alert.recipient_id != user.pk:
        raise NotFound("Alert not found.")
    if alert.read_at is None:
        alert.read_at = timezone.now()
        alert.full_clean()
        alert.save(update_fields=["read_at", "updated_at"])
        audit_log(action="update", obj=alert, actor=user, detail={"read": True})
    return alert


__all__ = ["AlertKind", "alert_create", "alert_mark_read", "sms_send", "sms_send_to_person"]


def sms_send(*, to: str, body: str, reference: str = "") -> bool:
    """Send one text message through settings.SMS_BACKEND; False (and logged) if it failed.

    Callers writing to a person use ``sms_send_to_person``, which checks their consent.
    """
    to = (to or "").strip()
    if not to:
        return False
    try:
        get_sms_backend().send(SmsMessage(to=to, body=body, reference=reference))
    except SmsError:
        logger.exception("Could not send a text message")
        return False
    return True


def sms_send_to_person(*, person: Person, body: str, actor: Any = None) -> bool:
    """Text the person if they have a phone number and consent to texts is in force now.

    Sent after the surrounding transaction commits, so a rolled-back change sends nothing;
    returns whether a message was queued. The audit row names the purpose, never the text.
    """
    if not person.phone or not consent_in_force(person=person, purpose=ConsentPurpose.CONTACT_SMS):
        return False
    audit_log(
        action="create",
        object_type="SmsMessage",
        person=person,
        actor=actor,
        detail={"purpose": ConsentPurpose.CONTACT_SMS},
    )
    transaction.on_commit(partial(sms_send, to=person.phone, body=body, reference=str(person.uuid)))
    return True
