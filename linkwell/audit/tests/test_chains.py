"""The log in several chains: each chain linked and checked on its own, any fault in any chain
found, concurrent appends on PostgreSQL spread over chains without forking any, the search still
in id order, and rows written before the log had chains still valid."""

import io
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.db.migrations.executor import MigrationExecutor

from linkwell.audit import services
from linkwell.audit.models import AUDIT_CHAINS, AuditChainHead, AuditEvent
from linkwell.audit.selectors import AuditFilters, audit_page, audit_search_for_user
from linkwell.audit.services import (
    GENESIS_HASH,
    audit_batch,
    audit_log,
    audit_row_fields,
    audit_row_hash,
)
from linkwell.audit.verification import ChainFault, audit_chain_verify

from .tampering import guard_dropped

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite has one writer at a time: appends cannot run at once there",
)


@contextmanager
def in_chain(chain: int) -> Iterator[None]:
    """Append to ``chain`` (the chain a process asks for first; free here, as nothing else runs)."""
    before = services._preferred_chain
    services._preferred_chain = chain
    try:
        yield
    finally:
        services._preferred_chain = before


def _row(user, object_id: str) -> AuditEvent:
    return audit_log(action="read", object_type="Thing", object_id=object_id, actor=user)


def _spread(user, chains: list[int]) -> list[AuditEvent]:
    """One row per entry of ``chains``, in that chain, in that order."""
    rows = []
    for i, chain in enumerate(chains):
        with in_chain(chain):
            rows.append(_row(user, str(i)))
    return rows


def _verify(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("verify_audit", *args, stdout=out, stderr=err)
    except SystemExit as exit_:
        return int(exit_.code or 0), out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


@pytest.mark.django_db
def test_the_log_has_a_head_for_every_chain():
    assert list(AuditChainHead.objects.order_by("id").values_list("id", flat=True)) == list(
        range(1, AUDIT_CHAINS + 1)
    )


@pytest.mark.django_db
def test_each_row_links_to_the_row_before_it_in_its_own_chain(world):
    rows = _spread(world.admin, [1, 3, 3, 1, 2])
    assert [row.chain for row in rows] == [1, 3, 3, 1, 2]
    assert rows[0].prev_hash == rows[1].prev_hash == rows[4].prev_hash == GENESIS_HASH
    assert rows[2].prev_hash == rows[1].row_hash
    assert rows[3].prev_hash == rows[0].row_hash
    heads = dict(AuditChainHead.objects.values_list("id", "last_id"))
    assert (heads[1], heads[2], heads[3], heads[4]) == (rows[3].id, rows[4].id, rows[2].id, 0)
    report = audit_chain_verify()
    assert report.intact
    assert (report.rows_checked, report.last_id, report.last_hash) == (
        5,
        rows[4].id,
        rows[4].row_hash,
    )
    assert [(end.chain, end.last_id) for end in report.chain_ends] == [
        (1, rows[3].id),
        (2, rows[4].id),
        (3, rows[2].id),
    ]


@pytest.mark.django_db
def test_verify_audit_prints_each_chains_last_hash_when_there_are_several(world):
    rows = _spread(world.admin, [1, 2, 2])
    code, out, _ = _verify()
    assert code == 0
    assert out.splitlines() == [
        f"Audit log intact: 3 rows, last hash {rows[2].row_hash}",
        f"  chain 1: last row {rows[0].id}, hash {rows[0].row_hash}",
        f"  chain 2: last row {rows[2].id}, hash {rows[2].row_hash}",
    ]


@pytest.mark.django_db
def test_a_batch_goes_into_one_chain(world):
    with in_chain(5), transaction.atomic(), audit_batch():
        held = [_row(world.admin, str(i)) for i in range(3)]
    assert {row.chain for row in held} == {5}
    assert held[1].prev_hash == held[0].row_hash and held[2].prev_hash == held[1].row_hash
    assert audit_chain_verify().intact


@pytest.mark.django_db
@pytest.mark.parametrize("chain", [2, AUDIT_CHAINS])
def test_a_row_changed_in_any_chain_is_found_with_its_chain(world, chain):
    rows = _spread(world.admin, [1, chain, 1, chain, chain, 1])
    with guard_dropped() as cursor:
        cursor.execute(
            "UPDATE audit_auditevent SET object_id = 'someone else' WHERE id = %s", [rows[3].id]
        )
    code, out, err = _verify()
    assert code == 1
    assert out == ""
    assert f"Audit log broken at row {rows[3].id} in chain {chain}: changed content" in err
    assert "3 rows were intact before it" in err


@pytest.mark.django_db
def test_a_row_deleted_in_another_chain_is_found_at_that_chains_next_row(world):
    rows = _spread(world.admin, [4, 1, 4, 1, 4, 1])
    with guard_dropped() as cursor:
        cursor.execute("DELETE FROM audit_auditevent WHERE id = %s", [rows[2].id])
    report = audit_chain_verify()
    assert report.problem is not None
    assert (report.problem.row_id, report.problem.chain, report.problem.fault) == (
        rows[4].id,
        4,
        ChainFault.MISSING_ROWS,
    )
    assert f"does not link to row {rows[0].id}, the row before it in chain 4" in (
        report.problem.explanation
    )


@pytest.mark.django_db
def test_deleting_a_chains_first_row_is_found(world):
    rows = _spread(world.admin, [1, 6, 6])
    with guard_dropped() as cursor:
        cursor.execute("DELETE FROM audit_auditevent WHERE id = %s", [rows[1].id])
    code, _, err = _verify()
    assert code == 1
    assert f"row {rows[2].id} in chain 6: missing rows" in err
    assert "should link to the start of chain 6" in err


@pytest.mark.django_db
def test_deleting_the_end_of_a_chain_is_found_at_its_head(world):
    rows = _spread(world.admin, [2, 1, 2, 1, 2])
    with guard_dropped() as cursor:
        cursor.execute("DELETE FROM audit_auditevent WHERE id = %s", [rows[4].id])
    report = audit_chain_verify()
    assert report.problem is not None
    assert (report.problem.row_id, report.problem.chain, report.problem.fault) == (
        rows[4].id,
        2,
        ChainFault.WRONG_HEAD,
    )
    assert f"the last row is {rows[2].id}" in report.problem.explanation


@pytest.mark.django_db
def test_emptying_a_chain_is_found(world):
    rows = _spread(world.admin, [1, 3])
    with guard_dropped() as cursor:
        cursor.execute("DELETE FROM audit_auditevent WHERE chain = 3")
    report = audit_chain_verify()
    assert report.problem is not None
    assert (report.problem.row_id, report.problem.chain) == (rows[1].id, 3)
    assert "the log was emptied" in report.problem.explanation


@pytest.mark.django_db
def test_moving_a_row_to_another_chain_is_found(world):
    rows = _spread(world.admin, [1, 1, 2, 2])
    with guard_dropped() as cursor:
        cursor.execute("UPDATE audit_auditevent SET chain = 2 WHERE id = %s", [rows[1].id])
    report = audit_chain_verify()
    assert report.problem is not None
    assert report.problem.fault in (ChainFault.MISSING_ROWS, ChainFault.WRONG_HEAD)


@pytest.mark.django_db
def test_a_row_in_a_chain_without_a_head_is_found(world):
    rows = _spread(world.admin, [1, 7])
    AuditChainHead.objects.filter(id=7).delete()
    report = audit_chain_verify()
    assert report.problem is not None
    assert (report.problem.row_id, report.problem.chain, report.problem.fault) == (
        rows[1].id,
        7,
        ChainFault.WRONG_HEAD,
    )


@pytest.mark.django_db
def test_a_head_moved_back_in_another_chain_is_found(world):
    rows = _spread(world.admin, [5, 5, 5, 1])
    AuditChainHead.objects.filter(id=5).update(last_id=rows[0].id, last_hash=rows[0].row_hash)
    report = audit_chain_verify()
    assert report.problem is not None
    assert (report.problem.row_id, report.problem.chain, report.problem.fault) == (
        rows[1].id,
        5,
        ChainFault.WRONG_HEAD,
    )


@pytest.mark.django_db
def test_since_id_trusts_the_row_before_it_in_each_chain(world):
    rows = _spread(world.admin, [1, 2, 1, 2, 3, 1, 2])
    with guard_dropped() as cursor:
        cursor.execute("UPDATE audit_auditevent SET object_id = 'x' WHERE id = %s", [rows[1].id])
    report = audit_chain_verify(since_id=rows[2].id)
    assert report.intact
    assert report.rows_checked == 5
    # A row deleted just before since_id in chain 2 breaks chain 2's first checked link.
    with guard_dropped() as cursor:
        cursor.execute("DELETE FROM audit_auditevent WHERE id = %s", [rows[3].id])
    report = audit_chain_verify(since_id=rows[4].id)
    assert report.problem is not None
    assert (report.problem.row_id, report.problem.chain) == (rows[6].id, 2)


@pytest.mark.django_db
def test_a_row_appended_to_another_chain_during_the_check_is_left_for_the_next(world):
    rows = _spread(world.admin, [1, 2])
    heads = {head.id: head for head in AuditChainHead.objects.all()}
    # What a check sees when an append lands after it read the heads: a row past its chain's head
    # that links to it, and a head that has moved on. Here the walk runs with the old heads.
    with in_chain(2):
        later = _row(world.admin, "late")
    assert later.prev_hash == heads[2].last_hash == rows[1].row_hash
    report = audit_chain_verify()
    assert report.intact


@pytest.mark.django_db
def test_the_search_lists_rows_of_every_chain_newest_first(world):
    rows = _spread(world.supervisor, [3, 1, 2, 1, 3, 8, 1])
    events = audit_search_for_user(user=world.supervisor, filters=AuditFilters(object_type="Thing"))
    page = audit_page(events, size=4)
    assert [event.id for event in page.events] == [row.id for row in reversed(rows)][:4]
    older = audit_page(events, before=page.older_than, size=4)
    assert [event.id for event in older.events] == [row.id for row in reversed(rows)][4:]
    ats = [event.at for event in [*page.events, *older.events]]
    assert ats == sorted(ats, reverse=True)


@pytest.mark.django_db
def test_heads_are_made_again_when_the_table_is_empty(world):
    AuditChainHead.objects.all().delete()
    row = _row(world.admin, "first")
    assert (row.chain, row.prev_hash) == (1, GENESIS_HASH)
    assert AuditChainHead.objects.count() == AUDIT_CHAINS
    assert audit_chain_verify().intact


@pytest.mark.django_db(transaction=True)
def test_rows_written_before_the_log_had_chains_stay_valid():
    """Migration 0005 puts existing rows in chain 1 and adds the other heads at the start."""
    executor = MigrationExecutor(connection)
    before = [("audit", "0004_append_only_truncate")]
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    event_model = old.get_model("audit", "AuditEvent")
    head_model = old.get_model("audit", "AuditChainHead")
    head_model.objects.all().delete()
    prev = GENESIS_HASH
    for i in range(4):
        event = event_model(
            at=services.timezone.now(),
            actor_label="before",
            action="read",
            object_type="Thing",
            object_id=str(i),
            detail={"n": i},
            prev_hash=prev,
        )
        event.actor_id = None
        event.person_uuid = None
        event.request_id = ""
        event.ip_address = None
        event.row_hash = prev = audit_row_hash(prev_hash=prev, fields=audit_row_fields(event))
        event.save()
    last_id = event_model.objects.order_by("-id").values_list("id", flat=True).first()
    head_model.objects.create(id=1, last_id=last_id, last_hash=prev)

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes("audit"))

    assert set(AuditEvent.objects.values_list("chain", flat=True)) == {1}
    heads = dict(AuditChainHead.objects.values_list("id", "last_hash"))
    assert heads == {1: prev, **dict.fromkeys(range(2, AUDIT_CHAINS + 1), GENESIS_HASH)}
    report = audit_chain_verify()
    assert report.intact
    assert report.rows_checked == 4
    call_command("migrate", "audit", verbosity=0)  # the guard put back, as after any migrate


def _append_in_threads(count: int, work) -> list[BaseException]:
    errors: list[BaseException] = []
    lock = threading.Lock()

    def run(index: int) -> None:
        try:
            work(index)
        except BaseException as exc:  # noqa: BLE001  # reported by the test
            with lock:
                errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return errors


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_transactions_appending_at_once_take_different_chains(world):
    """Four open transactions each hold a head at the same moment: none waits for another."""
    count = 4
    barrier = threading.Barrier(count, timeout=20)
    chains: list[int] = []

    def work(index: int) -> None:
        with transaction.atomic():
            row = _row(world.admin, f"t{index}")
            chains.append(row.chain)
            barrier.wait()  # every transaction holds its head here; a shared head would hang

    errors = _append_in_threads(count, work)
    assert not errors, errors
    assert len(set(chains)) == count
    report = audit_chain_verify()
    assert report.intact
    assert report.rows_checked == count


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_many_concurrent_appends_leave_every_chain_intact(world):
    """More writers than chains, rows written one at a time and in batches, some transactions
    appending twice: every row lands in exactly one chain and every chain verifies."""
    writers, rounds = AUDIT_CHAINS + 4, 15

    def work(index: int) -> None:
        for n in range(rounds):
            with transaction.atomic():
                if n % 3 == 0:
                    with audit_batch():
                        _row(world.admin, f"{index}-{n}-a")
                        _row(world.admin, f"{index}-{n}-b")
                else:
                    _row(world.admin, f"{index}-{n}-a")
                    if n % 3 == 1:
                        _row(world.admin, f"{index}-{n}-b")

    errors = _append_in_threads(writers, work)
    assert not errors, errors
    expected = writers * sum(2 if n % 3 in (0, 1) else 1 for n in range(rounds))
    assert AuditEvent.objects.filter(object_type="Thing").count() == expected
    report = audit_chain_verify()
    assert report.intact, report.problem
    assert report.rows_checked == AuditEvent.objects.count()
    assert len(report.chain_ends) > 1
    for end in report.chain_ends:
        head = AuditChainHead.objects.get(id=end.chain)
        assert (head.last_id, head.last_hash) == (end.last_id, end.last_hash)
