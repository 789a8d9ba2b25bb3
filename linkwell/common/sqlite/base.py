"""Django's SQLite backend, validating integers as PostgreSQL stores them.

SQLite stores any integer in 64 bits, so Django's model validation lets a small integer field
take 9,223,372,036,854,775,807 on SQLite where PostgreSQL's ``smallint`` refuses anything past
32,767 with a clear message. A value SQLite took was then a server error later: a team's outcome
schedule of 2**31 weeks made every due-measure calculation overflow. With this backend (chosen by
``config.settings`` for every ``sqlite://`` DATABASE_URL) an integer field has the same range,
and the same message, on both databases. Nothing else differs from Django's own backend.
"""

from __future__ import annotations

from django.db.backends.base.operations import BaseDatabaseOperations
from django.db.backends.sqlite3 import base, operations


class DatabaseOperations(operations.DatabaseOperations):
    def integer_field_range(self, internal_type: str) -> tuple[int, int]:
        # Django's own ranges for each field type (SQLite's override widens all to 64 bits).
        return BaseDatabaseOperations.integer_field_range(self, internal_type)  # type: ignore[return-value]


class DatabaseWrapper(base.DatabaseWrapper):
    ops_class = DatabaseOperations
