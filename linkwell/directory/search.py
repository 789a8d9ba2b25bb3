"""Full-text search backends behind one interface, and the offline geocoder.

A backend ranks the services whose search document matches a text query, among a candidate set
given as SQL (the filters, built by the selector with the ORM). Adding a backend is: copy a
sibling, change the SQL, register it in ``BACKENDS`` under the database vendor's name.
"""

from __future__ import annotations

import math
import re
import uuid
from typing import Any, Protocol

from django.db import connection

from .models import Postcode


class SearchBackend(Protocol):
    def rank(
        self, *, query: str, candidates_sql: str, params: tuple[Any, ...]
    ) -> list[tuple[uuid.UUID, float]]:
        """(service id, score) of every matching candidate, best first (higher is better)."""
        ...


_WORD = re.compile(r"\w+", re.UNICODE)


def words(query: str) -> list[str]:
    return _WORD.findall(query.lower())[:12]


class Fts5Backend:
    """SQLite FTS5 with bm25; the service name weighs ten times the rest."""

    def rank(
        self, *, query: str, candidates_sql: str, params: tuple[Any, ...]
    ) -> list[tuple[uuid.UUID, float]]:
        terms = words(query)
        if not terms:
            return []
        # Every word must appear (prefix match), quoted so FTS5 syntax in the input is inert.
        match = " ".join(f'"{w}"*' for w in terms)
        # candidates_sql is ORM-generated with its own placeholders; user text is a parameter.
        sql = (
            "SELECT d.service_id, bm25(directory_service_fts, 10.0, 1.0) AS score "  # noqa: S608
            "FROM directory_service_fts "
            "JOIN directory_servicesearchdocument d ON d.id = directory_service_fts.rowid "
            f"WHERE directory_service_fts MATCH %s AND d.service_id IN ({candidates_sql}) "
            "ORDER BY score"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, (match, *params))
            return [(uuid.UUID(str(sid)), -float(score)) for sid, score in cursor.fetchall()]


TSVECTOR = (
    "(setweight(to_tsvector('english'::regconfig, d.name), 'A') || "
    "setweight(to_tsvector('english'::regconfig, d.body), 'B'))"
)


class PostgresBackend:
    """PostgreSQL full text on the GIN-indexed weighted tsvector (migration 0002)."""

    def rank(
        self, *, query: str, candidates_sql: str, params: tuple[Any, ...]
    ) -> list[tuple[uuid.UUID, float]]:
        terms = words(query)
        if not terms:
            return []
        tsquery = " & ".join(f"{w}:*" for w in terms)
        # candidates_sql is ORM-generated with its own placeholders; user text is a parameter.
        sql = (
            f"SELECT d.service_id, ts_rank({TSVECTOR}, q) AS score "  # noqa: S608
            "FROM directory_servicesearchdocument d, to_tsquery('english', %s) q "
            f"WHERE {TSVECTOR} @@ q AND d.service_id IN ({candidates_sql}) "
            "ORDER BY score DESC"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, (tsquery, *params))
            return [(sid, float(score)) for sid, score in cursor.fetchall()]


BACKENDS: dict[str, SearchBackend] = {"sqlite": Fts5Backend(), "postgresql": PostgresBackend()}


def backend() -> SearchBackend:
    return BACKENDS[connection.vendor]


EARTH_RADIUS_KM = 6371.0088


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(a))


def bounding_box(lat: float, lon: float, km: float) -> tuple[float, float, float, float]:
    """(min lat, max lat, min lon, max lon) around a point: the index-friendly prefilter."""
    dlat = km / 111.32
    dlon = km / (111.32 * max(math.cos(math.radians(lat)), 0.01))
    return lat - dlat, lat + dlat, lon - dlon, lon + dlon


class Geocoder(Protocol):
    def locate(self, postcode: str) -> tuple[float, float] | None:
        """(latitude, longitude) of a postcode, or None when unknown."""
        ...


def normalise_postcode(text: str) -> str:
    return re.sub(r"\s+", "", text).upper()


class OfflineGeocoder:
    """Reads the Postcode table (ONS Postcode Directory, loaded by import_postcodes).

    A full postcode missing from the table falls back to its outward code ("LS7") when that is
    held, which is close enough for a "how far" line.
    """

    def locate(self, postcode: str) -> tuple[float, float] | None:
        code = normalise_postcode(postcode)
        candidates = [code]
        if len(code) > 4:
            candidates.append(code[:-3])
        for candidate in candidates:
            row = (
                Postcode.objects.filter(postcode=candidate)
                .values_list("latitude", "longitude")
                .first()
            )
            if row:
                return (row[0], row[1])
        return None


def geocoder() -> Geocoder:
    return OfflineGeocoder()
