"""Raw SQL that gets round the append-only guard, as someone with database access could."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection
from django.db.backends.utils import CursorWrapper

from linkwell.audit import guard

# Written out per engine rather than taken from linkwell.audit.guard, so a wrong trigger name there
# cannot make these tests pass by dropping nothing.
DROP_GUARD = {
    "sqlite": [
        "DROP TRIGGER audit_auditevent_no_update",
        "DROP TRIGGER audit_auditevent_no_delete",
    ],
    "postgresql": ["DROP TRIGGER audit_auditevent_append_only ON audit_auditevent"],
}


@contextmanager
def guard_dropped() -> Iterator[CursorWrapper]:
    with connection.cursor() as cursor:
        for statement in DROP_GUARD[connection.vendor]:
            cursor.execute(statement)
        try:
            yield cursor
        finally:
            guard.install(connection)
