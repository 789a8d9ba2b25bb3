"""The database schema as migrated: what every look-up and cascade relies on."""

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
