"""The database's own refusal to change or delete audit rows, for each supported engine.

The hash chain makes tampering evident; these triggers make it hard: an ORM bulk ``update()`` or
``delete()``, a hand-typed ``UPDATE``, ``DELETE`` or ``TRUNCATE`` in a database shell, ``linkwell
flush``: all fail with "audit log is append-only". Migrations 0002 and 0004 install the guard. A
table rebuild (SQLite re-creates a table to alter a column, and dropping a table drops its
triggers) would lose it, so ``install`` also runs after every ``migrate`` and ``flush`` (the
post_migrate signal, see ``apps.py``) when the guard is missing; it is idempotent.

Someone who can drop triggers can still change rows: ``linkwell verify_audit`` is what notices.
"""

from __future__ import annotations

from django.db.backends.base.base import BaseDatabaseWrapper

TABLE = "audit_auditevent"
MESSAGE = "audit log is append-only"

_SQLITE_INSTALL = [
    f"""CREATE TRIGGER IF NOT EXISTS audit_auditevent_no_update
        BEFORE UPDATE ON {TABLE}
        BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""",
    f"""CREATE TRIGGER IF NOT EXISTS audit_auditevent_no_delete
        BEFORE DELETE ON {TABLE}
        BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""",
]
_SQLITE_REMOVE = [
    "DROP TRIGGER IF EXISTS audit_auditevent_no_update",
    "DROP TRIGGER IF EXISTS audit_auditevent_no_delete",
]

# One function for every trigger: row-level for UPDATE and DELETE, statement-level for TRUNCATE
# (which skips row triggers). Migration 0004 added the TRUNCATE trigger.
_POSTGRESQL_INSTALL = [
    f"""CREATE OR REPLACE FUNCTION audit_auditevent_append_only() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'insufficient_privilege';
        END;
        $$""",
    f"DROP TRIGGER IF EXISTS audit_auditevent_append_only ON {TABLE}",
    f"""CREATE TRIGGER audit_auditevent_append_only
        BEFORE UPDATE OR DELETE ON {TABLE}
        FOR EACH ROW EXECUTE FUNCTION audit_auditevent_append_only()""",
    f"DROP TRIGGER IF EXISTS audit_auditevent_no_truncate ON {TABLE}",
    f"""CREATE TRIGGER audit_auditevent_no_truncate
        BEFORE TRUNCATE ON {TABLE}
        FOR EACH STATEMENT EXECUTE FUNCTION audit_auditevent_append_only()""",
]
_POSTGRESQL_REMOVE = [
    f"DROP TRIGGER IF EXISTS audit_auditevent_no_truncate ON {TABLE}",
    f"DROP TRIGGER IF EXISTS audit_auditevent_append_only ON {TABLE}",
    "DROP FUNCTION IF EXISTS audit_auditevent_append_only()",
]


def _statements(vendor: str, *, install: bool) -> list[str]:
    if vendor == "sqlite":
        return _SQLITE_INSTALL if install else _SQLITE_REMOVE
    if vendor == "postgresql":
        return _POSTGRESQL_INSTALL if install else _POSTGRESQL_REMOVE
    raise NotImplementedError(f"No append-only guard for the {vendor} database engine.")


def install_sql(vendor: str) -> list[str]:
    return list(_statements(vendor, install=True))


def remove_sql(vendor: str) -> list[str]:
    return list(_statements(vendor, install=False))


def install(connection: BaseDatabaseWrapper) -> None:
    with connection.cursor() as cursor:
        for statement in install_sql(connection.vendor):
            cursor.execute(statement)


def remove(connection: BaseDatabaseWrapper) -> None:
    with connection.cursor() as cursor:
        for statement in remove_sql(connection.vendor):
            cursor.execute(statement)


def is_installed(connection: BaseDatabaseWrapper) -> bool:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s "
                "AND name IN ('audit_auditevent_no_update', 'audit_auditevent_no_delete')",
                [TABLE],
            )
            return bool(cursor.fetchone()[0] == 2)
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT count(*) FROM pg_trigger WHERE tgrelid = %s::regclass AND tgname IN "
                "('audit_auditevent_append_only', 'audit_auditevent_no_truncate') "
                "AND tgenabled <> 'D'",
                [TABLE],
            )
            return bool(cursor.fetchone()[0] == 2)
    raise NotImplementedError(f"No append-only guard for the {connection.vendor} database engine.")
