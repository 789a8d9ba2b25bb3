import pytest
from django.db import transaction

from linkwell.audit.models import AuditChainHead, AuditEvent
from linkwell.audit.services import GENESIS_HASH, audit_batch, audit_log
from linkwell.audit.verification import audit_chain_verify
from linkwell.people.tests.factories import PersonFactory

pytestmark = pytest.mark.django_db


def test_rows_logged_in_a_batch_are_written_chained_when_the_batch_ends(world):
    person = PersonFactory()
    with audit_batch():
        first = audit_log(action="read", obj=person, actor=world.link_worker)
        second = audit_log(action="update", obj=person, actor=world.teammate)
        assert not AuditEvent.objects.filter(person_uuid=person.uuid).exists()
        assert first.pk is None
    stored = list(AuditEvent.objects.filter(person_uuid=person.uuid).order_by("id"))
    assert [e.action for e in stored] == ["read", "update"]
    assert stored[0].prev_hash == GENESIS_HASH
    assert stored[1].prev_hash == stored[0].row_hash == first.row_hash
    assert second.pk == stored[1].pk
    head = AuditChainHead.objects.get(id=1)
    assert (head.last_id, head.last_hash) == (stored[1].pk, stored[1].row_hash)
    assert audit_chain_verify().intact


def test_a_batch_chains_onto_rows_written_before_it(world):
    before = audit_log(action="read", object_type="Thing", object_id="1", actor=world.admin)
    with audit_batch():
        held = audit_log(action="read", object_type="Thing", object_id="2", actor=world.admin)
    assert held.prev_hash == before.row_hash
    assert audit_chain_verify().intact


def test_a_row_logged_in_a_savepoint_rolled_back_inside_the_batch_is_dropped(world):
    with audit_batch():
        audit_log(action="read", object_type="Thing", object_id="kept", actor=world.admin)
        try:
            with transaction.atomic():
                audit_log(action="read", object_type="Thing", object_id="gone", actor=world.admin)
                raise ValueError("undo")
        except ValueError:
            pass
        with transaction.atomic():
            audit_log(action="read", object_type="Thing", object_id="released", actor=world.admin)
    ids = set(AuditEvent.objects.filter(object_type="Thing").values_list("object_id", flat=True))
    assert ids == {"kept", "released"}
    assert audit_chain_verify().intact


def test_a_batch_left_by_an_error_writes_nothing_and_leaves_no_markers(world):
    from django.db import connection

    pending = len(connection.run_on_commit)
    with pytest.raises(ValueError), transaction.atomic(), audit_batch():
        audit_log(action="read", object_type="Thing", object_id="x", actor=world.admin)
        raise ValueError("refused")
    assert not AuditEvent.objects.filter(object_type="Thing").exists()
    assert len(connection.run_on_commit) == pending


def test_nested_batches_write_once_at_the_outer_end(world):
    with audit_batch():
        with audit_batch():
            audit_log(action="read", object_type="Thing", object_id="inner", actor=world.admin)
        assert not AuditEvent.objects.filter(object_type="Thing").exists()
    assert AuditEvent.objects.filter(object_type="Thing").count() == 1
    assert audit_chain_verify().intact
