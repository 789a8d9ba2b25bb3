"""The row hash loses its unique index: the log is read in chain order (audit_chain_idx), never
looked up by hash, and the chain is what makes a changed or copied row evident. The index was
one more B-tree written at a random place with every audit row (some five of the sixty pages an
API intake writes on SQLite).

SQLite cannot drop a column's UNIQUE without copying the table, which drops its append-only
triggers with the old table: they are put back in the same migration, either way (the
post_migrate check in ``apps.py`` would also put them back). The copy took 16 s for a million
audit rows (a 620 MB database, two CPUs); PostgreSQL only drops the constraint. The statements are
written out here so this migration keeps doing what it did when it was written.
"""

from django.db import migrations, models

MESSAGE = "audit log is append-only"

SQLITE_GUARD = [
    f"""CREATE TRIGGER IF NOT EXISTS audit_auditevent_no_update
        BEFORE UPDATE ON audit_auditevent
        BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""",
    f"""CREATE TRIGGER IF NOT EXISTS audit_auditevent_no_delete
        BEFORE DELETE ON audit_auditevent
        BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""",
]


def put_guard_back(apps, schema_editor) -> None:
    """After SQLite's copy of the table: its triggers went with the old one."""
    if schema_editor.connection.vendor == "sqlite":
        for statement in SQLITE_GUARD:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0006_actor_index_in_audit_actor_idx"),
    ]

    operations = [
        # Backwards this runs last, after the unique index's table copy.
        migrations.RunPython(migrations.RunPython.noop, put_guard_back, elidable=False),
        migrations.AlterField(
            model_name="auditevent",
            name="row_hash",
            field=models.CharField(max_length=64),
        ),
        migrations.RunPython(put_guard_back, migrations.RunPython.noop, elidable=False),
    ]
