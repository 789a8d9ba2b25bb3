"""PostgreSQL: the weighted tsvector becomes a stored generated column with its own GIN index.

Ranking then reads the stored vector instead of recomputing it for every match. The column is
not on the Django model (the database computes it); SQLite keeps its FTS5 table and is untouched.
"""

from django.db import migrations

POSTGRES_FORWARD = [
    """ALTER TABLE directory_servicesearchdocument ADD COLUMN search_vector tsvector
        GENERATED ALWAYS AS (
            setweight(to_tsvector('english'::regconfig, name), 'A')
            || setweight(to_tsvector('english'::regconfig, body), 'B')
        ) STORED""",
    "CREATE INDEX directory_ssd_search_vector ON directory_servicesearchdocument "
    "USING GIN (search_vector)",
    "DROP INDEX IF EXISTS directory_ssd_tsv",
    "ANALYZE directory_servicesearchdocument",
]
POSTGRES_REVERSE = [
    """CREATE INDEX directory_ssd_tsv ON directory_servicesearchdocument USING GIN (
        (setweight(to_tsvector('english'::regconfig, name), 'A')
         || setweight(to_tsvector('english'::regconfig, body), 'B'))
    )""",
    "DROP INDEX IF EXISTS directory_ssd_search_vector",
    "ALTER TABLE directory_servicesearchdocument DROP COLUMN IF EXISTS search_vector",
]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for sql in statements:
                schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("directory", "0004_uk_profile_fields")]

    operations = [migrations.RunPython(_run(POSTGRES_FORWARD), _run(POSTGRES_REVERSE))]
