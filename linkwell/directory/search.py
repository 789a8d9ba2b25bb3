"""Full-text search backends behind one interface, and the offline geocoder.

A backend ranks the services whose search document matches a text query, among a candidate set
given as SQL (the filters, built by the selector with the ORM). Adding a backend is: copy a
sibling, change the SQL, register it in ``BACKENDS`` under the database vendor's name.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any, ClassVar, Protocol

from django.db import connection
from django.db.models.expressions import RawSQL

from .models import Postcode


@dataclass(frozen=True)
class CountFacts:
    """What a text search's matches must pass besides the text, for a backend that can count
    them without reading each match's document (SQLite's count index, migration 0010).

    The same rules as the selector's SQL condition: ``cutoff`` is the oldest verification the
    public may see (None: hidden services count too); ``needs`` and ``modes`` match any code.
    """

    cutoff: dt.datetime | None
    cost: str | None = None
    access: str | None = None
    needs: tuple[str, ...] = ()
    modes: tuple[str, ...] = ()
    age: int | None = None


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
        facts: CountFacts | None = None,
    ) -> tuple[int, list[tuple[uuid.UUID, float]]]:
        """(how many candidates match, [(service id, score)] of the page, best first).

        Higher scores are better. ``facts``, when given, says in another form what
        ``candidates_sql`` tests, for a backend that counts with it.
        """
        ...

    def rank_near(
        self,
        *,
        query: str,
        near: tuple[str, list[Any]],
        candidates_sql: str,
        params: tuple[Any, ...],
        by_distance: bool,
        limit: int,
        offset: int = 0,
    ) -> tuple[int, list[tuple[uuid.UUID, float, float]]]:
        """(how many candidates within the distance match, [(service id, score, km)] of the
        page), best first, or nearest first when ``by_distance`` (then best first).

        ``near`` is ``near_sql``'s set of the services within the distance: the text matches
        are ranked among it, in the same statement.
        """
        ...


_WORD = re.compile(r"\w+", re.UNICODE)
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def _prefix_cover(prefix: str, low: int, high: int) -> list[str]:
    """The count index's age tokens (``<prefix><level>x<value >> level>``, levels 0-8) whose
    values together are exactly ``low`` to ``high``, each a block of 2**level aligned values."""
    tokens = []
    while low <= high:
        level = 0
        while level < 8 and low % (2 << level) == 0 and low + (2 << level) - 1 <= high:
            level += 1
        tokens.append(f'"{prefix}{level}x{low >> level}"')
        low += 1 << level
    return tokens


def words(query: str) -> list[str]:
    return _WORD.findall(query.lower())[:12]


def _page(limit: int | None, offset: int) -> str:
    return f" LIMIT {int(limit)} OFFSET {int(offset)}" if limit is not None else ""


def _fetch_page(
    sql: str, params: tuple[Any, ...], limit: int, offset: int
) -> tuple[int, list[tuple[Any, ...]]]:
    """(total, rows of the page) of an ordered query whose last column is ``COUNT(*) OVER ()``."""
    with connection.cursor() as cursor:
        cursor.execute(sql + _page(limit, offset), params)
        rows = cursor.fetchall()
        if not rows and offset:  # a page past the end: the count is in no row of it
            cursor.execute(sql + _page(1, 0), params)
            rows_for_count = cursor.fetchall()
            return (int(rows_for_count[0][-1]) if rows_for_count else 0), []
    return (int(rows[0][-1]) if rows else 0), [row[:-1] for row in rows]


class Fts5Backend:
    """SQLite FTS5 with bm25; the service name weighs ten times the rest.

    A page is ranked inside the FTS5 query (ordered by bm25 and limited there, over a few times
    the rows wanted), and only those rows are joined to the documents and tested against the
    candidate filter; when too few pass, every filtered match is ranked. The total is a separate
    count, which needs no ranking: from the count index (migration 0010) when the filters are
    ones it holds (``CountFacts``), else by testing each match's document.

    bm25 is what a ranked search costs (about half a microsecond a match). When the count index
    holds the filters and they leave a small share of the directory, the matches that pass them
    are taken from the count index first and only those are ranked, with their count, in one
    statement (``_rank_filtered``); it reads the count index's matches once more than the count
    alone does, so for filters that pass most services the window over every match is cheaper.
    The share is estimated per set of filters from the count index (``_share``) and kept a few
    minutes. Both ways give the same page and total.
    """

    # Rank only the filtered matches when the filters' estimated share of the directory is
    # below this. Measured on 100,000 services: a third passing, 25.1 -> 19.8 ms (p50); all
    # passing, 21.6 -> 26.5 ms.
    NARROW_BELOW = 0.6
    # The fewest best-ranked matches tested against the filters for a page.
    WINDOW_ROWS = 80
    SHARE_SECONDS = 300.0
    _shares: ClassVar[dict[CountFacts, tuple[float, float]]] = {}

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

    # The count index (migration 0010): rowid = week << SHIFT | document id, the week being 0
    # for a document never public, else the verification's week since 1970 plus one.
    COUNT_TABLE = "directory_service_count_fts"
    SHIFT = 40
    _CODE = re.compile(r"[a-z0-9_]+")

    @classmethod
    def _fact_terms(cls, facts: CountFacts) -> tuple[list[str], list[str]] | None:
        """The count index's terms for the facts: (all of these must match, none of these may
        match), or None when a fact cannot be put to it (a code it could not hold, an age beyond
        its range)."""
        singles = [("cost", facts.cost), ("access", facts.access)]
        codes = [*facts.needs, *facts.modes, *(v for _, v in singles if v is not None)]
        if not all(cls._CODE.fullmatch(code) for code in codes):
            return None
        age = facts.age
        if age is not None and (type(age) is not int or not 0 <= age <= 255):
            return None

        def token(kind: str, code: str) -> str:
            return f'"{kind}{code.replace("_", "")}x"'

        must = [token(kind, value) for kind, value in singles if value is not None]
        for kind, values in (("need", facts.needs), ("mode", facts.modes)):
            if values:
                must.append("(" + " OR ".join(token(kind, v) for v in values) + ")")
        # Left out: a minimum (rounded up) above the age, or a maximum (rounded down, plus one)
        # not above it.
        fails = (
            _prefix_cover("amn", age + 1, 256) + _prefix_cover("amx", 0, age)
            if age is not None
            else []
        )
        return must, fails

    @classmethod
    def _count_match(cls, query: str, facts: CountFacts) -> str | None:
        """The count index's MATCH for the text and facts, or None when a fact cannot be put
        to it."""
        terms = cls._fact_terms(facts)
        if terms is None:
            return None
        must, fails = terms
        match = f"text : ({cls._match(query)})"
        if must:
            match = f"{match} AND facts : ({' AND '.join(must)})"
        if fails:
            match = f"({match}) NOT facts : ({' OR '.join(fails)})"
        return match

    def _share(self, facts: CountFacts) -> float:
        """An estimate of the share of the directory's documents the facts pass (visibility
        aside: the text-only search counts with it too); 1.0 when the count index cannot take
        them. Counted from the count index, taking the facts as independent, and kept
        ``SHARE_SECONDS``: it only chooses how to rank, never what is found."""
        terms = self._fact_terms(facts)
        if terms is None:
            return 1.0
        must, fails = terms
        if not must and not fails:
            return 1.0
        key = replace(facts, cutoff=None)
        now = time.monotonic()
        kept = self._shares.get(key)
        if kept is not None and now - kept[1] < self.SHARE_SECONDS:
            return kept[0]
        table = self.COUNT_TABLE
        count = f"SELECT COUNT(*) FROM {table} WHERE {table} MATCH %s"  # noqa: S608
        with connection.cursor() as cursor:
            cursor.execute("SELECT COUNT(*) FROM directory_servicesearchdocument")
            documents = max(int(cursor.fetchone()[0]), 1)
            share = 1.0
            if must:
                cursor.execute(count, (f"facts : ({' AND '.join(must)})",))
                share *= int(cursor.fetchone()[0]) / documents
            if fails:
                cursor.execute(count, (f"facts : ({' OR '.join(fails)})",))
                share *= max(0.0, 1 - int(cursor.fetchone()[0]) / documents)
        if len(self._shares) >= 256:
            self._shares.clear()
        self._shares[key] = (share, now)
        return share

    def _visible_range(self, cutoff: dt.datetime) -> tuple[int, int, Any]:
        """The count index's rowid bounds for the cutoff: below ``near`` hidden, from ``after``
        visible, between them the verification time to compare (the database's value)."""
        # Verified in a week after the cutoff's next one: visible. In the three weeks around
        # the cutoff (a margin for the database's rounding of the day), the verification time
        # is read and compared exactly; before them, hidden.
        week = (cutoff - EPOCH) // dt.timedelta(weeks=1)  # days since 1970 // 7
        return (
            week << self.SHIFT,
            (week + 3) << self.SHIFT,
            connection.ops.adapt_datetimefield_value(cutoff),
        )

    def _count_indexed(self, match: str, cutoff: dt.datetime | None) -> int:
        """The count from the count index alone, for its ``match`` (``_count_match``)."""
        table = self.COUNT_TABLE
        with connection.cursor() as cursor:
            if cutoff is None:
                cursor.execute(
                    f"SELECT COUNT(*) FROM {table} WHERE {table} MATCH %s",  # noqa: S608
                    (match,),
                )
                return int(cursor.fetchone()[0])
            near, after, moment = self._visible_range(cutoff)
            cursor.execute(
                f"SELECT COUNT(*) FROM {table} WHERE {table} MATCH %s AND {table}.rowid >= %s "  # noqa: S608
                f"AND ({table}.rowid >= %s OR (SELECT d.verified_at >= %s "
                f"FROM directory_servicesearchdocument d WHERE d.id = ({table}.rowid & %s)))",
                (match, near, after, moment, (1 << self.SHIFT) - 1),
            )
            return int(cursor.fetchone()[0])

    def _rank_filtered(
        self,
        query: str,
        match: str,
        cutoff: dt.datetime | None,
        candidates_sql: str,
        params: tuple[Any, ...],
        limit: int,
        offset: int,
    ) -> tuple[int | None, list[tuple[Any, ...]]]:
        """(the total, or None when the page came back empty; the page's rows) with only the
        matches of the count index's ``match`` (``_count_match``) ranked: those matches
        (visible or in the margin weeks around ``cutoff``) are kept aside, bm25 is computed for
        the text matches among them, the best window of those is tested exactly against the
        documents, and the total is counted from the same matches."""
        table, mask = self.COUNT_TABLE, (1 << self.SHIFT) - 1
        where, counted = f"{table} MATCH %s", ""
        where_params: list[Any] = [match]
        counted_params: list[Any] = []
        if cutoff is not None:
            near, after, moment = self._visible_range(cutoff)
            where += f" AND {table}.rowid >= %s"
            where_params.append(near)
            counted = (
                "WHERE r >= %s OR (SELECT d.verified_at >= %s "
                "FROM directory_servicesearchdocument d WHERE d.id = (r & %s))"
            )
            counted_params = [after, moment, mask]
        window = max(4 * (int(offset) + int(limit)), self.WINDOW_ROWS)
        # The unary plus keeps the rowid test out of FTS5's hands: otherwise SQLite runs the
        # MATCH once for each kept match instead of once.
        sql = (
            f"WITH f AS MATERIALIZED (SELECT {table}.rowid AS r FROM {table} WHERE {where}), "  # noqa: S608
            f"w AS (SELECT directory_service_fts.rowid AS rid, {self.SCORE} AS score "
            "FROM directory_service_fts WHERE directory_service_fts MATCH %s "
            f"AND +directory_service_fts.rowid IN (SELECT r & %s FROM f) "
            f"ORDER BY score, rid LIMIT {window}) "
            f"SELECT d.service_id, w.score, (SELECT COUNT(*) FROM f {counted}) "
            "FROM w JOIN directory_servicesearchdocument d ON d.id = w.rid "
            f"WHERE ({candidates_sql}) ORDER BY w.score, w.rid" + _page(limit, offset)
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, (*where_params, self._match(query), mask, *counted_params, *params))
            rows = cursor.fetchall()
        if not rows:
            return None, []
        return int(rows[0][-1]), [row[:-1] for row in rows]

    def rank(
        self,
        *,
        query: str,
        candidates_sql: str,
        params: tuple[Any, ...],
        limit: int | None = None,
        offset: int = 0,
        facts: CountFacts | None = None,
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
                everything = cursor.fetchall()
            return len(everything), [
                (uuid.UUID(str(sid)), -float(score)) for sid, score in everything
            ]
        rows: list[tuple[Any, ...]] | None = None
        counted = None
        if facts is not None:
            count_match = self._count_match(query, facts)
            if count_match is not None and self._share(facts) < self.NARROW_BELOW:
                counted, rows = self._rank_filtered(
                    query,
                    count_match,
                    facts.cutoff,
                    candidates_sql,
                    params,
                    int(limit),
                    int(offset),
                )
            if counted is None and count_match is not None:
                counted = self._count_indexed(count_match, facts.cutoff)
        total = counted if counted is not None else self._count(query, candidates_sql, params)
        wanted = min(int(offset) + int(limit), total)
        if wanted <= int(offset):
            return total, []
        # Most matches pass the filters (visibility, a few facts): a window of four times the
        # rows wanted usually holds the page. When it does not, rank every filtered match.
        window = max(4 * wanted, self.WINDOW_ROWS)
        with connection.cursor() as cursor:
            if rows is None:
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

    def rank_near(
        self,
        *,
        query: str,
        near: tuple[str, list[Any]],
        candidates_sql: str,
        params: tuple[Any, ...],
        by_distance: bool,
        limit: int,
        offset: int = 0,
    ) -> tuple[int, list[tuple[uuid.UUID, float, float]]]:
        if not words(query):
            return 0, []
        near_sql, near_params = near
        # The services within the distance that pass the filters, with their documents' ids;
        # then one MATCH over the index (as the raw query), each match looked up among them, so
        # bm25 is computed for those only. The CROSS JOIN keeps the MATCH outermost: SQLite
        # would otherwise run the full-text query again for each nearby document (seconds for a
        # prefix query). bm25 cannot be read beside a window function: the matches are scored
        # in a CTE, which the page is counted and cut from.
        document = document_of("n.sid", f"({candidates_sql})")
        order = "km, score, id" if by_distance else "score, id"
        sql = (
            "WITH near AS MATERIALIZED ("  # noqa: S608  # the filters are SQL from the ORM
            f"SELECT d.id, d.service_id, n.km FROM ({near_sql}) n {document}), "
            f"m AS MATERIALIZED (SELECT near.service_id, {self.SCORE} AS score, near.km, near.id "
            "FROM directory_service_fts CROSS JOIN near "
            "WHERE near.id = directory_service_fts.rowid AND directory_service_fts MATCH %s) "
            f"SELECT service_id, score, km, COUNT(*) OVER () FROM m ORDER BY {order}"
        )
        total, rows = _fetch_page(sql, (*near_params, *params, self._match(query)), limit, offset)
        return total, [(uuid.UUID(str(sid)), -float(score), km) for sid, score, km in rows]

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
    """PostgreSQL full text on the stored, GIN-indexed weighted tsvector (migration 0005).

    Equal scores are ordered by the document's id, as FTS5 orders them by its rowid.
    """

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
        facts: CountFacts | None = None,
    ) -> tuple[int, list[tuple[uuid.UUID, float]]]:
        if not words(query):
            return 0, []
        if limit is None:
            sql = (
                f"SELECT d.service_id, ts_rank({TSVECTOR}, q) AS score "
                + self.FROM.format(candidates=candidates_sql)
                + " ORDER BY score DESC, d.id"
                + _page(limit, offset)
            )
            with connection.cursor() as cursor:
                cursor.execute(sql, (self._tsquery(query), *params))
                rows = cursor.fetchall()
            total = len(rows) if not offset else self._count(query, candidates_sql, params)
            return total, [(sid, float(score)) for sid, score in rows]
        # One pass over the matches: they are scored once into a materialised set, which is
        # counted and top-N sorted (a bounded heap, not a sort of every match). A separate count
        # query read every match a second time; a window count kept and sorted them all. The set
        # holds the documents' ids, not their services': ties go by document id, as FTS5's go by
        # rowid, and an 8-byte id at the row's start is cheaper to read, keep and sort than a
        # uuid (100,000 services, the benchmark's text search, old and new in turn, before
        # migration 0011 took the text out of the row: p50 36.2-37.2 -> 34.6-35.6 ms); only the
        # page's rows are looked up for their services.
        sql = (
            "WITH m AS MATERIALIZED ("  # noqa: S608  # the filters are SQL from the ORM
            f"SELECT d.id, ts_rank({TSVECTOR}, q) AS score "
            + self.FROM.format(candidates=candidates_sql)
            + "), top AS (SELECT id, score FROM m ORDER BY score DESC, id"
            + _page(limit, offset)
            + ") SELECT d.service_id, top.score, (SELECT COUNT(*) FROM m) FROM top "
            "JOIN directory_servicesearchdocument d ON d.id = top.id "
            "ORDER BY top.score DESC, top.id"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, (self._tsquery(query), *params))
            rows = cursor.fetchall()
        if rows:
            total = int(rows[0][2])
        else:  # a page past the end (or no match): the count is not in any row
            total = self._count(query, candidates_sql, params) if offset else 0
        return total, [(sid, float(score)) for sid, score, _ in rows]

    def rank_near(
        self,
        *,
        query: str,
        near: tuple[str, list[Any]],
        candidates_sql: str,
        params: tuple[Any, ...],
        by_distance: bool,
        limit: int,
        offset: int = 0,
    ) -> tuple[int, list[tuple[uuid.UUID, float, float]]]:
        if not words(query):
            return 0, []
        near_sql, near_params = near
        # Driven by the services within the distance (a few thousand at most in a city), each
        # one's document tested against the query and the filters in the row: no GIN scan of
        # every match in the directory.
        order = "n.km, score DESC, d.id" if by_distance else "score DESC, d.id"
        document = document_of("n.sid", f"{TSVECTOR} @@ q AND ({candidates_sql})")
        sql = (
            f"SELECT d.service_id, ts_rank({TSVECTOR}, q) AS score, n.km, "  # noqa: S608
            f"COUNT(*) OVER () FROM ({near_sql}) n "
            f"CROSS JOIN to_tsquery('english', %s) q {document} ORDER BY {order}"
        )
        total, rows = _fetch_page(sql, (*near_params, self._tsquery(query), *params), limit, offset)
        return total, [(sid, float(score), km) for sid, score, km in rows]

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


def uuid_array(ids: Iterable[uuid.UUID]) -> str:
    """PostgreSQL's text form of a uuid[] of these ids."""
    return "{" + ",".join(map(str, ids)) + "}"


def ids_param(ids: Iterable[uuid.UUID]) -> tuple[str, Any]:
    """(SQL set, its one parameter) of ids, for ``column IN <set>`` in written-out SQL: the
    database unpacks the parameter (a JSON array on SQLite, an array on PostgreSQL), so a long
    list is one bind parameter, not one per id. On PostgreSQL the parameter is the array's text
    (``{id,id,...}``), which the server reads as uuid[]: the driver's own list conversion checked
    every element's text for characters to quote, several times the cost of writing it."""
    if connection.vendor == "postgresql":
        return "(SELECT unnest(%s::uuid[]))", uuid_array(ids)
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
    """(min lat, max lat, min lon, max lon) around a point: the index-friendly prefilter, holding
    every point within ``km`` of it by ``haversine_km``.

    On haversine_km's sphere: the circle reaches ``km / R`` radians north and south, and east and
    west ``asin(sin(km / R) / cos(lat))`` at its widest (which lies a little poleward of the
    centre's latitude, so a degree of longitude at the centre's latitude would fall short); every
    longitude when the circle holds a pole. Widened by a billionth against rounding. (It was
    km / 111.32 degrees, a degree being 111.32 km on the equator of the WGS84 ellipsoid but
    111.195 km on this sphere, so a place at 99.9% of the distance could fall outside the box.)
    """
    pad = 1 + 1e-9
    angle = km / EARTH_RADIUS_KM
    dlat = math.degrees(angle) * pad
    cos_lat = math.cos(math.radians(lat))
    reach = math.sin(angle) / cos_lat if cos_lat > 0 else math.inf
    holds_a_pole = reach >= 1 or abs(lat) + dlat >= 90
    dlon = 180.0 if holds_a_pole else math.degrees(math.asin(reach)) * pad
    return lat - dlat, lat + dlat, lon - dlon, lon + dlon


# A parameter of the distance expression, typed for both databases (no numeric arithmetic on
# PostgreSQL, REAL on SQLite).
_FLOAT = "CAST(%s AS double precision)"


def distance_sql(
    latitude: str, longitude: str, origin: tuple[float, float]
) -> tuple[str, list[float]]:
    """``haversine_km(*origin, latitude, longitude)`` as SQL on two float columns.

    The same operations in the same order on the same doubles as haversine_km (the radians
    factor, the origin's radians and cosine and 2R are worked out here, in Python), and both
    databases call the C library's sin, cos, asin, sqrt and pow as Python does, so the distance
    is the very same double: a search in SQL keeps and orders exactly the services it kept and
    ordered in Python (test_selectors compares them).
    """
    lat0, lon0 = origin
    p1 = math.radians(lat0)
    rad = math.radians(1.0)
    sql = (
        f"{_FLOAT} * asin(sqrt(power(sin(({latitude} * {_FLOAT} - {_FLOAT}) / 2), 2)"
        f" + {_FLOAT} * cos({latitude} * {_FLOAT}) * power(sin(({longitude} - {_FLOAT})"
        f" * {_FLOAT} / 2), 2)))"
    )
    return sql, [2 * EARTH_RADIUS_KM, rad, p1, math.cos(p1), rad, lon0, rad]


def near_sql(origin: tuple[float, float], radius_km: float) -> tuple[str, list[Any]]:
    """The services with a location within ``radius_km`` of the origin, as rows (sid, km) of
    the nearest one's distance: the bounding box on the (latitude, longitude, id) index, each
    location's services through the (location, service) index, then the distance."""
    lat_min, lat_max, lon_min, lon_max = bounding_box(*origin, radius_km)
    km, params = distance_sql("l.latitude", "l.longitude", origin)
    if connection.vendor == "postgresql":
        # A probe of the (location, service) index per location in the box: the planner, which
        # cannot tell how small the box is, would otherwise hash the whole link table.
        services = (
            "CROSS JOIN LATERAL (SELECT sal.service_id FROM directory_serviceatlocation sal "
            "WHERE sal.location_id = l.id AND sal.service_id IS NOT NULL OFFSET 0) sal "
        )
    else:
        services = (
            "JOIN directory_serviceatlocation sal "
            "ON sal.location_id = l.id AND sal.service_id IS NOT NULL "
        )
    sql = (
        f"SELECT sid, km FROM (SELECT sal.service_id AS sid, MIN({km}) AS km "  # noqa: S608
        f"FROM directory_location l {services}"
        "WHERE l.latitude BETWEEN %s AND %s AND l.longitude BETWEEN %s AND %s "
        f"GROUP BY sal.service_id) b WHERE km <= {_FLOAT}"
    )
    return sql, [*params, lat_min, lat_max, lon_min, lon_max, radius_km]


def document_of(service: str, condition: str) -> str:
    """A join to the search document ``d`` of the service ``service`` (a column of the rows
    joined), kept when ``condition`` on it holds: a probe of the document's unique service index
    per row. On PostgreSQL a lateral subquery, or the planner scans every document matching
    the condition (the text's GIN index, or all of them) and hashes them."""
    if connection.vendor == "postgresql":
        return (
            "CROSS JOIN LATERAL (SELECT d.id, d.service_id, d.search_vector "  # noqa: S608
            f"FROM directory_servicesearchdocument d WHERE d.service_id = {service} "
            f"AND {condition} LIMIT 1) d"  # a service has one document: LIMIT 1 changes nothing
        )
    return f"JOIN directory_servicesearchdocument d ON d.service_id = {service} AND {condition}"


def nearest(
    *,
    near: tuple[str, list[Any]],
    candidates_sql: str,
    params: tuple[Any, ...],
    limit: int,
    offset: int = 0,
) -> tuple[int, list[tuple[uuid.UUID, float]]]:
    """(how many, [(service id, km)] of the page, nearest first) of the services in ``near``
    whose search document passes the candidate filter (``"1 = 1"``: every one)."""
    near_sql_, near_params = near
    join = ""
    if candidates_sql != "1 = 1":
        join = document_of("n.sid", f"({candidates_sql})") + " "
    sql = (
        f"SELECT n.sid, n.km, COUNT(*) OVER () FROM ({near_sql_}) n "  # noqa: S608
        f"{join}ORDER BY n.km, n.sid"
    )
    total, rows = _fetch_page(sql, (*near_params, *params), limit, offset)
    return total, [(uuid.UUID(str(sid)), km) for sid, km in rows]


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
