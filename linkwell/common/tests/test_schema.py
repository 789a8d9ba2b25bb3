"""The database schema as migrated: what every look-up and cascade relies on."""

import uuid

import pytest
from django.apps import apps
from django.db import connection, models


def _leading_columns(table: str) -> set[str]:
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, table)
    return {
        c["columns"][0]
        for c in constraints.values()
        if (c["index"] or c["unique"] or c["primary_key"]) and c["columns"]
    }


@pytest.mark.django_db
def test_every_foreign_key_leads_an_index():
    """A referral's team, a consent's person and the like are looked up (and a deletion cascades)
    by their column: each must be the first column of some index, its own or a wider one, or
    the look-up reads the whole table."""
    missing = []
    for model in apps.get_models():
        meta = model._meta
        if not meta.managed or meta.proxy or not model.__module__.startswith("linkwell."):
            continue
        leading = _leading_columns(meta.db_table)
        for field in meta.local_fields:
            if isinstance(field, models.ForeignKey) and field.column not in leading:
                missing.append(f"{meta.db_table}.{field.column}")
    assert missing == []


def _a_value(field: models.ForeignKey) -> object:
    """A value of the type the foreign key holds (PostgreSQL compares only like with like)."""
    target = field.target_field
    kind = target.get_internal_type()
    raw: object = 1
    if kind == "UUIDField":
        raw = uuid.uuid4()
    elif kind in ("CharField", "TextField", "SlugField"):
        raw = "x"
    return target.get_db_prep_value(raw, connection)


def _plan(table: str, column: str, value: object) -> str:
    """The database's plan for finding one value of ``column`` (on PostgreSQL with sequential
    scans ruled out, so the plan uses an index whenever one can serve: the test tables are too
    small for the planner to prefer one otherwise)."""
    quote = connection.ops.quote_name
    sql = f"SELECT 1 FROM {quote(table)} WHERE {quote(column)} = %s"  # noqa: S608
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute(f"EXPLAIN {sql}", [value])
        else:
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}", [value])
        return " ".join(str(part) for row in cursor.fetchall() for part in row)


@pytest.mark.django_db
def test_every_foreign_key_look_up_uses_an_index():
    """Some indexes hold only the rows where their key is set (a referral's assignee, a merged
    record's survivor): the look-up by one value, as the app and a cascade make it, must still
    use one, on either database."""
    unindexed = []
    for model in apps.get_models():
        meta = model._meta
        if not meta.managed or meta.proxy or not model.__module__.startswith("linkwell."):
            continue
        for field in meta.local_fields:
            if not isinstance(field, models.ForeignKey):
                continue
            plan = _plan(meta.db_table, field.column, _a_value(field))
            if "Seq Scan" in plan or ("SCAN" in plan and "SEARCH" not in plan):
                unindexed.append(f"{meta.db_table}.{field.column}: {plan}")
    assert unindexed == []
