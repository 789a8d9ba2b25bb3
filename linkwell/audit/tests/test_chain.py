import pytest

from linkwell.audit.models import AppendOnlyError, AuditEvent
from linkwell.audit.services import GENESIS_HASH, audit_log, audit_row_fields, audit_row_hash
from linkwell.people.tests.factories import PersonFactory


@pytest.mark.django_db
def test_each_audit_row_is_chained_to_the_previous_one(world):
    person = PersonFactory()
    first = audit_log(action="read", obj=person, actor=world.link_worker)
    second = audit_log(action="update", obj=person, actor=world.teammate, detail={"f": ["phone"]})
    assert first.prev_hash == GENESIS_HASH
    assert second.prev_hash == first.row_hash
    stored = AuditEvent.objects.get(pk=second.pk)
    assert audit_row_hash(prev_hash=stored.prev_hash, fields=audit_row_fields(stored)) == (
        stored.row_hash
    )
    assert stored.person_uuid == person.uuid


@pytest.mark.django_db
def test_audit_rows_cannot_be_changed_or_deleted(world):
    event = audit_log(action="read", object_type="Thing", object_id="1", actor=world.admin)
    event.action = "delete"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
