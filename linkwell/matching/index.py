"""Keeping the match index (models.py) in step with the directory.

``match_index_rebuild`` rewrites the rows of the services it is given from the directory's tables.
It runs in the caller's transaction on every change the directory announces (its
``services_changed`` signal, sent wherever a service's search document is rebuilt: listing edits,
HSDS imports, the demo), and for the whole directory from the ``match_index_rebuild`` management
command and the migration that created the tables.

Reads and writes are plain SQL over chunks of 2,000 services, with ids kept in the database's own
form (text on SQLite, uuid on PostgreSQL): an import of 100,000 services rebuilds their rows in a
few seconds.
"""

from __future__ import annotations

import json
import uuid
from collections import defaultdict
from collections.abc import Iterable
from operator import attrgetter
from typing import Any

from django.db import connection, transaction
from django.db.models import Model

from linkwell.directory.search import among

from .engine import REMOTE_MODES

CHUNK = 2000
INSERT_ROWS = 500
FACTS_COLUMNS = ("service_id", "facts")
ENTRY_COLUMNS = ("service_id", "need", "latitude", "longitude", "remote", "national", "home_visit")


def _hhmm(value: str | None, default: str) -> str:
    return (value or default)[:5]


def schedule_days(byday: str) -> list[str]:
    """Weekday codes of an RRULE BYDAY list ("MO,2TU" -> MO, TU)."""
    return sorted({d.strip()[-2:].upper() for d in byday.split(",") if d.strip()})


def _tables(models: dict[str, type[Model]]) -> dict[str, str]:
    return {name: model._meta.db_table for name, model in models.items()}


def _current_models() -> dict[str, type[Model]]:
    from linkwell.directory.models import (
        Language,
        Location,
        Organization,
        Schedule,
        Service,
        ServiceAtLocation,
        ServiceDeliveryMode,
        ServiceNeed,
        ServiceProfile,
    )

    from .models import MatchEntry, MatchFacts

    return {
        "service": Service,
        "profile": ServiceProfile,
        "organization": Organization,
        "need": ServiceNeed,
        "mode": ServiceDeliveryMode,
        "language": Language,
        "sal": ServiceAtLocation,
        "location": Location,
        "schedule": Schedule,
        "entry": MatchEntry,
        "facts": MatchFacts,
    }


def _rows(sql: str, params: Iterable[Any]) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, list(params))
        return cursor.fetchall()


def _rebuild_chunk(t: dict[str, str], ids: list[uuid.UUID]) -> tuple[int, int]:
    ids_sql = among(ids)
    inside, params = f"IN ({ids_sql.sql})", list(ids_sql.params)
    if connection.vendor == "postgresql":
        # Each table is read over the range of the chunk's ids in its service index (the ids
        # still tested among it), not looked up once per id: a chunk is a run of neighbouring
        # ids whenever many services are rebuilt (figures in match_index_rebuild).
        by_value = attrgetter("int")
        params = [min(ids, key=by_value), max(ids, key=by_value), *params]

        def within(column: str) -> str:
            return f"{column} BETWEEN %s AND %s AND {column} {inside}"
    else:

        def within(column: str) -> str:
            return f"{column} {inside}"

    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {t['entry']} WHERE {within('service_id')}", params)  # noqa: S608
        cursor.execute(f"DELETE FROM {t['facts']} WHERE {within('service_id')}", params)  # noqa: S608
    needs: dict[Any, list[str]] = defaultdict(list)
    for sid, need in _rows(
        f"SELECT service_id, need FROM {t['need']} WHERE {within('service_id')}",  # noqa: S608
        params,
    ):
        needs[sid].append(need)
    if not needs:
        return 0, 0
    modes: dict[Any, set[str]] = defaultdict(set)
    for sid, mode in _rows(
        f"SELECT service_id, mode FROM {t['mode']} WHERE {within('service_id')}",  # noqa: S608
        params,
    ):
        modes[sid].add(mode)
    languages: dict[Any, set[str]] = defaultdict(set)
    for sid, code, name in _rows(
        f"SELECT service_id, code, name FROM {t['language']} "  # noqa: S608
        f"WHERE {within('service_id')}",
        params,
    ):
        for value in (code or "", name or ""):
            if value:
                languages[sid].add(value.strip().lower())
    has_place: set[Any] = set()
    places: dict[Any, list[tuple[float, float]]] = defaultdict(list)
    for sid, lat, lon in _rows(
        f"SELECT sal.service_id, loc.latitude, loc.longitude FROM {t['sal']} sal "  # noqa: S608
        f"LEFT JOIN {t['location']} loc ON loc.id = sal.location_id "
        f"WHERE {within('sal.service_id')}",
        params,
    ):
        has_place.add(sid)
        if lat is not None and lon is not None:
            places[sid].append((lat, lon))
    schedules: dict[Any, list[tuple[list[str], str, str]]] = defaultdict(list)
    by_service = _rows(
        f"SELECT service_id, byday, opens_at, closes_at FROM {t['schedule']} "  # noqa: S608
        f"WHERE {within('service_id')}",
        params,
    )
    by_place = _rows(
        f"SELECT sal.service_id, sc.byday, sc.opens_at, sc.closes_at "  # noqa: S608
        f"FROM {t['schedule']} sc JOIN {t['sal']} sal ON sal.id = sc.service_at_location_id "
        f"WHERE {within('sal.service_id')} AND sc.service_id IS NULL",
        params,
    )
    for sid, byday, opens, closes in [*by_service, *by_place]:
        if sid is None or not byday:
            continue
        schedules[sid].append((schedule_days(byday), _hhmm(opens, "00:00"), _hhmm(closes, "24:00")))
    listing = {
        row[0]: row[1:]
        for row in _rows(
            f"SELECT s.id, s.name, o.name, s.description, p.eligibility_communities, "  # noqa: S608
            f"p.cost, p.capacity, p.typical_wait_days, p.access FROM {t['service']} s "
            f"LEFT JOIN {t['organization']} o ON o.id = s.organization_id "
            f"LEFT JOIN {t['profile']} p ON p.service_id = s.id WHERE {within('s.id')}",
            params,
        )
    }
    facts_rows = []
    entry_rows = []
    for sid, codes in needs.items():
        if sid not in listing:
            continue
        name, org, desc, comms, cost, cap, wait, access = listing[sid]
        if isinstance(comms, str):
            comms = json.loads(comms)
        service_modes = modes.get(sid, set())
        service_places = places.get(sid, [])
        facts_rows.append(
            (
                sid,
                json.dumps(
                    [
                        name,
                        org or "",
                        (desc or "")[:2000],
                        list(comms or ()),
                        cost or "unknown",
                        cap,
                        wait,
                        access or "self_referral",
                        sorted(codes),
                        sorted(service_modes),
                        sorted(languages.get(sid, ())),
                        service_places,
                        schedules.get(sid, []),
                    ],
                    separators=(",", ":"),
                ),
            )
        )
        remote = bool(service_modes & REMOTE_MODES)
        national = sid not in has_place
        home_visit = "home_visit" in service_modes
        spots: list[tuple[float | None, float | None]] = list(dict.fromkeys(service_places))
        for need in dict.fromkeys(codes):
            for lat, lon in spots or [(None, None)]:
                entry_rows.append((sid, need, lat, lon, remote, national, home_visit))
    _insert(t["facts"], FACTS_COLUMNS, facts_rows)
    _insert(t["entry"], ENTRY_COLUMNS, entry_rows)
    return len(facts_rows), len(entry_rows)


def _insert(table: str, columns: tuple[str, ...], rows: list[tuple[Any, ...]]) -> None:
    """Many rows per INSERT: one statement per row cost PostgreSQL a round trip each. On
    PostgreSQL the rows are copied (COPY): no statement of thousands of parameters to parse."""
    one = "(" + ", ".join(["%s"] * len(columns)) + ")"
    head = f"INSERT INTO {table} ({', '.join(columns)}) VALUES "  # noqa: S608  # our table names
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql" and rows:
            with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        for start in range(0, len(rows), INSERT_ROWS):
            part = rows[start : start + INSERT_ROWS]
            cursor.execute(
                head + ", ".join([one] * len(part)), [value for row in part for value in row]
            )


@transaction.atomic
def match_index_rebuild(
    *,
    service_ids: Iterable[uuid.UUID] | None = None,
    models: dict[str, type[Model]] | None = None,
) -> int:
    """Rewrite the match rows of these services (every service when None); returns how many
    services have rows now. A service that is gone, or meets no need, is left without rows.

    ``models`` lets the migration pass its historical models (same names as _current_models).
    On PostgreSQL each chunk's tables are read over its range of ids (_rebuild_chunk): every
    one of 100,000 services rebuilt, old and new in turn, 7.2-8.3 -> 6.8-7.2 s, the server's
    CPU 4.7-5.8 -> 4.2-4.5 s.
    """
    t = _tables(models or _current_models())
    if service_ids is None:
        ids = [
            value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
            for (value,) in _rows(f"SELECT id FROM {t['service']}", ())  # noqa: S608
        ]
    else:
        ids = list(set(service_ids))
    ids.sort(key=attrgetter("int"))  # neighbours together; UUID's own comparison is slow
    written = 0
    for start in range(0, len(ids), CHUNK):
        written += _rebuild_chunk(t, ids[start : start + CHUNK])[0]
    return written
