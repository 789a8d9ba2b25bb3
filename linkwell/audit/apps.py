from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate

GUARD_MIGRATION = ("audit", "0002_append_only_triggers")


def _reinstall_append_only_guard(sender: AppConfig, *, using: str, **kwargs: Any) -> None:
    """Put the append-only triggers back if a table rebuild dropped them (SQLite re-creates a table
    to alter a column, and its triggers go with the old table). Only once the migration that
    installs them is applied, so migrating back before it stays possible."""
    from django.db import connections
    from django.db.migrations.recorder import MigrationRecorder

    from . import guard

    connection = connections[using]
    if connection.vendor not in ("sqlite", "postgresql"):
        return
    if GUARD_MIGRATION not in MigrationRecorder(connection).applied_migrations():
        return
    if not guard.is_installed(connection):
        guard.install(connection)


class AuditConfig(AppConfig):
    name = "linkwell.audit"
    label = "audit"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        post_migrate.connect(
            _reinstall_append_only_guard, sender=self, dispatch_uid="audit_append_only_guard"
        )
