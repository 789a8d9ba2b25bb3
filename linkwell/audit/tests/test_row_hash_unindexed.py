"""The row hash without its unique index (migration 0007): appends still read their ids back,
with or without RETURNING, and the migration keeps every row and the append-only guard, both
ways, on either database."""

import pytest
from django.db import DatabaseError, connection, transaction
from django.db.migrations.executor import MigrationExecutor

from linkwell.audit import guard
from linkwell.audit.models import AuditChainHead, AuditEvent
from linkwell.audit.services import audit_batch, audit_log
from linkwell.audit.verification import audit_chain_verify


def _log(user, object_id: str) -> AuditEvent:
    return audit_log(action="read", object_type="Thing", object_id=object_id, actor=user)


def _row_hash_unique() -> bool:
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, "audit_auditevent")
    return any(c["unique"] and c["columns"] == ["row_hash"] for c in constraints.values())


@pytest.mark.skipif(
    connection.vendor == "postgresql", reason="PostgreSQL appends in one statement with RETURNING"
)
@pytest.mark.django_db
def test_a_batch_reads_its_ids_back_without_returning(world, monkeypatch):
    """SQLite before 3.35 has no RETURNING: the ids come from the chain's newest rows, which
    are this transaction's (it holds the chain's head)."""
    earlier = _log(world.admin, "earlier")
    # A cached property: the instance's own value wins.
    monkeypatch.setitem(connection.features.__dict__, "can_return_rows_from_bulk_insert", False)
    with transaction.atomic(), audit_batch():
        rows = [_log(world.admin, str(i)) for i in range(3)]
    stored = dict(AuditEvent.objects.values_list("id", "object_id"))
    assert [stored[row.id] for row in rows] == ["0", "1", "2"]
    assert rows[0].id > earlier.id
    head = AuditChainHead.objects.get(id=rows[-1].chain)
    assert (head.last_id, head.last_hash) == (rows[-1].id, rows[-1].row_hash)
    assert audit_chain_verify().intact


@pytest.mark.django_db(transaction=True)
def test_the_migration_keeps_every_row_and_the_guard_both_ways(world):
    rows = [_log(world.admin, str(i)) for i in range(5)]
    assert not _row_hash_unique()
    executor = MigrationExecutor(connection)
    try:
        executor.migrate([("audit", "0006_actor_index_in_audit_actor_idx")])
        # Migrating alone (no post_migrate signal): the migration itself put the guard back.
        assert guard.is_installed(connection)
        assert _row_hash_unique()
        assert sorted(AuditEvent.objects.values_list("id", "row_hash")) == [
            (row.id, row.row_hash) for row in rows
        ]
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes("audit"))
    assert guard.is_installed(connection)
    assert not _row_hash_unique()
    assert AuditEvent.objects.count() == 5
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(id=rows[0].id).update(object_id="changed")
    later = _log(world.admin, "after")
    assert later.prev_hash == rows[-1].row_hash
    assert audit_chain_verify().intact
