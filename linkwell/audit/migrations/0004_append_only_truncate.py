"""PostgreSQL: refuse TRUNCATE of the audit table too (row triggers do not fire for it).

SQLite has no TRUNCATE; its DELETE trigger from 0002 already covers emptying the table.
"""

from django.db import migrations

POSTGRESQL_FORWARD = [
    "DROP TRIGGER IF EXISTS audit_auditevent_no_truncate ON audit_auditevent",
    """CREATE TRIGGER audit_auditevent_no_truncate
        BEFORE TRUNCATE ON audit_auditevent
        FOR EACH STATEMENT EXECUTE FUNCTION audit_auditevent_append_only()""",
]
POSTGRESQL_REVERSE = [
    "DROP TRIGGER IF EXISTS audit_auditevent_no_truncate ON audit_auditevent",
]


def _run(schema_editor, statements: list[str]) -> None:
    if schema_editor.connection.vendor == "postgresql":
        for statement in statements:
            schema_editor.execute(statement)


def install_truncate_guard(apps, schema_editor) -> None:
    _run(schema_editor, POSTGRESQL_FORWARD)


def remove_truncate_guard(apps, schema_editor) -> None:
    _run(schema_editor, POSTGRESQL_REVERSE)


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0003_request_id_index"),
    ]

    operations = [
        migrations.RunPython(install_truncate_guard, remove_truncate_guard, elidable=False),
    ]
