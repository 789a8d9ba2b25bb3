"""Written-out INSERTs for the busiest write paths (referral intake through the API).

``Model.save()`` compiles its INSERT afresh on every call and walks signals, ``pre_save`` hooks
and the instance's state; on a path that writes five rows per request that was a third of the
request's CPU. ``insert_row`` and ``RowBatch`` send the INSERT Django would send for a new row
(every concrete column, each value prepared as its own field's ``get_db_prep_save`` prepares it,
so what is stored is exactly what the ORM stores) with the SQL made once per model, column list
and database vendor. ``RowBatch`` inserts several related rows at once: on PostgreSQL in one
statement (data-modifying WITH queries, a later row taking an earlier one's new id), so a write
of five rows costs one round trip to the server instead of five; elsewhere one INSERT per row.

Only for models with no signal receivers and no ``save()`` override that the caller does not do
itself: callers name every column, so nothing is left to a default the ORM would have filled in.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections, models
from django.db.backends.base.base import BaseDatabaseWrapper

# Field classes whose get_db_prep_save returns a value of these exact types unchanged on every
# backend (to_python of a str or a bool is the value itself): no need to call it. Not integers:
# on PostgreSQL Django wraps them in psycopg's Int2, Int4 or Int8.
_AS_IS: dict[type[models.Field], tuple[type, ...]] = {
    models.CharField: (str,),
    models.TextField: (str,),
    models.EmailField: (str,),
    models.BooleanField: (bool,),
}

Prepare = Callable[[Any, BaseDatabaseWrapper], Any]


def preparer(field: models.Field) -> Prepare:
    """A function of (value, connection) giving what ``field.get_db_prep_save(value,
    connection)`` gives: the value as it is where that is certain (None, a str in a text
    column...), the field's own preparation otherwise."""
    kinds = _AS_IS.get(type(field), ())
    prepare_save = field.get_db_prep_save
    if not kinds:
        return prepare_save

    def prepare(value: Any, connection: BaseDatabaseWrapper) -> Any:
        # For these fields get_db_prep_save gives None for None and these exact types (not
        # their subclasses) unchanged.
        if value is None or type(value) in kinds:
            return value
        return prepare_save(value, connection)

    return prepare


@dataclass(frozen=True)
class _Statement:
    sql: str
    prepares: tuple[Prepare, ...]


# (model, attnames, vendor) -> one row's INSERT and its columns' preparers
_statements: dict[tuple[type[models.Model], tuple[str, ...], str], _Statement] = {}


def _fields(model: type[models.Model], attnames: tuple[str, ...]) -> tuple[models.Field, ...]:
    by_attname = {field.attname: field for field in model._meta.concrete_fields}
    expected = {name for name, field in by_attname.items() if not field.primary_key}
    if set(attnames) != expected or len(attnames) != len(expected):
        missing = sorted(expected - set(attnames))
        extra = sorted(set(attnames) - expected)
        raise ValueError(
            f"A new {model.__name__} row names every column but the primary key "
            f"(missing {missing}, unknown {extra})."
        )
    return tuple(by_attname[name] for name in attnames)


def _insert_statement(
    model: type[models.Model], attnames: tuple[str, ...], connection: BaseDatabaseWrapper
) -> _Statement:
    cache_key = (model, attnames, connection.vendor)
    made = _statements.get(cache_key)
    if made is None:
        fields = _fields(model, attnames)
        quote = connection.ops.quote_name
        sql = (
            f"INSERT INTO {quote(model._meta.db_table)} "  # noqa: S608  # names from the model
            f"({', '.join(quote(str(field.column)) for field in fields)}) "
            f"VALUES ({', '.join(['%s'] * len(fields))})"
        )
        if connection.features.can_return_columns_from_insert:
            sql += f" RETURNING {quote(_pk_column(model))}"
        made = _Statement(sql, tuple(preparer(field) for field in fields))
        _statements[cache_key] = made
    return made


def _pk_column(model: type[models.Model]) -> str:
    pk = model._meta.pk
    if pk is None:  # every concrete model has one
        raise ValueError(f"{model.__name__} has no primary key.")
    return str(pk.column)


def default_connection() -> BaseDatabaseWrapper:
    """The default database's connection itself."""
    # The connection itself, not django.db.connection (a proxy that looks it up again on every
    # attribute, and each field's preparation asks it several times).
    return connections[DEFAULT_DB_ALIAS]


def insert_row(model: type[models.Model], values: dict[str, Any]) -> int:
    """Insert one new row of ``model`` and return its primary key.

    ``values`` maps every concrete field's attname (``person_id``, not ``person``) except the
    auto-incremented primary key to the Python value to store.
    """
    connection = default_connection()
    statement = _insert_statement(model, tuple(values), connection)
    params = [
        prepare(value, connection)
        for prepare, value in zip(statement.prepares, values.values(), strict=True)
    ]
    with connection.cursor() as cursor:
        return _execute_insert(cursor, statement.sql, params, connection)


def _execute_insert(
    cursor: Any, sql: str, params: list[Any], connection: BaseDatabaseWrapper
) -> int:
    """Run an ``_insert_statement`` and return the new row's primary key."""
    cursor.execute(sql, params)
    if connection.features.can_return_columns_from_insert:
        return int(cursor.fetchone()[0])
    return int(cursor.lastrowid)


@dataclass(frozen=True)
class Ref:
    """The primary key a row added to a RowBatch will get, as the value of a later row's
    column (a foreign key to it)."""

    index: int


@dataclass(frozen=True)
class Read:
    """A query run with a RowBatch (``RowBatch.read``); its rows are ``batch.results[index]``."""

    index: int


class RowBatch:
    """New rows of several models, inserted together by ``insert``; a row's value may be a
    ``Ref`` to a row added before it. Queries added with ``read`` run with them."""

    def __init__(self) -> None:
        self._rows: list[tuple[type[models.Model], dict[str, Any]]] = []
        # Each row's values prepared for the database when the row is added (a Ref stays a Ref):
        # a batch is made before its write transaction opens, so on SQLite, whose write lock that
        # transaction holds, the preparing is not done under the lock.
        self._prepared: list[list[Any]] = []
        self._reads: list[tuple[str, list[Any]]] = []
        self.results: list[list[tuple[Any, ...]]] = []

    def add(self, model: type[models.Model], values: dict[str, Any]) -> Ref:
        """Add a row (``values`` as for ``insert_row``, prepared for the database now: a later
        change to a value is not seen); returns the Ref of its primary key."""
        for value in values.values():
            if isinstance(value, Ref) and not 0 <= value.index < len(self._rows):
                raise ValueError("A row can only refer to a row added before it.")
        connection = default_connection()
        statement = _insert_statement(model, tuple(values), connection)
        self._prepared.append(
            [
                value if isinstance(value, Ref) else prepare(value, connection)
                for prepare, value in zip(statement.prepares, values.values(), strict=True)
            ]
        )
        self._rows.append((model, values))
        return Ref(len(self._rows) - 1)

    def read(self, sql: str, params: list[Any]) -> Read:
        """A query to run with the inserts that sees the database as it was before them: on
        PostgreSQL a WITH query of the same statement (every part of a statement sees one
        snapshot, taken before its inserts), elsewhere run just before the inserts. Its rows
        are ``results[read.index]`` after ``insert``: tuples in the query's column order, on
        PostgreSQL read through JSON (a uuid, a date or a time comes as text). A locking read
        (``FOR UPDATE``) locks as it would on its own."""
        self._reads.append((sql, params))
        return Read(len(self._reads) - 1)

    def insert(self) -> list[int]:
        """Run the reads and insert the rows, in the order added; returns the rows' primary keys
        in that order (the reads' rows are in ``results``)."""
        connection = default_connection()
        if connection.vendor == "postgresql":
            return self._insert_at_once(connection)
        pks: list[int] = []
        with connection.cursor() as cursor:
            for sql, params in self._reads:
                cursor.execute(sql, params)
                self.results.append([tuple(row) for row in cursor.fetchall()])
            for (model, values), prepared in zip(self._rows, self._prepared, strict=True):
                statement = _insert_statement(model, tuple(values), connection)
                params = [
                    prepare(pks[value.index], connection) if isinstance(value, Ref) else value
                    for prepare, value in zip(statement.prepares, prepared, strict=True)
                ]
                pks.append(_execute_insert(cursor, statement.sql, params, connection))
        return pks

    def _insert_at_once(self, connection: BaseDatabaseWrapper) -> list[int]:
        """One statement: ``WITH r0 AS (INSERT ... RETURNING id), r1 AS (INSERT ... VALUES (...,
        (SELECT id FROM r0), ...) RETURNING id), q0 AS (a read) ... SELECT (SELECT id FROM r0),
        ..., (SELECT json_agg(q0) FROM q0)``."""
        shape = tuple(
            (
                model,
                tuple(values),
                tuple(value.index if isinstance(value, Ref) else None for value in values.values()),
            )
            for model, values in self._rows
        )
        reads = tuple(sql for sql, _ in self._reads)
        sql = _batch_statement(shape, reads, connection)
        params = [value for row in self._prepared for value in row if not isinstance(value, Ref)]
        for _, read_params in self._reads:
            params.extend(read_params)
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            row = cursor.fetchone()
        count = len(self._rows)
        for found in row[count:]:
            if isinstance(found, str):  # json may come back as its text
                found = json.loads(found)
            self.results.append([tuple(item.values()) for item in found])
        return [int(pk) for pk in row[:count]]


_Shape = tuple[tuple[type[models.Model], tuple[str, ...], tuple[int | None, ...]], ...]
_batches: dict[tuple[_Shape, tuple[str, ...], str], str] = {}


def _batch_statement(shape: _Shape, reads: tuple[str, ...], connection: BaseDatabaseWrapper) -> str:
    cache_key = (shape, reads, connection.vendor)
    made = _batches.get(cache_key)
    if made is not None:
        return made
    quote = connection.ops.quote_name
    parts = []
    for index, (model, attnames, refs) in enumerate(shape):
        fields = _fields(model, attnames)
        placeholders = [
            "%s" if ref is None else f"(SELECT {quote(_pk_column(shape[ref][0]))} FROM r{ref})"  # noqa: S608  # names from the models
            for ref in refs
        ]
        parts.append(
            f"r{index} AS (INSERT INTO {quote(model._meta.db_table)} "  # noqa: S608
            f"({', '.join(quote(str(field.column)) for field in fields)}) "
            f"VALUES ({', '.join(placeholders)}) RETURNING {quote(_pk_column(model))})"
        )
    parts.extend(f"q{index} AS ({read})" for index, read in enumerate(reads))
    outputs = [
        f"(SELECT {quote(_pk_column(model))} FROM r{index})"  # noqa: S608  # names from the models
        for index, (model, _, _) in enumerate(shape)
    ]
    outputs.extend(
        f"(SELECT coalesce(json_agg(q{index}), '[]'::json) FROM q{index})"  # noqa: S608
        for index in range(len(reads))
    )
    made = f"WITH {', '.join(parts)} SELECT {', '.join(outputs)}"
    _batches[cache_key] = made
    return made


def row_values(instance: models.Model) -> dict[str, Any]:
    """Every concrete column but the primary key, from a new (unsaved) instance, for
    ``insert_row``: its defaults, such as a new uuid, come from the model as they would for save.
    Timestamps the ORM fills in on save (``auto_now``, ``auto_now_add``) the caller sets first."""
    return {
        field.attname: getattr(instance, field.attname)
        for field in instance._meta.concrete_fields
        if not field.primary_key
    }
