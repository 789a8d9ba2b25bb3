"""The full-text index on ServiceSearchDocument, in each database's own engine.

SQLite: an external-content FTS5 table kept in sync by triggers. PostgreSQL: a GIN index on the
weighted tsvector expression that linkwell/directory/search.py queries (name weighs more than
the rest). Only the statements for the running vendor are executed.
"""

from django.db import migrations

SQLITE_FORWARD = [
    """CREATE VIRTUAL TABLE directory_service_fts USING fts5(
        name, body,
        content='directory_servicesearchdocument', content_rowid='id',
        tokenize='porter unicode61 remove_diacritics 2'
    )""",
    """CREATE TRIGGER directory_ssd_ai AFTER INSERT ON directory_servicesearchdocument BEGIN
        INSERT INTO directory_service_fts(rowid, name, body) VALUES (new.id, new.name, new.body);
    END""",
    """CREATE TRIGGER directory_ssd_ad AFTER DELETE ON directory_servicesearchdocument BEGIN
        INSERT INTO directory_service_fts(directory_service_fts, rowid, name, body)
        VALUES ('delete', old.id, old.name, old.body);
    END""",
    """CREATE TRIGGER directory_ssd_au AFTER UPDATE ON directory_servicesearchdocument BEGIN
        INSERT INTO directory_service_fts(directory_service_fts, rowid, name, body)
        VALUES ('delete', old.id, old.name, old.body);
        INSERT INTO directory_service_fts(rowid, name, body) VALUES (new.id, new.name, new.body);
    END""",
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS directory_ssd_au",
    "DROP TRIGGER IF EXISTS directory_ssd_ad",
    "DROP TRIGGER IF EXISTS directory_ssd_ai",
    "DROP TABLE IF EXISTS directory_service_fts",
]
POSTGRES_FORWARD = [
    """CREATE INDEX directory_ssd_tsv ON directory_servicesearchdocument USING GIN (
        (setweight(to_tsvector('english'::regconfig, name), 'A')
         || setweight(to_tsvector('english'::regconfig, body), 'B'))
    )""",
]
POSTGRES_REVERSE = ["DROP INDEX IF EXISTS directory_ssd_tsv"]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for sql in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("directory", "0001_hsds_tables_and_listing_facts")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE_FORWARD, "postgresql": POSTGRES_FORWARD}),
            _run({"sqlite": SQLITE_REVERSE, "postgresql": POSTGRES_REVERSE}),
        )
    ]
