"""Written-out INSERTs for the busiest write paths (referral intake through the API).

``Model.save()`` compiles its INSERT afresh on every call and walks signals, ``pre_save`` hooks
and the instance's state; on a path that writes five rows per request that was a third of the
request's CPU. ``insert_row`` sends the statement Django would send for a new row (every concrete
column, each value prepared by its own field's ``get_db_prep_save``, so what is stored is exactly
what the ORM stores) with the SQL made once per model, column list and database vendor.

Only for models with no signal receivers and no ``save()`` override that the caller does not do
itself: callers name every column, so nothing is left to a default the ORM would have filled in.
"""

from __future__ import annotations

from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections, models
from django.db.backends.base.base import BaseDatabaseWrapper

# (model, attnames, vendor) -> (INSERT statement, the fields in its column order)
_statements: dict[tuple[type[models.Model], tuple[str, ...], str], tuple[str, tuple[Any, ...]]] = {}


def _insert_sql(
    model: type[models.Model], attnames: tuple[str, ...], connection: BaseDatabaseWrapper
) -> tuple[str, tuple[Any, ...]]:
    cache_key = (model, attnames, connection.vendor)
    made = _statements.get(cache_key)
    if made is None:
        made = _statements[cache_key] = _make_insert_sql(model, attnames, connection)
    return made


def _make_insert_sql(
    model: type[models.Model], attnames: tuple[str, ...], connection: BaseDatabaseWrapper
) -> tuple[str, tuple[Any, ...]]:
    by_attname = {field.attname: field for field in model._meta.concrete_fields}
    expected = {name for name, field in by_attname.items() if not field.primary_key}
    if set(attnames) != expected:
        missing = sorted(expected - set(attnames))
        extra = sorted(set(attnames) - expected)
        raise ValueError(
            f"insert_row({model.__name__}) names every column but the primary key "
            f"(missing {missing}, unknown {extra})."
        )
    fields = tuple(by_attname[name] for name in attnames)
    quote = connection.ops.quote_name
    sql = (
        f"INSERT INTO {quote(model._meta.db_table)} "  # noqa: S608  # names from the model
        f"({', '.join(quote(str(field.column)) for field in fields)}) "
        f"VALUES ({', '.join(['%s'] * len(fields))})"
    )
    if connection.features.can_return_columns_from_insert:
        pk = model._meta.pk
        assert pk is not None
        sql += f" RETURNING {quote(str(pk.column))}"
    return sql, fields


def insert_row(model: type[models.Model], values: dict[str, Any]) -> int:
    """Insert one new row of ``model`` and return its primary key.

    ``values`` maps every concrete field's attname (``person_id``, not ``person``) except the
    auto-incremented primary key to the Python value to store.
    """
    # The connection itself, not django.db.connection (a proxy that looks it up again on every
    # attribute, and each field's preparation asks it several times).
    connection = connections[DEFAULT_DB_ALIAS]
    sql, fields = _insert_sql(model, tuple(values), connection)
    params = [
        field.get_db_prep_save(value, connection)
        for field, value in zip(fields, values.values(), strict=True)
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        if connection.features.can_return_columns_from_insert:
            return int(cursor.fetchone()[0])
        return int(cursor.lastrowid)


def row_values(instance: models.Model) -> dict[str, Any]:
    """Every concrete column but the primary key, from a new (unsaved) instance, for
    ``insert_row``: its defaults, such as a new uuid, come from the model as they would for save.
    Timestamps the ORM fills in on save (``auto_now``, ``auto_now_add``) the caller sets first."""
    return {
        field.attname: getattr(instance, field.attname)
        for field in instance._meta.concrete_fields
        if not field.primary_key
    }
