import io

import pytest
from django.core.management import CommandError, call_command

from linkwell.audit.context import RequestContext, reset_context, set_context
from linkwell.audit.models import AuditChainHead, AuditEvent
from linkwell.audit.services import GENESIS_HASH, audit_log, audit_row_fields, audit_row_hash
from linkwell.audit.verification import ChainFault, audit_chain_verify

from .tampering import guard_dropped


def _verify(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("verify_audit", *args, stdout=out, stderr=err)
    except SystemExit as exit_:
        return int(exit_.code or 0), out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


def _rows(user, n: int) -> list[AuditEvent]:
    return [
        audit_log(action="read", object_type="Thing", object_id=str(i), actor=user)
        for i in range(n)
    ]


@pytest.mark.django_db
def test_intact_chain_passes_and_prints_the_last_hash(world):
    rows = _rows(world.admin, 5)
    code, out, _ = _verify()
    assert code == 0
    assert out.strip() == f"Audit log intact: 5 rows, last hash {rows[-1].row_hash}"


@pytest.mark.django_db
def test_an_empty_log_is_intact():
    code, out, _ = _verify()
    assert code == 0
    assert out.strip() == f"Audit log intact: 0 rows, last hash {GENESIS_HASH}"


@pytest.mark.django_db
def test_batches_smaller_than_the_log_check_every_row(world):
    rows = _rows(world.admin, 7)
    report = audit_chain_verify(chunk_size=2)
    assert report.intact
    assert (report.rows_checked, report.first_id, report.last_id) == (7, rows[0].id, rows[-1].id)


@pytest.mark.django_db
def test_a_row_changed_with_raw_sql_is_reported_as_changed_content(world):
    rows = _rows(world.admin, 5)
    with guard_dropped() as cursor:
        cursor.execute(
            "UPDATE audit_auditevent SET object_id = 'someone else' WHERE id = %s", [rows[2].id]
        )
    code, out, err = _verify()
    assert code == 1
    assert out == ""
    assert f"Audit log broken at row {rows[2].id} in chain 1: changed content" in err
    assert "2 rows were intact before it" in err


@pytest.mark.django_db
def test_a_changed_detail_or_time_is_noticed(world):
    rows = _rows(world.admin, 3)
    with guard_dropped() as cursor:
        cursor.execute(
            "UPDATE audit_auditevent SET actor_label = 'nobody' WHERE id = %s", [rows[0].id]
        )
    report = audit_chain_verify()
    assert report.problem is not None
    assert (report.problem.row_id, report.problem.fault) == (rows[0].id, ChainFault.CHANGED_CONTENT)


@pytest.mark.django_db
def test_a_deleted_row_is_reported_as_missing_rows_at_the_next_row(world):
    rows = _rows(world.admin, 5)
    with guard_dropped() as cursor:
        cursor.execute("DELETE FROM audit_auditevent WHERE id = %s", [rows[2].id])
    code, _, err = _verify()
    assert code == 1
    assert f"Audit log broken at row {rows[3].id} in chain 1: missing rows" in err
    assert f"does not link to row {rows[1].id}" in err


@pytest.mark.django_db
def test_deleting_the_first_rows_is_noticed(world):
    rows = _rows(world.admin, 3)
    with guard_dropped() as cursor:
        cursor.execute("DELETE FROM audit_auditevent WHERE id = %s", [rows[0].id])
    code, _, err = _verify()
    assert code == 1
    assert f"Audit log broken at row {rows[1].id} in chain 1: missing rows" in err
    assert "rows before it were deleted" in err


@pytest.mark.django_db
def test_a_row_rewritten_with_a_recomputed_hash_breaks_the_next_link(world):
    rows = _rows(world.admin, 4)
    forged = AuditEvent.objects.get(pk=rows[1].pk)
    forged.object_id = "forged"
    forged_hash = audit_row_hash(prev_hash=forged.prev_hash, fields=audit_row_fields(forged))
    with guard_dropped() as cursor:
        cursor.execute(
            "UPDATE audit_auditevent SET object_id = 'forged', row_hash = %s WHERE id = %s",
            [forged_hash, rows[1].id],
        )
    code, _, err = _verify()
    assert code == 1
    assert f"Audit log broken at row {rows[2].id} in chain 1: missing rows" in err
    assert f"or row {rows[1].id} was rewritten" in err


@pytest.mark.django_db
def test_deleting_the_last_rows_is_reported_as_wrong_head(world):
    rows = _rows(world.admin, 5)
    with guard_dropped() as cursor:
        cursor.execute("DELETE FROM audit_auditevent WHERE id >= %s", [rows[3].id])
    code, _, err = _verify()
    assert code == 1
    assert f"Audit log broken at row {rows[4].id} in chain 1: wrong head" in err
    assert f"the last row is {rows[2].id}" in err


@pytest.mark.django_db
def test_emptying_the_log_is_reported_as_wrong_head(world):
    rows = _rows(world.admin, 2)
    with guard_dropped() as cursor:
        cursor.execute("DELETE FROM audit_auditevent")
    code, _, err = _verify()
    assert code == 1
    assert f"Audit log broken at row {rows[1].id} in chain 1: wrong head" in err
    assert "the log was emptied" in err


@pytest.mark.django_db
def test_a_head_moved_back_over_existing_rows_is_noticed(world):
    rows = _rows(world.admin, 4)
    AuditChainHead.objects.filter(id=1).update(last_id=rows[1].id, last_hash=rows[1].row_hash)
    code, _, err = _verify()
    assert code == 1
    assert f"Audit log broken at row {rows[2].id} in chain 1: wrong head" in err


@pytest.mark.django_db
def test_a_head_reset_to_the_start_is_noticed(world):
    _rows(world.admin, 2)
    AuditChainHead.objects.filter(id=1).update(last_id=0, last_hash=GENESIS_HASH)
    assert audit_chain_verify().problem.fault == ChainFault.WRONG_HEAD


@pytest.mark.django_db
def test_since_id_checks_only_the_later_rows(world):
    rows = _rows(world.admin, 6)
    with guard_dropped() as cursor:
        cursor.execute("UPDATE audit_auditevent SET object_id = 'x' WHERE id = %s", [rows[1].id])
    code, out, _ = _verify("--since-id", str(rows[3].id))
    assert code == 0
    assert out.strip() == (
        f"Audit log intact: 3 rows from id {rows[3].id}, last hash {rows[-1].row_hash}"
    )
    code, _, err = _verify("--since-id", str(rows[1].id))
    assert code == 1
    assert f"row {rows[1].id} in chain 1: changed content" in err


@pytest.mark.django_db
def test_since_id_notices_a_row_deleted_just_before_it(world):
    rows = _rows(world.admin, 5)
    with guard_dropped() as cursor:
        cursor.execute("DELETE FROM audit_auditevent WHERE id = %s", [rows[2].id])
    code, _, err = _verify("--since-id", str(rows[3].id))
    assert code == 1
    assert f"row {rows[3].id} in chain 1: missing rows" in err


@pytest.mark.django_db
def test_since_id_past_the_end_checks_nothing_and_passes(world):
    rows = _rows(world.admin, 2)
    code, out, _ = _verify("--since-id", str(rows[-1].id + 10))
    assert code == 0
    assert "Audit log intact: 0 rows" in out


def test_since_id_must_be_positive():
    with pytest.raises(CommandError, match="--since-id must be a row id of 1 or more"):
        call_command("verify_audit", "--since-id", "0")


@pytest.mark.django_db
def test_rows_appended_after_the_check_started_are_left_for_the_next_check(world):
    rows = _rows(world.admin, 3)
    head = AuditChainHead.objects.get(id=1)
    # The state a check sees when an append lands between reading the head and the end of the walk:
    # a row after the head that links to it, and a head that has moved on.
    later = audit_log(action="read", object_type="Thing", object_id="late", actor=world.admin)
    assert later.prev_hash == head.last_hash == rows[-1].row_hash
    assert audit_chain_verify().intact


@pytest.mark.django_db
def test_addresses_and_details_hash_as_the_database_returns_them(world):
    odd_values = [
        ("2001:DB8:0:0::1", {"fields": ("phone", "email")}),
        ("::FFFF:10.0.0.1", {1: "numeric key"}),
        ("fe80::1%eth0", {"nested": {"b": 1, "a": [1.5, None, True]}}),
        ("not an address", {}),
        ("", {"text": "Zoë – “quoted”"}),
    ]
    for address, detail in odd_values:
        token = set_context(RequestContext(request_id="req-1", ip_address=address))
        try:
            audit_log(action="update", object_type="Thing", actor=world.admin, detail=detail)
        finally:
            reset_context(token)
    code, out, err = _verify()
    assert code == 0, err
    assert "Audit log intact: 5 rows" in out
    assert AuditEvent.objects.filter(ip_address__isnull=True).count() == 2
