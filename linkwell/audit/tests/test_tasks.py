import logging

import pytest

from linkwell.audit.services import audit_log
from linkwell.audit.tasks import audit_chain_check

from .tampering import guard_dropped


@pytest.mark.django_db
def test_the_nightly_check_reports_an_intact_chain(world, caplog):
    last = audit_log(action="read", object_type="Thing", object_id="1", actor=world.admin)
    with caplog.at_level(logging.INFO, logger="linkwell.audit"):
        result = audit_chain_check.call_local()
    assert result == {
        "intact": True,
        "rows_checked": 1,
        "last_hash": last.row_hash,
        "chain_last_hashes": {"1": last.row_hash},
    }
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


@pytest.mark.django_db
def test_the_nightly_check_logs_a_broken_chain_as_an_error(world, caplog):
    rows = [
        audit_log(action="read", object_type="Thing", object_id=str(i), actor=world.admin)
        for i in range(3)
    ]
    with guard_dropped() as cursor:
        cursor.execute("UPDATE audit_auditevent SET action = 'export' WHERE id = %s", [rows[1].id])
    with caplog.at_level(logging.INFO, logger="linkwell.audit"):
        result = audit_chain_check.call_local()
    assert result["intact"] is False
    assert (result["row_id"], result["chain"], result["fault"]) == (
        rows[1].id,
        1,
        "changed content",
    )
    errors = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert errors == [
        f"Audit log broken at row {rows[1].id} in chain 1: changed content (the row's content "
        "no longer matches its hash: it was changed after it was written)"
    ]
