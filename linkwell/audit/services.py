"""Writing the audit log. Every service that writes or reads personal data calls ``audit_log``.

Every row is chained (``row_hash`` over ``prev_hash`` and the row's content) onto one of several
chains (``AUDIT_CHAINS``), under a lock on that chain's ``AuditChainHead`` row held until the
transaction commits, so no chain ever forks. Concurrent transactions take different chains
(``_lock_head``), so on PostgreSQL audited writes do not queue one commit at a time behind a
single lock; each chain is hash-linked exactly as a single chain was, and ``verify_audit`` checks
every one. To keep that lock off the long part of a busy write (referral intake: duplicate check,
person, consent, referral), a service can wrap its work in ``audit_batch()``: ``audit_log`` then
keeps the rows in memory (their time is taken when they are logged) and the batch writes them when
the block ends, under one lock, in one insert, with one move of the head. The lock is then held
only from that insert to the commit. Nothing is weakened: every row is chained and verified exactly
as before. A row logged inside a savepoint that is later rolled back is dropped with it, as it
would have been had it been written at once (each held row leaves a no-op marker in Django's
on-commit list, which Django prunes on a savepoint rollback; the batch keeps the rows whose marker
survived and takes the markers out again). A batch left by an exception writes nothing: the
transaction around it is rolled back.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import functools
import hashlib
import ipaddress
import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from django.db import connection, transaction
from django.utils import timezone

from linkwell.common.rows import Prepare, default_connection, preparer

from .context import get_context
from .models import AUDIT_CHAINS, AuditChainHead, AuditEvent

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


@functools.lru_cache(maxsize=1024)  # the same few addresses row after row; a pure function
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


@dataclass
class _Batch:
    # Each held row with its marker in connection.run_on_commit (see the module's docstring).
    events: list[tuple[AuditEvent, Callable[[], None]]] = field(default_factory=list)


_batch: contextvars.ContextVar[_Batch | None] = contextvars.ContextVar("audit_batch", default=None)


@contextlib.contextmanager
def audit_batch() -> Iterator[None]:
    """Hold the rows ``audit_log`` makes inside the block and write them, chained, as it ends.

    Use inside ``transaction.atomic()`` (it refuses otherwise), as the last thing before the
    commit, so the chain head's lock is held only from the batch's insert to the commit.
    """
    if not connection.in_atomic_block:
        raise RuntimeError("audit_batch() must run inside transaction.atomic().")
    if _batch.get() is not None:
        yield  # already batching: the outer batch writes these rows
        return
    batch = _Batch()
    token = _batch.set(batch)
    try:
        yield
    finally:
        _batch.reset(token)
        markers = {id(marker) for _, marker in batch.events}
        surviving = {id(entry[1]) for entry in connection.run_on_commit} & markers
        connection.run_on_commit = [
            entry for entry in connection.run_on_commit if id(entry[1]) not in markers
        ]
    # Only on a normal exit: after an exception the transaction is rolled back anyway.
    _append([event for event, marker in batch.events if id(marker) in surviving])


# The chain this process took last: it asks for that one first next time, so app servers settle
# on different chains and seldom find their first choice taken. Only a preference (a plain int
# shared by the process's threads); which head is free is decided by the database.
_preferred_chain = 1


def _lock_head() -> tuple[int, str]:
    """Lock a chain's head for this transaction; returns (chain, its newest hash).

    PostgreSQL: the first head no other transaction holds (``FOR UPDATE SKIP LOCKED``), this
    process's last chain first; a head this transaction already holds counts as free, so a
    transaction that appends twice never waits on itself. Only when every head is taken does it
    wait, for its preferred one, holding no head meanwhile, so appends cannot deadlock on heads.
    SQLite has one writer at a time anyway (its write lock serialises appends): the preferred
    chain, which stays chain 1.
    """
    global _preferred_chain
    table = connection.ops.quote_name(AuditChainHead._meta.db_table)
    skip_locked = connection.features.has_select_for_update_skip_locked
    with connection.cursor() as cursor:
        for _ in range(2):
            cursor.execute(*audit_head_read())
            row = cursor.fetchone()
            if row is None and skip_locked:
                cursor.execute(
                    f"SELECT id, last_hash FROM {table} WHERE id = %s FOR UPDATE",  # noqa: S608
                    [_preferred_chain],
                )
                row = cursor.fetchone()
            if row is not None:
                _preferred_chain = row[0]
                return row[0], row[1]
            # No heads (a new database's first row, or after a test flush): make them, then lock.
            _make_heads()
    raise RuntimeError("The audit chain heads could not be created.")


def audit_head_read() -> tuple[str, list[Any]]:
    """The query that takes a free chain head (``_lock_head``'s first try: this process's last
    chain first, on PostgreSQL ``FOR UPDATE SKIP LOCKED``), for a write path that runs it with
    its own statements (a RowBatch read); its row goes to ``audit_rows_append(head=...)``."""
    table = connection.ops.quote_name(AuditChainHead._meta.db_table)
    lock = (
        " FOR UPDATE SKIP LOCKED" if connection.features.has_select_for_update_skip_locked else ""
    )
    sql = f"SELECT id, last_hash FROM {table} ORDER BY id = %s DESC, id LIMIT 1{lock}"  # noqa: S608
    return sql, [_preferred_chain]


def _make_heads() -> None:
    AuditChainHead.objects.bulk_create(
        [
            AuditChainHead(id=chain, last_id=0, last_hash=GENESIS_HASH)
            for chain in range(1, AUDIT_CHAINS + 1)
        ],
        ignore_conflicts=True,
    )


def _append(events: Sequence[AuditEvent | AuditRow], head: Sequence[Any] | None = None) -> None:
    """Chain ``events`` onto a free chain's head and insert them: one lock, one insert, one head
    update (on PostgreSQL the insert and the head's move are one statement). ``head``: a head's
    (id, last hash) this transaction has just taken with ``audit_head_read``."""
    if not events:
        return
    if head is None:
        chain, prev = _lock_head()
    else:
        global _preferred_chain
        chain, prev = int(head[0]), str(head[1])
        _preferred_chain = chain
    for event in events:
        event.chain = chain
        event.prev_hash = prev
        event.row_hash = prev = audit_row_hash(prev_hash=prev, fields=audit_row_fields(event))
    _insert(events, chain)


@functools.cache
def _insert_start(vendor: str) -> tuple[list[Any], list[Prepare], str, str, str]:
    """The written fields and their preparers, ``INSERT INTO table (columns) VALUES``, one row's
    placeholders and the head's move, made once per database vendor rather than for every audited
    write."""
    fields = [field for field in AuditEvent._meta.concrete_fields if not field.primary_key]
    quote = connection.ops.quote_name
    start = (
        f"INSERT INTO {quote(AuditEvent._meta.db_table)} "  # noqa: S608
        f"({', '.join(quote(str(field.column)) for field in fields)}) VALUES "
    )
    move = (
        f"UPDATE {quote(AuditChainHead._meta.db_table)} "  # noqa: S608
        "SET last_id = %s, last_hash = %s WHERE id = %s"
    )
    row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    return fields, [preparer(field) for field in fields], start, row, move


def _insert(events: Sequence[AuditEvent | AuditRow], chain: int) -> None:
    """One INSERT for the rows, their ids read back with their hashes (the SQL Django's
    ``bulk_create`` writes, without the ORM building it for every audited write), and the chain
    head moved to the last row. On PostgreSQL both in one statement: the head's update is a WITH
    query taking the last row's new id from the insert's RETURNING."""
    fields, prepares, start, row, move = _insert_start(connection.vendor)
    db = default_connection()
    params = [
        prepare(getattr(event, field.attname), db)
        for event in events
        for field, prepare in zip(fields, prepares, strict=True)
    ]
    sql = start + ", ".join([row] * len(events))
    last = events[-1]
    with db.cursor() as cursor:
        if db.vendor == "postgresql":
            head = db.ops.quote_name(AuditChainHead._meta.db_table)
            cursor.execute(
                f"WITH ins AS ({sql} RETURNING id, row_hash), "  # noqa: S608
                f"head AS (UPDATE {head} SET last_id = (SELECT id FROM ins WHERE row_hash = %s), "
                "last_hash = %s WHERE id = %s) SELECT id, row_hash FROM ins",
                [*params, last.row_hash, last.row_hash, chain],
            )
            ids = {row_hash: pk for pk, row_hash in cursor.fetchall()}
        elif db.features.can_return_rows_from_bulk_insert:
            cursor.execute(f"{sql} RETURNING id, row_hash", params)
            ids = {row_hash: pk for pk, row_hash in cursor.fetchall()}
        else:
            # No RETURNING (SQLite before 3.35): this transaction holds the chain's head, so the
            # chain's newest rows are the ones just inserted (audit_chain_idx finds them).
            cursor.execute(sql, params)
            newest = AuditEvent.objects.filter(chain=chain).order_by("-id")[: len(events)]
            ids = dict(newest.values_list("row_hash", "id"))
        if db.vendor != "postgresql":
            cursor.execute(move, [ids[last.row_hash], last.row_hash, chain])
    for event in events:
        event.id = ids[event.row_hash]
        if isinstance(event, AuditEvent):
            event._state.adding = False
            event._state.db = db.alias


def _row_content(
    *,
    action: str,
    obj: Any,
    object_type: str | None,
    object_id: str | None,
    person: Any,
    actor: Any,
    detail: dict[str, Any] | None,
) -> dict[str, Any]:
    """An audit row's content (everything but its chain and hashes), as ``audit_log`` records it."""
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
    return {
        "at": timezone.now(),
        "actor_id": actor_id,
        "actor_label": label,
        "action": action,
        "object_type": object_type or "",
        "object_id": object_id or "",
        "person_uuid": person_uuid,
        "request_id": ctx.request_id,
        "ip_address": _clean_ip(ctx.ip_address),
        "detail": _clean_detail(detail),
    }


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
    event = AuditEvent(
        **_row_content(
            action=action,
            obj=obj,
            object_type=object_type,
            object_id=object_id,
            person=person,
            actor=actor,
            detail=detail,
        )
    )
    batch = _batch.get()
    if batch is not None:
        # Written, chained, when the batch ends (its id and hashes are set then).
        def marker() -> None:
            """Held audit row still wanted (see the module's docstring)."""

        transaction.on_commit(marker)
        batch.events.append((event, marker))
        return event
    # A row written at once takes the chain head's lock in its own (or the caller's) transaction;
    # a held row needs none (no savepoint per row on the busy intake path).
    with transaction.atomic():
        _append([event])
    return event


@dataclass(slots=True)
class AuditRow:
    """An audit row without a model instance, for a write path that appends its rows itself
    (``audit_row`` makes one, ``audit_rows_append`` chains and inserts them): the same content,
    chain and hashes an AuditEvent gets from ``audit_log``."""

    at: dt.datetime
    actor_id: int | None
    actor_label: str
    action: str
    object_type: str
    object_id: str
    person_uuid: Any
    request_id: str
    ip_address: str | None
    detail: dict[str, Any]
    chain: int = 0
    prev_hash: str = ""
    row_hash: str = ""
    id: int | None = None


def audit_row(
    *,
    action: str,
    obj: Any = None,
    object_type: str | None = None,
    object_id: str | None = None,
    person: Any = None,
    actor: Any = None,
    detail: dict[str, Any] | None = None,
) -> AuditRow:
    """The row ``audit_log`` would append for these arguments, not yet written."""
    return AuditRow(
        **_row_content(
            action=action,
            obj=obj,
            object_type=object_type,
            object_id=object_id,
            person=person,
            actor=actor,
            detail=detail,
        )
    )


def audit_rows_append(rows: list[AuditRow], *, head: Sequence[Any] | None = None) -> None:
    """Chain ``rows`` onto a free chain and insert them (one lock, one insert, one move of the
    head), exactly as an audit batch writes its rows. Run it inside the transaction whose writes
    the rows record, as its last statements: the head stays locked until the commit. ``head``:
    the row ``audit_head_read`` gave in this transaction, if it gave one (then no lock is taken
    here)."""
    if not connection.in_atomic_block:
        raise RuntimeError("audit_rows_append() must run inside transaction.atomic().")
    _append(rows, head)
