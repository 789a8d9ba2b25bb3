"""Writing the audit log. Every service that writes or reads personal data calls ``audit_log``."""

from __future__ import annotations

import hashlib
import ipaddress
import json
from typing import Any, Protocol

from django.db import transaction
from django.utils import timezone

from .context import get_context
from .models import AuditChainHead, AuditEvent

GENESIS_HASH = "0" * 64


def audit_row_hash(*, prev_hash: str, fields: dict[str, Any]) -> str:
    """The chain hash: stable JSON of the row's content, prefixed by the previous row's hash."""
    canonical = json.dumps(fields, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256((prev_hash + canonical).encode()).hexdigest()


class AuditRowContent(Protocol):
    """What the hash covers: an AuditEvent, or a row read with ``values_list(*HASHED_FIELDS,
    named=True)`` (verify_audit reads rows that way: no model instances for a million rows)."""

    @property
    def at(self) -> Any: ...
    @property
    def actor_id(self) -> int | None: ...
    @property
    def actor_label(self) -> str: ...
    @property
    def action(self) -> str: ...
    @property
    def object_type(self) -> str: ...
    @property
    def object_id(self) -> str: ...
    @property
    def person_uuid(self) -> Any: ...
    @property
    def request_id(self) -> str: ...
    @property
    def ip_address(self) -> str | None: ...
    @property
    def detail(self) -> Any: ...


HASHED_FIELDS = (
    "at",
    "actor_id",
    "actor_label",
    "action",
    "object_type",
    "object_id",
    "person_uuid",
    "request_id",
    "ip_address",
    "detail",
)


def audit_row_fields(event: AuditRowContent) -> dict[str, Any]:
    return {
        "at": event.at.isoformat(),
        "actor_id": event.actor_id,
        "actor_label": event.actor_label,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "person_uuid": str(event.person_uuid) if event.person_uuid else None,
        "request_id": event.request_id,
        "ip_address": event.ip_address,
        "detail": event.detail,
    }


def _clean_ip(value: str | None) -> str | None:
    """The address as the database will give it back (IPv6 compressed, junk dropped), so the hash
    computed now matches the one ``verify_audit`` recomputes from the stored row."""
    if not value:
        return None
    try:
        address = ipaddress.ip_address(value.split("%", 1)[0])
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        # PostgreSQL's inet (and Python >= 3.13) write these as ::ffff:a.b.c.d
        return f"::ffff:{address.ipv4_mapped}"
    return str(address)


def _clean_detail(detail: dict[str, Any] | None) -> dict[str, Any]:
    """A JSON round trip, so what is hashed is exactly what the JSON column returns (tuples become
    lists, keys become strings). Non-JSON values are refused loudly rather than hashed wrongly."""
    return json.loads(json.dumps(detail or {}))


@transaction.atomic
def audit_log(
    *,
    action: str,
    obj: Any = None,
    object_type: str | None = None,
    object_id: str | None = None,
    person: Any = None,
    actor: Any = None,
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one row. ``actor`` defaults to the request's signed-in user (or token owner).

    ``obj`` is a model instance (its class name and public uuid are recorded); ``person`` is the
    Person the row concerns, so the person's access history can be searched.
    """
    ctx = get_context()
    actor_id = getattr(actor, "pk", None) if actor is not None else ctx.actor_id
    if obj is not None:
        object_type = object_type or type(obj).__name__
        object_id = object_id or str(getattr(obj, "uuid", None) or obj.pk)
    person_uuid = getattr(person, "uuid", None) if person is not None else None
    if person_uuid is None and obj is not None and type(obj).__name__ == "Person":
        person_uuid = obj.uuid
    label = ""
    if actor is not None:
        label = getattr(actor, "username", "") or str(actor)
    elif actor_id is not None:
        from django.contrib.auth import get_user_model

        label = (
            get_user_model().objects.filter(pk=actor_id).values_list("username", flat=True).first()
            or ""
        )
    head, _ = AuditChainHead.objects.select_for_update().get_or_create(
        id=1, defaults={"last_hash": GENESIS_HASH}
    )
    event = AuditEvent(
        at=timezone.now(),
        actor_id=actor_id,
        actor_label=label,
        action=action,
        object_type=object_type or "",
        object_id=object_id or "",
        person_uuid=person_uuid,
        request_id=ctx.request_id,
        ip_address=_clean_ip(ctx.ip_address),
        detail=_clean_detail(detail),
        prev_hash=head.last_hash,
    )
    event.row_hash = audit_row_hash(prev_hash=head.last_hash, fields=audit_row_fields(event))
    event.save()
    head.last_id = event.id
    head.last_hash = event.row_hash
    head.save(update_fields=["last_id", "last_hash"])
    return event
