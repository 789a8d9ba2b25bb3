import importlib
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from linkwell.audit import guard
from linkwell.audit.apps import _reinstall_append_only_guard
from linkwell.audit.models import AuditEvent
from linkwell.audit.services import audit_log

from .tampering import guard_dropped


def _refused(sql: str, params: list) -> str:
    with (
        pytest.raises(DatabaseError) as excinfo,
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql, params)
    return str(excinfo.value)


@pytest.mark.django_db
def test_raw_sql_update_of_an_audit_row_is_refused_by_the_database(world):
    event = audit_log(action="read", object_type="Thing", object_id="1", actor=world.admin)
    message = _refused("UPDATE audit_auditevent SET action = 'delete' WHERE id = %s", [event.id])
    assert "audit log is append-only" in message
    assert AuditEvent.objects.get(pk=event.pk).action == "read"


@pytest.mark.django_db
def test_raw_sql_delete_of_an_audit_row_is_refused_by_the_database(world):
    event = audit_log(action="read", object_type="Thing", object_id="1", actor=world.admin)
    message = _refused("DELETE FROM audit_auditevent WHERE id = %s", [event.id])
    assert "audit log is append-only" in message
    assert AuditEvent.objects.filter(pk=event.pk).exists()


@pytest.mark.django_db
def test_bulk_queryset_update_and_delete_are_refused(world):
    audit_log(action="read", object_type="Thing", object_id="1", actor=world.admin)
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.update(action="delete")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.filter(action="read").count() == 1


@pytest.mark.django_db
def test_appending_still_works_with_the_guard_in_place(world):
    assert guard.is_installed(connection)
    first = audit_log(action="read", object_type="Thing", object_id="1", actor=world.admin)
    second = audit_log(action="read", object_type="Thing", object_id="2", actor=world.admin)
    assert second.prev_hash == first.row_hash


@pytest.mark.django_db
def test_emptying_the_table_is_refused(world):
    audit_log(action="read", object_type="Thing", object_id="1", actor=world.admin)
    # SQLite has no TRUNCATE; PostgreSQL's skips row triggers, so it has a trigger of its own.
    statement = {
        "sqlite": "DELETE FROM audit_auditevent",
        "postgresql": "TRUNCATE audit_auditevent CASCADE",
    }[connection.vendor]
    if connection.vendor == "postgresql":
        # Run the test transaction's deferred foreign-key checks now: PostgreSQL will not TRUNCATE
        # a table with checks pending, which would hide the trigger's answer.
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    assert "audit log is append-only" in _refused(statement, [])
    assert AuditEvent.objects.count() == 1


def _migration(name: str):
    return importlib.import_module(f"linkwell.audit.migrations.{name}")


@pytest.mark.django_db
def test_the_guard_migrations_remove_and_reinstall_the_triggers():
    first = _migration("0002_append_only_triggers")
    truncate = _migration("0004_append_only_truncate")
    with connection.cursor() as cursor:
        editor = SimpleNamespace(connection=connection, execute=cursor.execute)
        truncate.remove_truncate_guard(apps, editor)
        first.remove_guard(apps, editor)
        assert not guard.is_installed(connection)
        first.install_guard(apps, editor)
        truncate.install_truncate_guard(apps, editor)
    assert guard.is_installed(connection)


@pytest.mark.django_db
def test_migrate_puts_back_a_guard_lost_in_a_table_rebuild():
    with guard_dropped():
        assert not guard.is_installed(connection)
        _reinstall_append_only_guard(apps.get_app_config("audit"), using="default")
        assert guard.is_installed(connection)


@pytest.mark.parametrize("run", [1, 2])
@pytest.mark.django_db(transaction=True)
def test_transactional_tests_that_write_audit_rows_are_torn_down_cleanly(world, run):
    # The second run proves the first one's table flush succeeded and left the guard in place.
    assert guard.is_installed(connection)
    assert not AuditEvent.objects.exists()
    audit_log(action="read", object_type="Thing", object_id=str(run), actor=world.admin)
    assert AuditEvent.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_flush_is_refused_while_the_guard_is_up_and_puts_it_back_after(world):
    audit_log(action="read", object_type="Thing", object_id="1", actor=world.admin)
    with pytest.raises(CommandError, match="couldn't be flushed") as excinfo:
        call_command("flush", verbosity=0, interactive=False)
    assert "audit log is append-only" in str(excinfo.value.__cause__)
    assert AuditEvent.objects.count() == 1
    # What the test runner does at the end of a transactional test: lift the guard, then flush.
    guard.remove(connection)
    call_command("flush", verbosity=0, interactive=False)
    assert not AuditEvent.objects.exists()
    assert guard.is_installed(connection)
