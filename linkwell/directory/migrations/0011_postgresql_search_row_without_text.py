"""PostgreSQL: a search document keeps its text only as its weighted tsvector.

Every text search reads the row of each of its matches (a common word matches a quarter of the
directory): the tsvector for ranking, the filters' facts after it. With the name and body in the
row too, a row was about 690 bytes, eleven to a page; without them about 450, seventeen to a
page, and a search reads a third less memory (100,000 services, the 50 benchmark queries: the
search statement's p95 about 36 -> 29 ms). The name and body were only the generated column's
input: the search never reads them on PostgreSQL.

So the tsvector stops being a generated column and is written with the row: by the indexer's
statement (``indexing._DOCUMENTS_SQL``), which leaves the name and body empty, and for any other
writer by a trigger that turns a name or body given into the tsvector (the same expression as
before) and empties them. The rows already there are rewritten without their text.

SQLite is untouched: the name and body are its FTS5 tables' content.
"""

from django.db import migrations

VECTOR = (
    "setweight(to_tsvector('english'::regconfig, {name}), 'A') "
    "|| setweight(to_tsvector('english'::regconfig, {body}), 'B')"
)

POSTGRES_FORWARD = [
    "ALTER TABLE directory_servicesearchdocument ALTER COLUMN search_vector DROP EXPRESSION",
    # A new value that is not a column reference rewrites the table: every row without its text,
    # packed, with its indexes rebuilt (before the trigger, which would then forbid it).
    "ALTER TABLE directory_servicesearchdocument "
    "ALTER COLUMN name TYPE text USING '', ALTER COLUMN body TYPE text USING ''",
    f"""CREATE FUNCTION directory_ssd_text_to_vector() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        NEW.search_vector := {VECTOR.format(name="NEW.name", body="NEW.body")};
        NEW.name := '';
        NEW.body := '';
        RETURN NEW;
    END $$""",
    """CREATE TRIGGER directory_ssd_text_to_vector
        BEFORE INSERT OR UPDATE OF name, body ON directory_servicesearchdocument
        FOR EACH ROW WHEN (NEW.name <> '' OR NEW.body <> '')
        EXECUTE FUNCTION directory_ssd_text_to_vector()""",
    "ANALYZE directory_servicesearchdocument",
]

POSTGRES_RESTORE_COLUMN = [
    "DROP TRIGGER IF EXISTS directory_ssd_text_to_vector ON directory_servicesearchdocument",
    "DROP FUNCTION IF EXISTS directory_ssd_text_to_vector()",
    "DROP INDEX IF EXISTS directory_ssd_search_vector",
    "ALTER TABLE directory_servicesearchdocument DROP COLUMN search_vector",
]
POSTGRES_RESTORE_GENERATED = [
    "ALTER TABLE directory_servicesearchdocument ADD COLUMN search_vector tsvector "
    f"GENERATED ALWAYS AS ({VECTOR.format(name='name', body='body')}) STORED",
    "CREATE INDEX directory_ssd_search_vector ON directory_servicesearchdocument "
    "USING GIN (search_vector)",
    "ANALYZE directory_servicesearchdocument",
]


def forward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for sql in POSTGRES_FORWARD:
        schema_editor.execute(sql)


def reverse(apps, schema_editor):
    """The text comes back from the directory's tables (``documents_of``, as the indexer
    assembles it), then the generated column computes the tsvector from it again."""
    if schema_editor.connection.vendor != "postgresql":
        return
    from linkwell.directory.services.indexing import CHUNK, documents_of

    for sql in POSTGRES_RESTORE_COLUMN:
        schema_editor.execute(sql)
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT service_id FROM directory_servicesearchdocument ORDER BY service_id")
        ids = [row[0] for row in cursor.fetchall()]
        for start in range(0, len(ids), CHUNK):
            cursor.executemany(
                "UPDATE directory_servicesearchdocument SET name = %s, body = %s "
                "WHERE service_id = %s",
                [
                    (name, body, sid)
                    for sid, name, body, *_ in documents_of(ids[start : start + CHUNK])
                ],
            )
    for sql in POSTGRES_RESTORE_GENERATED:
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("directory", "0010_search_count_index")]

    operations = [migrations.RunPython(forward, reverse)]
