"""The search document carries the service's needs met and delivery modes as "|code|code|".

A text search with a needs or modes filter then tests each match in the document row it has
already read instead of probing the needs or modes table per match. Triggers on those tables
rewrite the copy whenever a service's rows change, however they are written (imports, listing
edits, QuerySet.update), in the order the rows were written. On SQLite the FTS5 update trigger
fires only when the name or body change, so these copies never touch the full-text index.
"""

from django.db import migrations, models

DOCUMENT = "directory_servicesearchdocument"
# (table, code column, document column)
LISTS = [
    ("directory_serviceneed", "need", "needs"),
    ("directory_servicedeliverymode", "mode", "modes"),
]


def _tokens(vendor, table, code, service):
    """SQL for the service's codes as "|a|b|" ("" for none), in the order they were written."""
    if vendor == "sqlite":
        return (
            f"COALESCE((SELECT '|' || group_concat({code}, '|') || '|' FROM (SELECT {code} "  # noqa: S608
            f"FROM {table} WHERE service_id = {service} ORDER BY id)), '')"
        )
    return (
        f"COALESCE((SELECT '|' || string_agg({code}, '|' ORDER BY id) || '|' FROM {table} "  # noqa: S608
        f"WHERE service_id = {service}), '')"
    )


def _copy(vendor, table, code, column, row):
    tokens = _tokens(vendor, table, code, f"{row}.service_id")
    return (
        f"UPDATE {DOCUMENT} SET {column} = {tokens} "  # noqa: S608  # names from this file
        f"WHERE service_id = {row}.service_id"
    )


def _statements(vendor):
    forward, reverse = [], []
    for table, code, column in LISTS:
        name = f"directory_ssd_{column}"
        if vendor == "sqlite":
            forward += [
                f"CREATE TRIGGER {name}_ins AFTER INSERT ON {table} BEGIN "
                f"{_copy(vendor, table, code, column, 'NEW')}; END",
                f"CREATE TRIGGER {name}_del AFTER DELETE ON {table} BEGIN "
                f"{_copy(vendor, table, code, column, 'OLD')}; END",
                f"CREATE TRIGGER {name}_upd AFTER UPDATE ON {table} BEGIN "
                f"{_copy(vendor, table, code, column, 'OLD')}; "
                f"{_copy(vendor, table, code, column, 'NEW')}; END",
            ]
            reverse += [f"DROP TRIGGER IF EXISTS {name}_{op}" for op in ("ins", "del", "upd")]
        else:
            forward += [
                f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                "IF TG_OP IN ('DELETE', 'UPDATE') THEN "
                f"{_copy(vendor, table, code, column, 'OLD')}; END IF; "
                "IF TG_OP IN ('INSERT', 'UPDATE') THEN "
                f"{_copy(vendor, table, code, column, 'NEW')}; END IF; RETURN NULL; END $$",
                f"CREATE TRIGGER {name} AFTER INSERT OR DELETE OR UPDATE ON {table} "
                f"FOR EACH ROW EXECUTE FUNCTION {name}()",
            ]
            reverse += [
                f"DROP TRIGGER IF EXISTS {name} ON {table}",
                f"DROP FUNCTION IF EXISTS {name}()",
            ]
        # The documents written before this migration.
        tokens = _tokens(vendor, table, code, f"{DOCUMENT}.service_id")
        forward.append(f"UPDATE {DOCUMENT} SET {column} = {tokens}")  # noqa: S608
    return forward, reverse


def _forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor in ("sqlite", "postgresql"):
        for sql in _statements(vendor)[0]:
            schema_editor.execute(sql)


def _reverse(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor in ("sqlite", "postgresql"):
        for sql in _statements(vendor)[1]:
            schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [
        ("directory", "0007_search_document_filter_facts"),
    ]

    operations = [
        migrations.AddField(
            model_name="servicesearchdocument",
            name="needs",
            field=models.TextField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="servicesearchdocument",
            name="modes",
            field=models.TextField(blank=True, null=True),
        ),
        migrations.RunPython(_forward, _reverse),
    ]
