from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate

# The last migration that installs part of the guard: before it is applied, install() would put
# back more than the schema holds.
GUARD_MIGRATION = ("audit", "0004_append_only_truncate")
# The migration that gives each row a chain and makes the chain heads.
CHAINS_MIGRATION = ("audit", "0005_several_chains")


def _reinstall_append_only_guard(sender: AppConfig, *, using: str, **kwargs: Any) -> None:
    """Put the append-only triggers back when they are missing: after a table rebuild (SQLite
    re-creates a table to alter a column, and its triggers go with the old table) and after the
    test runner's flush, which has to lift them. Only once the migrations that install them are
    applied, so migrating back before them stays possible."""
    from django.db import connections
    from django.db.migrations.recorder import MigrationRecorder

    from . import guard

    connection = connections[using]
    if connection.vendor not in ("sqlite", "postgresql"):
        return
    applied = MigrationRecorder(connection).applied_migrations()
    if GUARD_MIGRATION not in applied:
        return
    if not guard.is_installed(connection):
        guard.install(connection)
    if CHAINS_MIGRATION in applied:
        _make_missing_heads(using)


def _make_missing_heads(using: str) -> None:
    """The chain heads the migration made, after a flush emptied their table (the test runner's):
    made here, in a transaction of their own, so appends in concurrent transactions never have to
    make them (and queue on each other's uncommitted heads)."""
    from .models import AUDIT_CHAINS, AuditChainHead, AuditEvent

    if AuditChainHead.objects.using(using).exists() or AuditEvent.objects.using(using).exists():
        return
    AuditChainHead.objects.using(using).bulk_create(
        [AuditChainHead(id=chain, last_hash="0" * 64) for chain in range(1, AUDIT_CHAINS + 1)],
        ignore_conflicts=True,
    )


class AuditConfig(AppConfig):
    name = "linkwell.audit"
    label = "audit"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        post_migrate.connect(
            _reinstall_append_only_guard, sender=self, dispatch_uid="audit_append_only_guard"
        )
