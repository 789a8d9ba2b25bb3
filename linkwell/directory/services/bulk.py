"""Writing many checked rows at once: the import's and the search index's bulk path.

The values have been checked before they get here (``linkwell.hsds.structure.clean_row``, the
import's fact checks); these helpers only write them, in as few statements as each database
allows. SQLite: one prepared ``INSERT ... ON CONFLICT`` run by ``executemany``. PostgreSQL: the
rows are streamed with ``COPY`` into a temporary table shaped like the target, then written with
one ``INSERT ... SELECT ... ON CONFLICT`` statement, so the server plans and runs one statement
for the batch instead of one per row (and the client sends rows, not bound parameters).
Constraints, foreign keys, indexes and triggers on the target table all apply as for any insert.
"""

from __future__ import annotations

import datetime as dt
import json
import operator
import sqlite3
import uuid
import zlib
from collections.abc import Callable, Collection, Iterable, Sequence
from typing import Any

from django.db import connection, models, transaction

from linkwell.directory.search import ids_param

# Below this many rows PostgreSQL gets one prepared INSERT per row (an edit, a small import);
# from it on, COPY into a temporary table and one INSERT ... SELECT.
COPY_FROM_ROWS = 50


def _converter(field: models.Field) -> Callable[[Any], Any] | None:  # type: ignore[type-arg]
    """A cheap adapter of the field's values for the driver, or None when none is needed.

    Django's per-value preparation (``get_db_prep_value``) is the slow part of a bulk write.
    """
    vendor = connection.vendor
    if isinstance(field, models.UUIDField) or (
        isinstance(field, models.ForeignKey) and isinstance(field.target_field, models.UUIDField)
    ):
        if vendor == "sqlite":
            return lambda v: None if v is None else v.hex
        return None
    if isinstance(field, models.DateTimeField):
        if vendor != "sqlite":
            return None
        # Most rows of a batch carry the same moments (the import's time, one verified date):
        # adapt each distinct value once.
        adapt = connection.ops.adapt_datetimefield_value
        seen: dict[dt.datetime, Any] = {}

        def datetime_value(v: dt.datetime | None) -> Any:
            if v is None:
                return None
            if v not in seen:
                seen[v] = adapt(v)
            return seen[v]

        return datetime_value
    if isinstance(field, models.JSONField):
        return lambda v: "[]" if v == [] else json.dumps(v)
    return None


def _values(
    rows: Iterable[dict[str, Any]],
    attnames: Sequence[str],
    fields: Sequence[models.Field],  # type: ignore[type-arg]
) -> list[list[Any]]:
    """Each row's values in ``attnames`` order, adapted for the driver."""
    if len(attnames) == 1:
        only = attnames[0]
        values = [[row[only]] for row in rows]
    else:
        pick = operator.itemgetter(*attnames)
        values = [list(pick(row)) for row in rows]
    for i, field in enumerate(fields):
        convert = _converter(field)
        if convert is not None:
            for value in values:
                value[i] = convert(value[i])
    return values


def _copy_into_temporary(
    cursor: Any, table: str, columns: Sequence[str], values: Iterable[Sequence[Any]]
) -> str:
    """PostgreSQL: stream the rows into an empty temporary copy of ``table``; returns its name."""
    qn = connection.ops.quote_name
    # Only the columns written, with their types and without constraints (an identity column
    # left out must not be NOT NULL here). One per table and column list, kept for the session
    # and emptied before each use and at commit: creating it once per connection saves catalog
    # writes. A rolled-back savepoint may take it away, so it is created whenever it is missing.
    temporary = qn(f"bulk_{table}_{zlib.crc32(','.join(columns).encode()):08x}")
    cursor.execute(
        f"CREATE TEMPORARY TABLE IF NOT EXISTS {temporary} ON COMMIT DELETE ROWS AS "  # noqa: S608
        f"SELECT {', '.join(columns)} FROM {qn(table)} WITH NO DATA; TRUNCATE {temporary}"
    )
    with cursor.copy(f"COPY {temporary} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in values:
            copy.write_row(row)
    return temporary


# The most parameters upsert_rows binds to one SQLite statement of many rows (SQLite's own
# limit, 32,766 by default since 3.32, may be lower).
STATEMENT_PARAMS = 100_000


def upsert_rows(
    model: type[models.Model],
    rows: Collection[dict[str, Any]],
    attnames: Sequence[str],
    *,
    key: str,
    update: bool = True,
    raw: bool = False,
    keep_order: bool = False,
    new: bool = False,
) -> None:
    """INSERT ... ON CONFLICT (key) DO UPDATE (or DO NOTHING) for many checked rows at once.

    Each row holds every name in ``attnames``. Columns the rows do not carry (Linkwell's own,
    e.g. ``edits_need_review``) get their model default on insert and are never overwritten.
    ``raw``: the values are in the database's own form already (read from it). ``keep_order``:
    rows are inserted in the order given (it decides the ids an auto-increment key hands out),
    on SQLite many rows to a statement (see below).
    ``new``: the caller has just found none of the keys in the table, so the rows are plainly
    inserted (on PostgreSQL copied straight into the table, without the temporary table and its
    INSERT ... SELECT, which cost the server as much again). Should another writer add one of
    the keys meanwhile, the insert fails on the unique key: an error, never a duplicate.
    """
    if not rows:
        return
    by_att = {f.attname: f for f in model._meta.concrete_fields}
    defaults = {
        f.attname: f.get_default()
        for f in model._meta.concrete_fields
        if f.attname not in attnames and f.has_default()
    }
    fields = [by_att[a] for a in (*attnames, *defaults)]
    values = _values(rows, attnames, [] if raw else fields[: len(attnames)])
    if defaults:
        tail = [
            v if (c := _converter(f)) is None else c(v)
            for f, v in zip(fields[len(attnames) :], defaults.values(), strict=True)
        ]
        for value in values:
            value += tail
    qn = connection.ops.quote_name
    columns = [qn(str(f.column)) for f in fields]
    updated = [qn(str(by_att[a].column)) for a in attnames if a != key]
    action = (
        "DO UPDATE SET " + ", ".join(f"{c} = excluded.{c}" for c in updated)
        if update and updated
        else "DO NOTHING"
    )
    conflict = "" if new else f"ON CONFLICT ({qn(str(by_att[key].column))}) {action}"
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql" and new and len(values) >= COPY_FROM_ROWS:
            with cursor.copy(f"COPY {qn(table)} ({', '.join(columns)}) FROM STDIN") as copy:
                for value in values:
                    copy.write_row(value)
        elif connection.vendor == "postgresql" and len(values) < COPY_FROM_ROWS:
            cursor.executemany(
                f"INSERT INTO {qn(table)} ({', '.join(columns)}) "  # noqa: S608  # model names
                f"VALUES ({', '.join(['%s'] * len(columns))}) {conflict}",
                values,
            )
        elif connection.vendor == "postgresql":
            # One transaction for the copy and the insert: the temporary rows go at commit.
            with transaction.atomic(savepoint=False):
                temporary = _copy_into_temporary(cursor, table, columns, values)
                cursor.execute(
                    f"INSERT INTO {qn(table)} ({', '.join(columns)}) "  # noqa: S608  # model names
                    f"SELECT {', '.join(columns)} FROM {temporary} {conflict}"
                )
        elif keep_order:
            # Many rows to a statement, in the order given. This is for the search documents,
            # whose triggers write the full-text indexes: FTS5 writes its pending terms to disk
            # at the start of every statement that changes it (SQLite 3.40), so one row per
            # statement left a tiny index segment per row to be merged again and again (three
            # times the work of the same rows in few statements).
            limit = connection.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
            per_statement = max(1, min(limit, STATEMENT_PARAMS) // len(columns))
            row_marks = "(" + ", ".join(["%s"] * len(columns)) + ")"
            for start in range(0, len(values), per_statement):
                chunk = values[start : start + per_statement]
                cursor.execute(
                    f"INSERT INTO {qn(table)} ({', '.join(columns)}) "  # noqa: S608  # model names
                    f"VALUES {', '.join([row_marks] * len(chunk))} {conflict}",
                    [v for value in chunk for v in value],
                )
        else:
            # Python's sqlite3 module binds a None parameter through its adapter look-up (about
            # a microsecond each, and HSDS rows are mostly empty optional fields): the NULLs are
            # written into the statement instead, one statement per pattern of empty columns.
            by_pattern: dict[tuple[bool, ...], list[list[Any]]] = {}
            for value in values:
                pattern = tuple([v is None for v in value])
                same = by_pattern.get(pattern)
                if same is None:
                    same = by_pattern[pattern] = []
                same.append([v for v in value if v is not None] if True in pattern else value)
            for pattern, params in by_pattern.items():
                marks = ", ".join("NULL" if empty else "%s" for empty in pattern)
                cursor.executemany(
                    f"INSERT INTO {qn(table)} ({', '.join(columns)}) "  # noqa: S608  # model names
                    f"VALUES ({marks}) {conflict}",
                    params,
                )


def insert_pairs(model: type[models.Model], column: str, pairs: list[tuple[Any, str]]) -> None:
    """Insert (service id, value) rows into one of the service's (service, value) tables."""
    if not pairs:
        return
    qn = connection.ops.quote_name
    table = model._meta.db_table
    columns = ["service_id", qn(column)]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql" and len(pairs) < COPY_FROM_ROWS:
            cursor.executemany(
                f"INSERT INTO {qn(table)} ({', '.join(columns)}) VALUES (%s, %s)",  # noqa: S608
                pairs,
            )
        elif connection.vendor == "postgresql":
            # A plain insert: copied straight into the table, in the order given.
            with cursor.copy(f"COPY {qn(table)} ({', '.join(columns)}) FROM STDIN") as copy:
                for pair in pairs:
                    copy.write_row(pair)
        else:
            cursor.executemany(
                f"INSERT INTO {qn(table)} ({', '.join(columns)}) VALUES (%s, %s)",  # noqa: S608
                [(sid.hex, value) for sid, value in pairs],
            )


def existing_ids(model: type[models.Model], ids: Collection[uuid.UUID]) -> set[uuid.UUID]:
    """Which of these ids (of a table with a UUID key) the table holds already."""
    if not ids:
        return set()
    qn = connection.ops.quote_name
    pk = qn(str(model._meta.pk.column))  # type: ignore[union-attr]
    where, param = ids_param(ids)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {pk} FROM {qn(model._meta.db_table)} WHERE {pk} IN {where}",  # noqa: S608
            [param],
        )
        return {v if isinstance(v, uuid.UUID) else uuid.UUID(v) for (v,) in cursor.fetchall()}
