"""Full-text search backends behind one interface, and the offline geocoder.

A backend ranks the services whose search document matches a text query, among a candidate set
given as SQL (the filters, built by the selector with the ORM). Adding a backend is: copy a
sibling, change the SQL, register it in ``BACKENDS`` under the database vendor's name.
"""

from __future__ import annotations

import json
import math
import re
import uuid
from collections.abc import Iterable
from typing import Any, Protocol

from django.db import connection
from django.db.models.expressions import RawSQL

from .models import Postcode


class SearchBackend(Protocol):
    """Ranked full text over the service search documents.

    ``candidates_sql`` is an SQL condition (with its ``params``) on the search document ``d``
    being tested: comparisons on the filter facts the document carries, and ``EXISTS (...)``
    subqueries correlated on ``d.service_id`` for the rest.
    """

    def rank(
        self,
        *,
        query: str,
        candidates_sql: str,
        params: tuple[Any, ...],
        limit: int | None = None,
        offset: int = 0,
    ) -> tuple[int, list[tuple[uuid.UUID, float]]]:
        """(how many candidates match, [(service id, score)] of the page, best first).

        Higher scores are better.
        """
        ...

    def rank_among(
        self, *, query: str, service_ids: list[uuid.UUID]
    ) -> list[tuple[uuid.UUID, float]]:
        """[(service id, score)] of the given services that match, best first (every one).

        For a candidate set already known and bounded (the services within a distance): the
        full-text matches are tested against the set instead of against the filters.
        """
        ...


_WORD = re.compile(r"\w+", re.UNICODE)


def words(query: str) -> list[str]:
    return _WORD.findall(query.lower())[:12]


def _page(limit: int | None, offset: int) -> str:
    return f" LIMIT {int(limit)} OFFSET {int(offset)}" if limit is not None else ""


class Fts5Backend:
    """SQLite FTS5 with bm25; the service name weighs ten times the rest.

    A page is ranked inside the FTS5 query (ordered by bm25 and limited there, over a few times
    the rows wanted), and only those rows are joined to the documents and tested against the
    candidate filter; when too few pass, every filtered match is ranked. The total is a separate
    count, which needs no ranking.
    """

    SCORE = "bm25(directory_service_fts, 10.0, 1.0)"
    FROM = (
        "FROM directory_service_fts "
        "JOIN directory_servicesearchdocument d ON d.id = directory_service_fts.rowid "
        "WHERE directory_service_fts MATCH %s AND ({candidates})"
    )
    # The ranked window of matches, then the filter on its rows only.
    WINDOW = (
        "SELECT d.service_id, f.score FROM ("
        "SELECT rowid AS rid, {score} AS score FROM directory_service_fts "
        "WHERE directory_service_fts MATCH %s ORDER BY score, rowid LIMIT {window}"
        ") f JOIN directory_servicesearchdocument d ON d.id = f.rid "
        "WHERE ({candidates}) ORDER BY f.score, f.rid LIMIT {limit} OFFSET {offset}"
    )

    @staticmethod
    def _match(query: str) -> str:
        # Every word must appear (prefix match), quoted so FTS5 syntax in the input is inert.
        return " ".join(f'"{w}"*' for w in words(query))

    def rank(
        self,
        *,
        query: str,
        candidates_sql: str,
        params: tuple[Any, ...],
        limit: int | None = None,
        offset: int = 0,
    ) -> tuple[int, list[tuple[uuid.UUID, float]]]:
        if not words(query):
            return 0, []
        match = self._match(query)
        if limit is None:
            sql = (
                f"SELECT d.service_id, {self.SCORE} AS score "  # noqa: S608  # SQL from the ORM
                + self.FROM.format(candidates=candidates_sql)
                + " ORDER BY score, d.id"
            )
            with connection.cursor() as cursor:
                cursor.execute(sql, (match, *params))
                rows = cursor.fetchall()
            return len(rows), [(uuid.UUID(str(sid)), -float(score)) for sid, score in rows]
        total = self._count(query, candidates_sql, params)
        wanted = min(int(offset) + int(limit), total)
        if wanted <= int(offset):
            return total, []
        # Most matches pass the filters (visibility, a few facts): a window of four times the
        # rows wanted usually holds the page. When it does not, rank every filtered match.
        window = max(4 * wanted, 200)
        with connection.cursor() as cursor:
            cursor.execute(
                self.WINDOW.format(
                    score=self.SCORE,
                    window=window,
                    candidates=candidates_sql,
                    limit=int(limit),
                    offset=int(offset),
                ),
                (match, *params),
            )
            rows = cursor.fetchall()
            if offset + len(rows) < wanted:
                cursor.execute(
                    f"SELECT d.service_id, {self.SCORE} AS score "  # noqa: S608  # from the ORM
                    + self.FROM.format(candidates=candidates_sql)
                    + " ORDER BY score, d.id"
                    + _page(limit, offset),
                    (match, *params),
                )
                rows = cursor.fetchall()
        return total, [(uuid.UUID(str(sid)), -float(score)) for sid, score in rows]

    def rank_among(
        self, *, query: str, service_ids: list[uuid.UUID]
    ) -> list[tuple[uuid.UUID, float]]:
        if not words(query) or not service_ids:
            return []
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT d.service_id, {self.SCORE} AS score "  # noqa: S608  # constant SQL
                "FROM directory_service_fts "
                "JOIN directory_servicesearchdocument d ON d.id = directory_service_fts.rowid "
                "WHERE directory_service_fts MATCH %s "
                "AND d.service_id IN (SELECT value FROM json_each(%s)) ORDER BY score, d.id",
                (self._match(query), json.dumps([sid.hex for sid in service_ids])),
            )
            rows = cursor.fetchall()
        return [(uuid.UUID(str(sid)), -float(score)) for sid, score in rows]

    def _count(self, query: str, candidates_sql: str, params: tuple[Any, ...]) -> int:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT COUNT(*) " + self.FROM.format(candidates=candidates_sql),
                (self._match(query), *params),
            )
            return int(cursor.fetchone()[0])


# The weighted tsvector (name A, body B), stored as a generated column with a GIN index
# (migration 0005), so neither matching nor ranking recomputes it.
TSVECTOR = "d.search_vector"


class PostgresBackend:
    """PostgreSQL full text on the stored, GIN-indexed weighted tsvector (migration 0005)."""

    FROM = (
        "FROM directory_servicesearchdocument d, to_tsquery('english', %s) q "
        f"WHERE {TSVECTOR} @@ q AND ({{candidates}})"
    )

    @staticmethod
    def _tsquery(query: str) -> str:
        return " & ".join(f"{w}:*" for w in words(query))

    def rank(
        self,
        *,
        query: str,
        candidates_sql: str,
        params: tuple[Any, ...],
        limit: int | None = None,
        offset: int = 0,
    ) -> tuple[int, list[tuple[uuid.UUID, float]]]:
        if not words(query):
            return 0, []
        if limit is None:
            sql = (
                f"SELECT d.service_id, ts_rank({TSVECTOR}, q) AS score "
                + self.FROM.format(candidates=candidates_sql)
                + " ORDER BY score DESC, d.service_id"
                + _page(limit, offset)
            )
            with connection.cursor() as cursor:
                cursor.execute(sql, (self._tsquery(query), *params))
                rows = cursor.fetchall()
            total = len(rows) if not offset else self._count(query, candidates_sql, params)
            return total, [(sid, float(score)) for sid, score in rows]
        # One pass over the matches: they are scored once into a materialised set, which is
        # counted and top-N sorted (a bounded heap, not a sort of every match). A separate count
        # query read every match a second time; a window count kept and sorted them all.
        sql = (
            "WITH m AS MATERIALIZED ("  # noqa: S608  # the filters are SQL from the ORM
            f"SELECT d.service_id, ts_rank({TSVECTOR}, q) AS score "
            + self.FROM.format(candidates=candidates_sql)
            + ") SELECT service_id, score, (SELECT COUNT(*) FROM m) FROM m"
            " ORDER BY score DESC, service_id" + _page(limit, offset)
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, (self._tsquery(query), *params))
            rows = cursor.fetchall()
        if rows:
            total = int(rows[0][2])
        else:  # a page past the end (or no match): the count is not in any row
            total = self._count(query, candidates_sql, params) if offset else 0
        return total, [(sid, float(score)) for sid, score, _ in rows]

    def rank_among(
        self, *, query: str, service_ids: list[uuid.UUID]
    ) -> list[tuple[uuid.UUID, float]]:
        if not words(query) or not service_ids:
            return []
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT d.service_id, ts_rank({TSVECTOR}, q) AS score "  # noqa: S608  # constant
                "FROM directory_servicesearchdocument d, to_tsquery('english', %s) q "
                f"WHERE {TSVECTOR} @@ q AND d.service_id = ANY(%s::uuid[]) "
                "ORDER BY score DESC, d.service_id",
                (self._tsquery(query), list(service_ids)),
            )
            rows = cursor.fetchall()
        return [(sid, float(score)) for sid, score in rows]

    def _count(self, query: str, candidates_sql: str, params: tuple[Any, ...]) -> int:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT COUNT(*) " + self.FROM.format(candidates=candidates_sql),
                (self._tsquery(query), *params),
            )
            return int(cursor.fetchone()[0])


BACKENDS: dict[str, SearchBackend] = {"sqlite": Fts5Backend(), "postgresql": PostgresBackend()}


def backend() -> SearchBackend:
    return BACKENDS[connection.vendor]


def ids_param(ids: Iterable[uuid.UUID]) -> tuple[str, Any]:
    """(SQL set, its one parameter) of ids, for ``column IN <set>`` in written-out SQL: the
    database unpacks the parameter (a JSON array on SQLite, an array on PostgreSQL), so a long
    list is one bind parameter, not one per id."""
    if connection.vendor == "postgresql":
        return "(SELECT unnest(%s::uuid[]))", list(ids)
    return "(SELECT value FROM json_each(%s))", json.dumps([i.hex for i in ids])


def among(ids: Iterable[uuid.UUID]) -> RawSQL:
    """``ids_param``'s set for the ORM's ``field__in=``."""
    sql, param = ids_param(ids)
    # A fixed string from ids_param; RawSQL adds the parentheses itself.
    return RawSQL(sql[1:-1], (param,))  # noqa: S611


def any_token(column: str, codes: Iterable[str]) -> tuple[str, list[str]]:
    """SQL true when the "|a|b|" token column holds any of the codes (indexing.tokens)."""
    find = "instr({}, %s) > 0" if connection.vendor == "sqlite" else "strpos({}, %s) > 0"
    codes = list(codes)
    return "(" + " OR ".join(find.format(column) for _ in codes) + ")", [f"|{c}|" for c in codes]


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
