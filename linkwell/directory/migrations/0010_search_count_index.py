"""SQLite: a second full-text index that counts a text search's visible, filtered matches.

A text search shows how many services match (the HSDS API's ``total_items``, the public page's
"N services"). Counting them through the ranking index meant reading every match's search
document to test visibility and the filters: about 0.4 microseconds a match, 15-20 ms for a
common word in a directory of 100,000 services, as much again as ranking the page.

This index holds each document's words again, with the facts searches filter on, so FTS5 itself
counts the matches that pass:

- the rowid is ``week << 40 | document id``, where ``week`` is 0 for a document the public may
  never see (a status that is not public, or never verified) and otherwise the week of its
  verification (days since 1970-01-01 // 7) plus one: "verified since the cutoff" is a rowid
  range, which FTS5 seeks to, and only the matches verified in the weeks around the cutoff have
  their document read for the exact time;
- the ``facts`` column holds tokens: ``cost<code>x``, ``access<code>x``, ``need<code>x`` and
  ``mode<code>x`` (underscores dropped; the final ``x`` keeps the Porter stemmer off them), and
  the ages as binary prefixes (``amn<level>x<value >> level>`` for levels 0 to 8), the minimum
  rounded up and the maximum rounded down and plus one, each clipped to 0-256, so an age filter
  is a handful of tokens (``linkwell.directory.search.Fts5Backend``).

The ranking index and bm25 are unchanged. Contentless, ``detail=column`` (no positions: matching
every word needs none, and prefix queries run as fast as on the ranking index). Triggers on the
search document keep it in step (its copies of the facts are themselves kept in step by the
triggers of 0007 and 0008); a contentless FTS5 table is told what to delete, so the triggers
give the old row's values exactly as they were inserted.
"""

from django.db import migrations

TABLE = "directory_service_count_fts"
DOCUMENT = "directory_servicesearchdocument"
SHIFT = 40
PUBLIC = "('active', 'temporarily closed')"  # selectors.PUBLIC_STATUSES


def key(r):
    """The rowid of document row ``r`` (``new``, ``old`` or a table alias)."""
    week = f"(CAST(julianday({r}.verified_at) - 2440587.5 AS INTEGER) / 7 + 1)"
    return (
        f"((CASE WHEN {r}.status IN {PUBLIC} AND {r}.verified_at IS NOT NULL "
        f"THEN {week} << {SHIFT} ELSE 0 END) | {r}.id)"
    )


def _bits(prefix, value):
    return " || ' ' || ".join(f"'{prefix}{level}x' || (({value}) >> {level})" for level in range(9))


def facts(r):
    codes = [
        f"'cost' || replace(COALESCE({r}.cost, ''), '_', '') || 'x'",
        f"'access' || replace(COALESCE({r}.access, ''), '_', '') || 'x'",
        # "|a|b|" -> " needax needbx need" (the last, bare token is never asked for).
        f"replace(replace(COALESCE({r}.needs, ''), '_', ''), '|', 'x need')",
        f"replace(replace(COALESCE({r}.modes, ''), '_', ''), '|', 'x mode')",
    ]
    least, most = f"{r}.minimum_age", f"{r}.maximum_age"
    ceil = f"(CAST({least} AS INTEGER) + ({least} > CAST({least} AS INTEGER)))"
    floor = f"(CAST({most} AS INTEGER) - ({most} < CAST({most} AS INTEGER)))"
    ages = [
        f"(CASE WHEN {least} IS NULL THEN '' ELSE {_bits('amn', f'min(max({ceil}, 0), 256)')} END)",
        f"(CASE WHEN {most} IS NULL THEN '' "
        f"ELSE {_bits('amx', f'min(max({floor}, -1), 255) + 1')} END)",
    ]
    return " || ' ' || ".join(codes + ages)


def text(r):
    return f"(COALESCE({r}.name, '') || ' ' || COALESCE({r}.body, ''))"


def _insert(r):
    values = f"{key(r)}, {text(r)}, {facts(r)}"
    return f"INSERT INTO {TABLE}(rowid, text, facts) VALUES ({values})"  # noqa: S608


def _delete(r):
    return (
        f"INSERT INTO {TABLE}({TABLE}, rowid, text, facts) "  # noqa: S608  # names from this file
        f"VALUES ('delete', {key(r)}, {text(r)}, {facts(r)})"
    )


CHANGED = " OR ".join(
    f"old.{c} IS NOT new.{c}"
    for c in (
        "id",
        "name",
        "body",
        "status",
        "verified_at",
        "cost",
        "access",
        "needs",
        "modes",
        "minimum_age",
        "maximum_age",
    )
)

SQLITE_FORWARD = [
    f"""CREATE VIRTUAL TABLE {TABLE} USING fts5(
        text, facts, content='', detail=column,
        tokenize='porter unicode61 remove_diacritics 2'
    )""",
    f"CREATE TRIGGER directory_ssd_count_ai AFTER INSERT ON {DOCUMENT} BEGIN {_insert('new')}; END",
    f"CREATE TRIGGER directory_ssd_count_ad AFTER DELETE ON {DOCUMENT} BEGIN {_delete('old')}; END",
    f"CREATE TRIGGER directory_ssd_count_au AFTER UPDATE ON {DOCUMENT} WHEN {CHANGED} BEGIN "
    f"{_delete('old')}; {_insert('new')}; END",
    f"INSERT INTO {TABLE}(rowid, text, facts) "  # noqa: S608  # names from this file
    f"SELECT {key('d')}, {text('d')}, {facts('d')} FROM {DOCUMENT} d",
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS directory_ssd_count_au",
    "DROP TRIGGER IF EXISTS directory_ssd_count_ad",
    "DROP TRIGGER IF EXISTS directory_ssd_count_ai",
    f"DROP TABLE IF EXISTS {TABLE}",
]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "sqlite":
            for sql in statements:
                schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("directory", "0009_search_copies_deferrable_in_bulk")]

    operations = [migrations.RunPython(_run(SQLITE_FORWARD), _run(SQLITE_REVERSE))]
