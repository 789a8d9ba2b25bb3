"""Keeping the full-text search document of each service current.

The database's own index (FTS5 triggers on SQLite, the GIN index on the stored tsvector on
PostgreSQL) follows ServiceSearchDocument, so writing that row is all a change needs.

The rows are read with plain SQL, ids kept in the database's own form (text on SQLite, uuid on
PostgreSQL), and written in bulk: an import rebuilds the documents of 100,000 services, and
Django's per-value conversions were most of that work.
"""

from __future__ import annotations

import json
import uuid
from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from django.db import connection, transaction

from linkwell.common.needs import NEED_LABELS
from linkwell.directory.models import Service, ServiceSearchDocument
from linkwell.directory.search import ids_param, uuid_array
from linkwell.directory.signals import services_changed

from .bulk import upsert_rows

CHUNK = 2000
FACTS = ("status", "minimum_age", "maximum_age", "verified_at", "cost", "access")
COLUMNS = ("service_id", "name", "body", *FACTS, "needs", "modes")


def _chunks(ids: list[uuid.UUID]) -> Iterable[list[uuid.UUID]]:
    for i in range(0, len(ids), CHUNK):
        yield ids[i : i + CHUNK]


def tokens(values: Iterable[str]) -> str:
    """Codes as the search document keeps them: "|money|food|", or "" for none.

    A filter on any of several codes is then a substring test per code in the row already read
    (search.py's ``has_token``), instead of a probe into another table per text match.
    """
    values = list(values)
    return "|" + "|".join(values) + "|" if values else ""


# The tables whose values the search document copies, kept in step by the triggers of migrations
# 0007, 0008 and 0009.
COPIED_FROM = (
    "directory_service",
    "directory_serviceprofile",
    "directory_serviceneed",
    "directory_servicedeliverymode",
)
DOCUMENT = "directory_servicesearchdocument"


def _copies_sql() -> str:
    """SQL SET list giving a document the values its triggers copy: the service's status and
    ages, its profile's verification, cost and access (NULL without a profile), and its needs
    and modes as tokens, in the order the rows were written ("" for none)."""
    # Only names from this module go into the SQL.
    service = f"{DOCUMENT}.service_id"
    sets = [
        f"{c} = (SELECT s.{c} FROM directory_service s WHERE s.id = {service})"  # noqa: S608
        for c in ("status", "minimum_age", "maximum_age")
    ] + [
        f"{c} = (SELECT p.{c} FROM directory_serviceprofile p "  # noqa: S608
        f"WHERE p.service_id = {service})"
        for c in ("verified_at", "cost", "access")
    ]
    for table, code, column in (
        ("directory_serviceneed", "need", "needs"),
        ("directory_servicedeliverymode", "mode", "modes"),
    ):
        if connection.vendor == "sqlite":
            tokens = (
                f"(SELECT '|' || group_concat({code}, '|') || '|' FROM (SELECT {code} "  # noqa: S608
                f"FROM {table} WHERE service_id = {service} ORDER BY id))"
            )
        else:
            tokens = (
                f"(SELECT '|' || string_agg({code}, '|' ORDER BY id) || '|' FROM {table} "  # noqa: S608
                f"WHERE service_id = {service})"
            )
        sets.append(f"{column} = COALESCE({tokens}, '')")
    return ", ".join(sets)


@contextmanager
def search_copies_set_once() -> Iterator[set[uuid.UUID]]:
    """Services, profiles, needs and modes written inside this block leave the search documents
    alone, row by row; the caller adds to the set yielded the services whose rows it changed,
    and when the block ends one UPDATE sets what their documents copy (a service without a
    document yet needs nothing: its document is written whole later).

    The triggers that do it per row cost about as much as the row's own insert: an import that
    writes thousands of rows per statement does the work once per batch instead. PostgreSQL:
    the transaction is marked and the triggers' WHEN clause lets it by (migration 0009). SQLite
    has no such setting: the triggers are dropped and created again from their own SQL inside
    the transaction, which holds SQLite's only write lock, so no other writer can run meanwhile
    and every other connection sees them throughout. Must be inside a transaction: if the block
    fails, rolling back restores the triggers (and the mark) with everything else.
    """
    assert connection.in_atomic_block, "search_copies_set_once needs a transaction"
    triggers: list[tuple[str, str]] = []
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name IN "  # noqa: S608
                f"({', '.join(['%s'] * len(COPIED_FROM))}) AND name LIKE 'directory_ssd_%%' "
                "ORDER BY name",
                COPIED_FROM,
            )
            triggers = cursor.fetchall()
            for name, _ in triggers:
                cursor.execute(f'DROP TRIGGER "{name}"')
        else:
            cursor.execute("SET LOCAL linkwell.search_copies = 'deferred'")
    changed: set[uuid.UUID] = set()
    yield changed
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            for _, sql in triggers:
                cursor.execute(sql)
        else:
            cursor.execute("SET LOCAL linkwell.search_copies = ''")
        if changed:
            where, param = ids_param(changed)
            cursor.execute(
                f"UPDATE {DOCUMENT} SET {_copies_sql()} WHERE service_id IN {where}",  # noqa: S608
                [param],
            )


def _rows(sql: str, ids: list[uuid.UUID]) -> list[tuple[Any, ...]]:
    where, param = ids_param(ids)
    with connection.cursor() as cursor:
        cursor.execute(sql.format(ids=where), [param])
        return cursor.fetchall()


def _grouped(sql: str, ids: list[uuid.UUID]) -> defaultdict[Any, list[str]]:
    """The (service id, value) rows of the query as each service's values, in the rows' order."""
    grouped: defaultdict[Any, list[str]] = defaultdict(list)
    for sid, value in _rows(sql, ids):
        grouped[sid].append(value)
    return grouped


def documents_of(ids: list[uuid.UUID]) -> list[tuple[Any, ...]]:
    """The search documents of these services as rows of COLUMNS, in the order of the ids,
    read from the directory's tables."""
    services = _rows(
        "SELECT s.id, s.name, s.alternate_name, s.description, s.eligibility_description, "
        "o.name, s.status, s.minimum_age, s.maximum_age, p.verified_at, p.cost, p.access "
        "FROM directory_service s "
        "LEFT JOIN directory_organization o ON o.id = s.organization_id "
        "LEFT JOIN directory_serviceprofile p ON p.service_id = s.id "
        "WHERE s.id IN {ids} ORDER BY s.id",
        ids,
    )
    needs = _grouped(
        "SELECT service_id, need FROM directory_serviceneed "
        "WHERE service_id IN {ids} ORDER BY service_id, id",
        ids,
    )
    modes = _grouped(
        "SELECT service_id, mode FROM directory_servicedeliverymode "
        "WHERE service_id IN {ids} ORDER BY service_id, id",
        ids,
    )
    places: dict[Any, list[str]] = defaultdict(list)
    by_location: dict[Any, list[Any]] = defaultdict(list)
    for sid, lid, lname in _rows(
        "SELECT sal.service_id, sal.location_id, l.name FROM directory_serviceatlocation sal "
        "LEFT JOIN directory_location l ON l.id = sal.location_id "
        "WHERE sal.service_id IN {ids} ORDER BY sal.service_id, sal.id",
        ids,
    ):
        if lname:
            places[sid].append(lname)
        if lid:
            by_location[lid].append(sid)
    if by_location:
        locations = [uuid.UUID(str(lid)) for lid in by_location]
        for lid, city, region in _rows(
            "SELECT location_id, city, region FROM directory_address "
            "WHERE location_id IN {ids} ORDER BY location_id, id",
            locations,
        ):
            for sid in by_location[lid]:
                places[sid] += [p for p in (city, region) if p]
    terms = _grouped(
        "SELECT a.link_id, t.name FROM directory_attribute a "
        "JOIN directory_taxonomyterm t ON t.id = a.taxonomy_term_id "
        "WHERE a.link_id IN {ids} ORDER BY a.link_id, a.id",
        ids,
    )
    docs = []
    for sid, name, alternate, description, eligibility, org, *facts in services:
        body = " ".join(
            p
            for p in (
                description,
                eligibility,
                org,
                " ".join(NEED_LABELS.get(n, n) for n in needs[sid]),
                " ".join(terms[sid]),
                " ".join(dict.fromkeys(places[sid])),
            )
            if p
        )
        docs.append(
            (
                sid,
                " ".join(p for p in (name, alternate) if p),
                body,
                *facts,
                tokens(needs[sid]),
                tokens(modes[sid]),
            )
        )
    return docs


# PostgreSQL: documents_of's rows for a chunk of services (``%(ids)s``, uuid_array's text), built
# and written by the database in one statement, the name and body as their weighted tsvector only
# (the row keeps no text: migration 0011): what the import's process would otherwise read back,
# assemble and send again (100,000 new documents: 17-19 s -> 13-14 s of wall time, 18-19 -> 13-14 s
# of CPU). Each part in documents_of's order; the places are the locations' names (in the order of
# their service_at_location ids) then their addresses' cities and regions (by location id, address
# id), each kept once where it first appears. ``%(labels)s`` is NEED_LABELS as JSON. ``%(low)s`` and
# ``%(high)s`` are the chunk's least and greatest ids: each table is read over that range of its
# service index (with the ids tested among it), not looked up once per id (the statements' reading
# of 100,000 services: 4.2-4.4 -> 2.6 s; 20 services spread over the directory: 3.6 -> 3.3 ms).
# Before a large import builds its documents the tables it reads have been analysed
# (importing._refresh_statistics): planned for empty tables it scans them whole.
_LABELS_JSON = json.dumps(NEED_LABELS)
_DOCUMENTS_SQL = f"""
WITH ids AS (SELECT unnest(%(ids)s::uuid[]) AS id),
needs AS (
  SELECT x.service_id,
    string_agg(coalesce(%(labels)s::jsonb ->> x.need, x.need), ' ' ORDER BY x.id) AS labels,
    '|' || string_agg(x.need, '|' ORDER BY x.id) || '|' AS tokens
  FROM directory_serviceneed x
  WHERE x.service_id BETWEEN %(low)s AND %(high)s AND x.service_id IN (SELECT id FROM ids)
  GROUP BY x.service_id),
modes AS (
  SELECT x.service_id, '|' || string_agg(x.mode, '|' ORDER BY x.id) || '|' AS tokens
  FROM directory_servicedeliverymode x
  WHERE x.service_id BETWEEN %(low)s AND %(high)s AND x.service_id IN (SELECT id FROM ids)
  GROUP BY x.service_id),
terms AS (
  SELECT a.link_id AS service_id, string_agg(t.name, ' ' ORDER BY a.id) AS names
  FROM directory_attribute a JOIN directory_taxonomyterm t ON t.id = a.taxonomy_term_id
  WHERE a.link_id BETWEEN %(low)s AND %(high)s AND a.link_id IN (SELECT id FROM ids)
  GROUP BY a.link_id),
sal AS (
  SELECT id, service_id, location_id FROM directory_serviceatlocation
  WHERE service_id BETWEEN %(low)s AND %(high)s AND service_id IN (SELECT id FROM ids)),
each_place AS (
  SELECT sal.service_id, l.name AS place,
    0 AS k1, sal.id AS k2, NULL::uuid AS k3, NULL::uuid AS k4, 0 AS k5
  FROM sal JOIN directory_location l ON l.id = sal.location_id WHERE l.name <> ''
  UNION ALL
  SELECT sal.service_id, v.place, 1, NULL::uuid, a.location_id, a.id, v.i
  FROM sal JOIN directory_address a ON a.location_id = sal.location_id
  CROSS JOIN LATERAL (VALUES (1, a.city), (2, a.region)) v(i, place) WHERE v.place <> ''),
ranked AS (
  SELECT service_id, place,
    row_number() OVER (PARTITION BY service_id ORDER BY k1, k2, k3, k4, k5) AS k
  FROM each_place),
places AS (
  SELECT service_id, string_agg(place, ' ' ORDER BY k) AS names
  FROM (SELECT service_id, place, min(k) AS k FROM ranked GROUP BY service_id, place) first
  GROUP BY service_id)
INSERT INTO {DOCUMENT} ({", ".join(COLUMNS)}, search_vector)
SELECT service_id, '', '', {", ".join(COLUMNS[3:])},
  setweight(to_tsvector('english'::regconfig, name), 'A')
  || setweight(to_tsvector('english'::regconfig, body), 'B')
FROM (SELECT s.id AS service_id,
  concat_ws(' ', nullif(s.name, ''), nullif(s.alternate_name, '')) AS name,
  concat_ws(' ', nullif(s.description, ''), nullif(s.eligibility_description, ''),
    nullif(o.name, ''), nullif(needs.labels, ''), nullif(terms.names, ''),
    nullif(places.names, '')) AS body,
  s.status, s.minimum_age, s.maximum_age, p.verified_at, p.cost, p.access,
  coalesce(needs.tokens, '') AS needs, coalesce(modes.tokens, '') AS modes
FROM directory_service s
LEFT JOIN directory_organization o ON o.id = s.organization_id
LEFT JOIN directory_serviceprofile p ON p.service_id = s.id
LEFT JOIN needs ON needs.service_id = s.id
LEFT JOIN modes ON modes.service_id = s.id
LEFT JOIN terms ON terms.service_id = s.id
LEFT JOIN places ON places.service_id = s.id
WHERE s.id BETWEEN %(low)s AND %(high)s AND s.id IN (SELECT id FROM ids)) d
ORDER BY service_id
ON CONFLICT (service_id) DO UPDATE SET
  {", ".join(f"{c} = EXCLUDED.{c}" for c in (*COLUMNS[1:], "search_vector"))}
"""  # noqa: S608  # only this module's names go into it


@transaction.atomic
def search_documents_rebuild(*, service_ids: Iterable[uuid.UUID]) -> int:
    """Rewrite the search documents of these services; returns how many were written.

    The name field holds the service's names (ranked higher); the body holds its description,
    eligibility, organisation, needs met, taxonomy terms and where it is. The document also
    carries the facts searches filter on (see ServiceSearchDocument). ``documents_of`` says
    what a document holds; on PostgreSQL the same is built by the database in one statement per
    chunk (``_DOCUMENTS_SQL``), which the tests hold to ``documents_of``.
    """
    written = 0
    wanted = sorted(set(service_ids))
    for ids in _chunks(wanted):
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    _DOCUMENTS_SQL,
                    {
                        "ids": uuid_array(ids),
                        "labels": _LABELS_JSON,
                        "low": min(ids),
                        "high": max(ids),
                    },
                )
                written += cursor.rowcount
            continue
        docs = documents_of(ids)
        # One bulk upsert for the chunk, in the order of the ids (on SQLite a document's id is
        # its FTS5 rowid, which breaks ties between equal scores); the database's full-text index
        # follows the rows. When none of the services has a document yet (a new directory), the
        # rows are plainly inserted.
        upsert_rows(
            ServiceSearchDocument,
            [dict(zip(COLUMNS, doc, strict=True)) for doc in docs],
            COLUMNS,
            key="service_id",
            raw=True,
            keep_order=True,
            new=not _rows(
                "SELECT 1 FROM directory_servicesearchdocument WHERE service_id IN {ids} LIMIT 1",
                ids,
            ),
        )
        written += len(docs)
    services_changed.send(sender=Service, service_ids=wanted)
    return written
