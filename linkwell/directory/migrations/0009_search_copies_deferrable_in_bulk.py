"""PostgreSQL: the triggers that copy a service's facts and codes into its search document (0007,
0008) stand aside while a bulk import writes.

An import writes thousands of services, profiles, needs and modes per statement and then sets
the copies in the documents of all of them with one UPDATE
(``linkwell.directory.services.indexing.search_copies_set_once``); it marks its transaction with
``SET LOCAL linkwell.search_copies = 'deferred'``, and the triggers' WHEN clause skips the
per-row work for it. Every other write (listing edits, QuerySet.update, the admin, a psql
session) fires them as before. SQLite has no session settings: the import drops and re-creates
its triggers inside its own transaction instead (the same function).
"""

from django.db import migrations

# (trigger and function name, events, table), as 0007 and 0008 created them.
TRIGGERS = [
    (
        "directory_ssd_service_facts",
        "UPDATE OF status, minimum_age, maximum_age",
        "directory_service",
    ),
    (
        "directory_ssd_profile_facts",
        "INSERT OR DELETE OR UPDATE OF verified_at, cost, access",
        "directory_serviceprofile",
    ),
    ("directory_ssd_needs", "INSERT OR DELETE OR UPDATE", "directory_serviceneed"),
    ("directory_ssd_modes", "INSERT OR DELETE OR UPDATE", "directory_servicedeliverymode"),
]
WHEN = "WHEN (current_setting('linkwell.search_copies', true) IS DISTINCT FROM 'deferred') "


def _statements(when):
    out = []
    for name, events, table in TRIGGERS:
        out += [
            f"DROP TRIGGER IF EXISTS {name} ON {table}",
            f"CREATE TRIGGER {name} AFTER {events} ON {table} "
            f"FOR EACH ROW {when}EXECUTE FUNCTION {name}()",
        ]
    return out


def _run(when):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for sql in _statements(when):
                schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("directory", "0008_search_document_needs_and_modes")]

    operations = [migrations.RunPython(_run(WHEN), _run(""))]
