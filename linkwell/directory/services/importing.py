"""Loading HSDS 3.0 data (JSON or the CSV data package) into the directory.

Records are checked one by one (fields against the HSDS tables, references against the batch and
the database); a bad record is reported with where it is and why, and the rest load. Good records
are written in batches with one upsert per table (``INSERT ... ON CONFLICT (id) DO UPDATE``), so a
re-import updates in place and never duplicates, and 100,000 services load in under a minute.
Bulk upserts skip ``full_clean()``: each value has already been checked against its HSDS field in
``linkwell.hsds.structure.clean_row``, which is the contract a model's ``clean`` would enforce.
With ``atomic=True`` everything is one transaction and any bad record loads nothing.
"""

from __future__ import annotations

import datetime as dt
import gc
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from django.db import DatabaseError, connection, models, transaction
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.dateparse import parse_datetime as _parse_datetime

from linkwell.audit.services import audit_log
from linkwell.common.needs import NEED_CODES
from linkwell.directory.models import (
    HSDS_MODELS,
    Access,
    Community,
    Cost,
    DeliveryMode,
    ReviewStatus,
    ServiceDeliveryMode,
    ServiceNeed,
    ServiceProfile,
    ServiceSearchDocument,
)
from linkwell.hsds import linkwell_terms as lt
from linkwell.hsds.reader import Record, detect_table, read_source
from linkwell.hsds.structure import (
    ARRAYS,
    NO_ATTRIBUTES,
    NO_METADATA,
    OBJECTS,
    FieldProblem,
    clean_row,
    columns,
)

from ..search import among
from .bulk import existing_ids, insert_pairs, upsert_rows
from .indexing import search_copies_set_once, search_documents_rebuild

# Records per batch (one transaction, one upsert per table). Larger batches mean fewer commits,
# look-ups and statements: at 20,000 generated services 4,000 took about 6% less CPU than 2,000
# (SQLite; the client and server together on PostgreSQL), and a batch of them with everything
# nested in them holds about 130 MB, which keeps a 100,000-service import's peak RSS well under
# the 500 MB. 5,000 saved little more for another 30 MB.
BATCH_RECORDS = 4000


@lru_cache(maxsize=4096)
def parse_datetime(value: str) -> dt.datetime | None:
    """Django's parser, remembered: a directory's records share a handful of dates."""
    return _parse_datetime(value)


LONDON = ZoneInfo("Europe/London")


class ImportAborted(Exception):
    """Raised inside the atomic import to roll everything back."""


@dataclass
class ImportReport:
    source: str
    records: int = 0
    loaded: int = 0
    problems: list[tuple[str, str]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    created: Counter[str] = field(default_factory=Counter)
    updated: Counter[str] = field(default_factory=Counter)
    rolled_back: bool = False
    seconds: float = 0.0

    @property
    def services_per_second(self) -> float:
        total = self.created["service"] + self.updated["service"]
        return total / self.seconds if self.seconds else 0.0

    def summary_lines(self) -> list[str]:
        lines = [
            f"{self.records} records read, {self.loaded} loaded, {len(self.problems)} refused"
            f" in {self.seconds:.1f}s."
        ]
        for table in HSDS_MODELS:
            if self.created[table] or self.updated[table]:
                lines.append(f"  {table}: {self.created[table]} new, {self.updated[table]} updated")
        if self.rolled_back:
            lines.append("Nothing was loaded: --atomic and at least one record was refused.")
        return lines


@dataclass
class _Flat:
    index: int  # the record's position in the batch
    where: str
    # (table, id) -> row. The same object nested in several places (a phone under the service
    # and under its location) is one row that keeps every reference it was nested under.
    rows: dict[tuple[str, uuid.UUID], dict[str, Any]] = field(default_factory=dict)
    facts: dict[uuid.UUID, lt.ServiceFacts] = field(default_factory=dict)
    top_id: uuid.UUID | None = None
    top_table: str = ""


@lru_cache(maxsize=256)
def _attname(table: str, column: str) -> str:
    for col in columns(table):
        if col.name == column:
            return col.attname
    raise KeyError(f"{table}.{column}")


@lru_cache(maxsize=64)
def _arrays(table: str) -> tuple[tuple[str, str, str], ...]:
    """The arrays nested under an object of the table: (JSON key, child table, reference)."""
    arrays = list(ARRAYS.get(table, []))
    if table == "organization":
        arrays.append(("services", "service", "organization_id"))
    if table == "taxonomy":
        arrays.append(("taxonomy_terms", "taxonomy_term", "taxonomy_id"))  # UK profile
    return tuple(arrays)


_VALID_FACTS: dict[str, frozenset[str]] = {
    "need": frozenset(NEED_CODES),
    "delivery_mode": frozenset(DeliveryMode.values),
    "community": frozenset(Community.values),
    "access": frozenset(Access.values),
    "cost": frozenset(Cost.values),
}


def _fact_value(code: str, value: Any, where: str) -> str:
    if not isinstance(value, str):
        raise FieldProblem(f"{where}.value: a Linkwell {code} fact needs a text value")
    valid = _VALID_FACTS
    if code in valid and value not in valid[code]:
        raise FieldProblem(f"{where}.value: {value[:40]!r} is not a known {code}")
    if code in ("capacity", "typical_wait_days") and not (value.isdigit() and len(value) < 7):
        raise FieldProblem(f"{where}.value: {code} must be a whole number of 0 or more")
    if code == "verified_at" and parse_datetime(value) is None and parse_date(value) is None:
        raise FieldProblem(f"{where}.value: {value[:40]!r} is not an ISO 8601 date")
    return value


def _linkwell_code(obj: dict[str, Any]) -> str | None:
    for candidate in (obj.get("taxonomy_term_id"), (obj.get("taxonomy_term") or {}).get("id")):
        if isinstance(candidate, str):
            code = _code_of_term(candidate)
            if code:
                return code
    return None


@lru_cache(maxsize=1024)
def _code_of_term(term_id: str) -> str | None:
    """The Linkwell fact a taxonomy term id stands for (a directory names a handful of terms)."""
    try:
        return lt.CODE_BY_TERM_ID.get(uuid.UUID(term_id))
    except ValueError:
        return None


def _flatten(
    table: str,
    obj: Any,
    where: str,
    flat: _Flat,
    parent: tuple[str, uuid.UUID, str] | None = None,
) -> uuid.UUID:
    """Add the object and everything nested in it to ``flat`` as table rows; return its id.

    ``parent`` is (reference column, parent id, parent table): a child that leaves its reference
    to the enclosing object out gets it from the nesting, as HSDS intends.
    """
    if not isinstance(obj, dict):
        raise FieldProblem(f"{where}: expected an object, got {type(obj).__name__}")
    fill: dict[str, Any] | None = None
    if parent is not None:
        ref, parent_id, parent_table = parent
        fill = {ref: parent_id}
        if ref == "link_id":
            fill["link_entity"] = parent_table
        elif ref == "resource_id":
            fill["resource_type"] = parent_table
    row = clean_row(table, obj, where=where, from_text=False, fill=fill)
    oid: uuid.UUID = row["id"]
    earlier = flat.rows.get((table, oid))
    if earlier is not None:
        for key, value in row.items():
            if value is not None:
                earlier[key] = value
        row = earlier
    else:
        flat.rows[(table, oid)] = row
    for key, child, ref in _arrays(table):
        items = obj.get(key)
        if items is None:
            continue
        if not isinstance(items, list):
            raise FieldProblem(f"{where}.{key}: expected an array, got {type(items).__name__}")
        for i, item in enumerate(items):
            _flatten(child, item, f"{where}.{key}[{i}]", flat, (ref, oid, table))
    for key, target, ref in OBJECTS.get(table, []):
        sub = obj.get(key)
        if sub is None:
            continue
        back = None
        if table == "service_at_location" and key == "service":
            back = None  # a service nested in its service_at_location carries no back reference
        sub_id = _flatten(target, sub, f"{where}.{key}", flat, back)
        att = _attname(table, ref)
        if row[att] is None:
            row[att] = sub_id
        elif row[att] != sub_id:
            raise FieldProblem(f"{where}.{ref}: does not match the id of the nested {key}")
    if table not in NO_ATTRIBUTES:
        attributes = obj.get("attributes")
        if attributes is not None:
            if not isinstance(attributes, list):
                raise FieldProblem(f"{where}.attributes: expected an array")
            for i, attribute in enumerate(attributes):
                code = _linkwell_code(attribute) if isinstance(attribute, dict) else None
                if code and table == "service":
                    value = _fact_value(code, attribute.get("value"), f"{where}.attributes[{i}]")
                    facts = flat.facts.get(oid)
                    if facts is None:
                        facts = flat.facts[oid] = lt.ServiceFacts()
                    facts.add(code, value)
                    continue
                _flatten(
                    "attribute",
                    attribute,
                    f"{where}.attributes[{i}]",
                    flat,
                    ("link_id", oid, table),
                )
    if table not in NO_METADATA:
        metadata = obj.get("metadata")
        if metadata is not None:
            if not isinstance(metadata, list):
                raise FieldProblem(f"{where}.metadata: expected an array")
            for i, item in enumerate(metadata):
                _flatten(
                    "metadata", item, f"{where}.metadata[{i}]", flat, ("resource_id", oid, table)
                )
    return oid


def _flatten_record(record: Record, index: int) -> _Flat:
    flat = _Flat(index=index, where=record.where)
    data = record.data
    if not isinstance(data, dict):
        raise FieldProblem(f"{record.where}: expected an HSDS object, got {type(data).__name__}")
    if record.from_text:
        assert record.table is not None
        row = clean_row(record.table, data, where=record.where, from_text=True)
        if record.table == "attribute":
            code = _linkwell_code(data)
            if code:
                value = _fact_value(code, data.get("value"), record.where)
                facts = lt.ServiceFacts()
                facts.add(code, value)
                if row["link_id"] is None:
                    raise FieldProblem(f"{record.where}.link_id: a Linkwell fact needs a service")
                flat.facts[row["link_id"]] = facts
                return flat
        flat.rows[(record.table, row["id"])] = row
        flat.top_id, flat.top_table = row["id"], record.table
        return flat
    table = record.table or detect_table(data)
    if table is None:
        raise FieldProblem(
            f"{record.where}: cannot tell which HSDS object this is (no id, name and description,"
            " and none of the fields of a service, location or taxonomy term)"
        )
    if table not in HSDS_MODELS:
        raise FieldProblem(f"{record.where}: {table!r} is not an HSDS table")
    flat.top_id = _flatten(table, data, record.where, flat)
    flat.top_table = table
    return flat


def _foreign_keys(table: str) -> list[tuple[str, str]]:
    """(attname, target table) of each reference column of the table."""
    out = []
    for f in HSDS_MODELS[table]._meta.concrete_fields:
        if isinstance(f, models.ForeignKey) and f.related_model in HSDS_MODELS.values():
            out.append((f.attname, f.related_model.HSDS_TABLE))  # type: ignore[union-attr,attr-defined]
    return out


def _parse_verified(row: dict[str, Any]) -> dt.datetime:
    for raw in (row.get("assured_date"), row.get("last_modified")):
        if not raw:
            continue
        moment = parse_datetime(raw)
        if moment is not None:
            return moment if timezone.is_aware(moment) else moment.replace(tzinfo=LONDON)
        day = parse_date(raw[:10]) if len(raw) >= 10 else None
        if day is not None:
            return dt.datetime.combine(day, dt.time(12), tzinfo=LONDON)
    return timezone.now()


class _Importer:
    def __init__(self, report: ImportReport, atomic: bool) -> None:
        self.report = report
        self.atomic = atomic
        self.seen_top: dict[tuple[str, uuid.UUID], str] = {}
        self.affected_services: set[uuid.UUID] = set()
        self.fk_cache = {t: _foreign_keys(t) for t in HSDS_MODELS}

    def problem(self, where: str, reason: str) -> None:
        self.report.problems.append((where, reason))

    def run_batch(self, records: list[Record]) -> None:
        self.write_batch([_prepare(record, i) for i, record in enumerate(records)])

    def write_batch(self, prepared: list[tuple[str, _Flat | str]]) -> None:
        """Write a batch of records already flattened (``_prepare``), reporting the problems."""
        flats: list[_Flat] = []
        for where, flat in prepared:
            if isinstance(flat, str):
                self.problem(where, flat)
                continue
            if flat.top_id is not None:
                key = (flat.top_table, flat.top_id)
                if key in self.seen_top:
                    self.report.warnings.append(
                        f"{where}: {flat.top_table} {flat.top_id} appeared before at "
                        f"{self.seen_top[key]}; the later record replaces it"
                    )
                self.seen_top[key] = where
            flats.append(flat)
        flats = self._check_references(flats)
        if not flats:
            return
        if self.atomic:
            self._write(flats)
            return
        try:
            with transaction.atomic():
                self._write(flats)
        except DatabaseError:
            # Find the record the database refused, one by one; the others still load.
            for flat in flats:
                try:
                    with transaction.atomic():
                        self._write([flat])
                except DatabaseError as exc:
                    self.problem(flat.where, f"refused by the database: {exc}")

    def _check_references(self, flats: list[_Flat]) -> list[_Flat]:
        for _ in range(5):
            in_batch: dict[str, set[uuid.UUID]] = defaultdict(set)
            for flat in flats:
                for table, oid in flat.rows:
                    in_batch[table].add(oid)
            wanted: dict[str, set[uuid.UUID]] = defaultdict(set)
            for flat in flats:
                for (table, _), row in flat.rows.items():
                    for att, target in self.fk_cache[table]:
                        ref = row[att]
                        if ref is not None and ref not in in_batch[target]:
                            wanted[target].add(ref)
                for sid in flat.facts:
                    if sid not in in_batch["service"]:
                        wanted["service"].add(sid)
            existing: dict[str, set[uuid.UUID]] = {}
            for target, ids in wanted.items():
                found = set(
                    HSDS_MODELS[target]
                    .objects.filter(id__in=among(ids))
                    .values_list("id", flat=True)
                )
                existing[target] = found | in_batch[target]
            good: list[_Flat] = []
            for flat in flats:
                reason = self._broken_reference(flat, in_batch, existing)
                if reason:
                    self.problem(flat.where, reason)
                else:
                    good.append(flat)
            if len(good) == len(flats):
                return good
            flats = good
        return flats

    def _broken_reference(
        self,
        flat: _Flat,
        in_batch: dict[str, set[uuid.UUID]],
        existing: dict[str, set[uuid.UUID]],
    ) -> str | None:
        for (table, _), row in flat.rows.items():
            for att, target in self.fk_cache[table]:
                ref = row[att]
                if ref is not None and ref not in in_batch[target] and ref not in existing[target]:
                    return f"{table} {row['id']}: {att} {ref} names no {target} in the data"
        for sid in flat.facts:
            if sid not in in_batch["service"] and sid not in existing.get("service", set()):
                return f"a Linkwell fact names service {sid}, which is not in the data"
        return None

    def _write(self, flats: list[_Flat]) -> None:
        now = timezone.now()
        new_services: set[uuid.UUID] = set()
        rows_by_table: dict[str, dict[uuid.UUID, dict[str, Any]]] = defaultdict(dict)
        facts: dict[uuid.UUID, lt.ServiceFacts] = {}
        for flat in flats:
            for (table, oid), row in flat.rows.items():
                rows_by_table[table][oid] = row  # a later record with the same id wins
            for sid, f in flat.facts.items():
                merged = facts.setdefault(sid, lt.ServiceFacts())
                for code, values in f.lists.items():
                    for v in values:
                        merged.add(code, v)
                for code, v in f.values.items():
                    merged.add(code, v)
        services = rows_by_table.get("service", {})
        # What the search documents copy from services, profiles, needs and modes is set once
        # for the batch; the documents of services new to the directory are written whole at
        # the end of the import.
        with search_copies_set_once() as copies_changed:
            for table, model in HSDS_MODELS.items():
                rows = rows_by_table.get(table)
                if not rows:
                    continue
                existing = existing_ids(model, rows)
                attnames = [c.attname for c in columns(table)] + ["linkwell_updated_at"]
                for row in rows.values():
                    row["linkwell_updated_at"] = now
                if existing:
                    # Rows new to the directory are inserted; only the others need the upsert.
                    upsert_rows(
                        model, [r for i, r in rows.items() if i in existing], attnames, key="id"
                    )
                if len(existing) < len(rows):
                    fresh = [r for i, r in rows.items() if i not in existing]
                    upsert_rows(model, fresh, attnames, key="id", new=True)
                if table == "service":
                    new_services = set(rows) - existing
                self.report.updated[table] += len(existing)
                self.report.created[table] += len(rows) - len(existing)
            self._profiles(services, rows_by_table, facts, new_services)
            copies_changed |= (set(services) | set(facts)) - new_services
        self.affected_services |= set(services) | set(facts)
        for table in ("service_at_location", "phone", "schedule", "language", "cost_option"):
            for row in rows_by_table.get(table, {}).values():
                if row.get("service_id"):
                    self.affected_services.add(row["service_id"])
        for row in rows_by_table.get("attribute", {}).values():
            if row.get("link_id"):
                self.affected_services.add(row["link_id"])
        self.report.loaded += len(flats)

    def _profiles(
        self,
        services: dict[uuid.UUID, dict[str, Any]],
        rows_by_table: dict[str, dict[uuid.UUID, dict[str, Any]]],
        facts: dict[uuid.UUID, lt.ServiceFacts],
        new_services: set[uuid.UUID],
    ) -> None:
        """Each service's profile, needs and modes: written once per batch, in bulk.

        ``new_services``: the services this batch has just added to the directory, which can
        have no profile, needs or modes yet, so theirs are plainly inserted.

        A service new to the directory gets a profile from its HSDS fields (cost, access and
        verification as they read); an existing profile keeps its values. Linkwell facts carried
        as attributes then set the facts they name, and replace the needs or modes they list.
        """
        amounts: dict[uuid.UUID, list[float]] = defaultdict(list)
        for row in rows_by_table.get("cost_option", {}).values():
            if row.get("service_id") and row.get("amount") is not None:
                amounts[row["service_id"]].append(row["amount"])
        fields = [
            "eligibility_communities",
            "areas_served",
            "access",
            "cost",
            "capacity",
            "typical_wait_days",
            "verified_at",
        ]
        # The profiles the facts change, as they are now (plain rows, not model instances:
        # building 2,000 instances a batch was a fifth of the import's time).
        current = (
            {
                row["service_id"]: row
                for row in ServiceProfile.objects.filter(service_id__in=among(facts)).values(
                    "service_id", "review_status", *fields
                )
            }
            if facts
            else {}
        )
        had_profile = set(current)
        stamp = timezone.now()
        new_profiles = []
        for sid, row in services.items():
            if sid in amounts:
                cost = Cost.PAID if any(a > 0 for a in amounts[sid]) else Cost.FREE
            elif "free" in (row.get("fees_description") or row.get("fees") or "").lower():
                cost = Cost.FREE
            else:
                cost = Cost.UNKNOWN
            process = (row.get("application_process") or "").lower()
            access = Access.REFERRAL_NEEDED if "referral" in process else Access.SELF_REFERRAL
            profile = {
                "service_id": sid,
                "cost": cost,
                "access": access,
                "verified_at": _parse_verified(row),
                "eligibility_communities": [],
                "areas_served": [],
                "review_status": "current",
                "updated_at": stamp,
            }
            if sid not in facts:
                new_profiles.append(profile)  # inserted unless the service has one already
            elif sid not in current:
                current[sid] = {**profile, "capacity": None, "typical_wait_days": None}
        upsert_rows(
            ServiceProfile,
            new_profiles,
            [
                "service_id",
                "cost",
                "access",
                "verified_at",
                "eligibility_communities",
                "areas_served",
                "review_status",
                "updated_at",
            ],
            key="service_id",
            update=False,
            new=all(p["service_id"] in new_services for p in new_profiles),
        )
        if not facts:
            return
        profiles: list[dict[str, Any]] = []
        needs: list[tuple[uuid.UUID, str]] = []
        modes: list[tuple[uuid.UUID, str]] = []
        replace_needs, replace_modes = [], []
        for sid, f in facts.items():
            profile = current.get(sid) or {
                "service_id": sid,
                "review_status": ReviewStatus.CURRENT,
                "eligibility_communities": [],
                "areas_served": [],
                "access": Access.SELF_REFERRAL,
                "cost": Cost.UNKNOWN,
                "capacity": None,
                "typical_wait_days": None,
                "verified_at": None,
            }
            profile["updated_at"] = stamp
            if f.lists["community"]:
                profile["eligibility_communities"] = f.lists["community"]
            if f.lists["area_served"]:
                profile["areas_served"] = f.lists["area_served"]
            for code in ("access", "cost"):
                if code in f.values:
                    profile[code] = f.values[code]
            for code in ("capacity", "typical_wait_days"):
                if code in f.values:
                    profile[code] = int(f.values[code])
            if "verified_at" in f.values:
                profile["verified_at"] = _fact_moment(f.values["verified_at"])
            profiles.append(profile)
            if f.lists["need"]:
                replace_needs.append(sid)
                needs += [(sid, n) for n in f.lists["need"]]
            if f.lists["delivery_mode"]:
                replace_modes.append(sid)
                modes += [(sid, m) for m in f.lists["delivery_mode"]]
        upsert_rows(
            ServiceProfile,
            profiles,
            ["service_id", "review_status", "updated_at", *fields],
            key="service_id",
            new=not had_profile,
        )
        if not new_services.issuperset(replace_needs):
            ServiceNeed.objects.filter(service_id__in=among(replace_needs)).delete()
        insert_pairs(ServiceNeed, "need", needs)
        if not new_services.issuperset(replace_modes):
            ServiceDeliveryMode.objects.filter(service_id__in=among(replace_modes)).delete()
        insert_pairs(ServiceDeliveryMode, "mode", modes)


@lru_cache(maxsize=256)
def _fact_moment(raw: str) -> dt.datetime:
    """A verified_at fact (checked by _fact_value) as an aware moment; a date alone is noon."""
    moment = parse_datetime(raw)
    if moment is None:
        day = parse_date(raw)
        assert day is not None  # checked in _fact_value
        return dt.datetime.combine(day, dt.time(12), tzinfo=LONDON)
    if timezone.is_naive(moment):
        return moment.replace(tzinfo=LONDON)
    return moment


# After an import this large the planner's statistics are out of date: PostgreSQL would plan
# searches for the directory as it was (a nested loop over "a few" matches that are now tens of
# thousands) until autovacuum got round to it.
ANALYZE_AFTER_RECORDS = 10_000


def _refresh_statistics(*, before_indexing: bool = False) -> None:
    """``before_indexing``: ANALYZE the tables the search documents and the match index are
    built from, so that those statements are planned for the directory as it now is (planned
    for the empty tables of a first import, they scanned whole tables for each chunk of
    services: twice the server's work for the whole import). Afterwards: the search documents
    analysed, the rest as they were, and outside a transaction everything vacuumed."""
    if connection.vendor != "postgresql":
        return  # SQLite's planner does without statistics unless ANALYZE has been run by hand
    qn = connection.ops.quote_name
    read: list[type[models.Model]] = [
        *HSDS_MODELS.values(),
        ServiceProfile,
        ServiceNeed,
        ServiceDeliveryMode,
    ]
    sources = ", ".join(qn(m._meta.db_table) for m in read)
    documents = qn(ServiceSearchDocument._meta.db_table)
    with connection.cursor() as cursor:
        if before_indexing:
            cursor.execute(f"ANALYZE {sources}")
        elif connection.in_atomic_block:
            cursor.execute(f"ANALYZE {documents}")
        else:
            # VACUUM marks the new rows' pages all-visible, so searches read the covering indexes
            # without visiting the table (index-only scans) at once rather than after
            # autovacuum's next visit. The sources were analysed before the documents were built
            # and have not changed since.
            cursor.execute(f"VACUUM (ANALYZE) {documents}")
            cursor.execute(f"VACUUM {sources}")


# SQLite's page cache during an import, in KiB (the default is 2 MiB): the indexes on random
# UUID keys are written all over, and at 100,000 services most of a batch's pages would
# otherwise be read again from the file. Peak RSS stays far under the 500 MB the issue allows.
IMPORT_CACHE_KIB = 65_536
# How many pages SQLite's write-ahead log may hold before it is copied into the database during
# an import (the default is 1,000, about 4 MB: a batch writes more, so every commit was followed
# by a checkpoint). A checkpoint copies each page once however many batches rewrote it since
# the last, and each batch rewrites much the same index pages. At most some 200 MB of log.
IMPORT_WAL_PAGES = 50_000


@contextmanager
def _import_cache() -> Iterator[None]:
    """SQLite's page cache and log checkpoints sized for an import, as they were after it; the
    log is copied into the database at the end (without waiting for readers)."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        before = int(cursor.fetchone()[0])
        cursor.execute("PRAGMA wal_autocheckpoint")
        checkpoint = int(cursor.fetchone()[0])
        cursor.execute(f"PRAGMA cache_size = -{IMPORT_CACHE_KIB}")
        cursor.execute(f"PRAGMA wal_autocheckpoint = {IMPORT_WAL_PAGES}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {before}")
            cursor.execute(f"PRAGMA wal_autocheckpoint = {checkpoint}")
            if not connection.in_atomic_block:
                cursor.execute("PRAGMA wal_checkpoint(PASSIVE)")


def _no_collection() -> None:
    return None


def _collect_young() -> None:
    gc.collect(1)


@contextmanager
def _young_collections_only() -> Iterator[Callable[[], None]]:
    """The cycle collector runs once per batch, on what the batch left, instead of on its own.

    A batch holds some 100,000 small containers (the parsed records, their rows) alive at once,
    none of them in a reference cycle: reference counting frees them when the batch is written.
    Left to itself the collector traversed them again and again while they were young, then ran
    full passes over the whole heap as they aged: a third of a 20,000-service import's CPU time.
    The function yielded is called after each batch: it collects the young generations only
    (what was made since the previous batch and is still alive, little by then), so a cycle
    made during the import is still freed. The collector is back as it was when the import ends
    (and left alone when the caller had turned it off).
    """
    if not gc.isenabled():
        yield _no_collection
        return
    gc.disable()
    try:
        yield _collect_young
    finally:
        gc.enable()


_T = TypeVar("_T")


def _prepare(record: Record, index: int) -> tuple[str, _Flat | str]:
    """(where, the record flattened into rows, or why it cannot be)."""
    try:
        return record.where, _flatten_record(record, index)
    except FieldProblem as exc:
        return record.where, str(exc)


def _prepared(records: Iterator[Record], size: int) -> Iterator[list[tuple[str, _Flat | str]]]:
    """Batches of ``size`` records, each one _prepare'd as it is read, so that a batch holds
    rows rather than the records' parsed JSON."""
    return _batched((_prepare(record, i % size) for i, record in enumerate(records)), size)


def _batched(items: Iterator[_T], size: int) -> Iterator[list[_T]]:
    batch: list[_T] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def hsds_import(
    *,
    source: str,
    atomic: bool = False,
    table: str | None = None,
    actor: Any = None,
    on_progress: Callable[[int], object] | None = None,
    on_stage: Callable[[str], object] | None = None,
    batch_size: int = BATCH_RECORDS,
) -> ImportReport:
    """Import HSDS from a path or http(s) URL; see the module docstring for the rules.

    ``table`` forces the object type of JSON records (otherwise told from their fields).
    ``on_progress(n)`` is called after each batch with the number of records it held, and
    ``on_stage(text)`` with what the import is doing once every record has been read (indexing
    the services for search and matching takes a fifth to a third of a large import). Raises
    linkwell.hsds.reader.SourceError when the source as a whole cannot be read.
    """
    report = ImportReport(source=source)
    importer = _Importer(report, atomic)
    started = time.perf_counter()

    def load(after_batch: Callable[[], None]) -> None:
        for prepared in _prepared(read_source(source, table=table), batch_size):
            report.records += len(prepared)
            importer.write_batch(prepared)
            if on_progress:
                on_progress(len(prepared))
            prepared.clear()  # the rows go now, before the collection
            after_batch()
        if atomic and report.problems:
            raise ImportAborted
        if on_stage:
            count = len(importer.affected_services)
            services = f"{count:,} service" + ("s" if count != 1 else "")
            on_stage(f"Indexing {services} for search and matching")
        if report.records >= ANALYZE_AFTER_RECORDS:
            _refresh_statistics(before_indexing=True)
        search_documents_rebuild(service_ids=importer.affected_services)
        if report.records >= ANALYZE_AFTER_RECORDS:
            _refresh_statistics()
        audit_log(
            action="directory.import",
            object_type="HsdsImport",
            object_id=source.rstrip("/").rsplit("/", 1)[-1][:64],
            actor=actor,
            detail={
                "source": source[:500],
                "records": report.records,
                "loaded": report.loaded,
                "refused": len(report.problems),
                "created": dict(report.created),
                "updated": dict(report.updated),
            },
        )

    if atomic:
        try:
            with (
                _young_collections_only() as after_batch,
                _import_cache(),
                transaction.atomic(),
            ):
                load(after_batch)
        except ImportAborted:
            report.rolled_back = True
            report.loaded = 0
            report.created.clear()
            report.updated.clear()
    else:
        with _young_collections_only() as after_batch, _import_cache():
            load(after_batch)
    report.seconds = time.perf_counter() - started
    return report


def hsds_import_objects(
    *, objects: Iterable[dict[str, Any]], table: str | None = None, actor: Any = None
) -> ImportReport:
    """Import HSDS objects already in memory (the demo, tests, other apps); same rules as a file.

    Raises ApplicationError naming the first refused object, changing nothing, so callers that
    build their own data learn of a mistake at once.
    """
    from linkwell.common.errors import ApplicationError

    report = ImportReport(source="objects")
    importer = _Importer(report, atomic=True)
    started = time.perf_counter()
    records = (Record(f"object {i}", table, obj) for i, obj in enumerate(objects))
    with transaction.atomic():
        for batch in _batched(records, BATCH_RECORDS):
            report.records += len(batch)
            importer.run_batch(batch)
            if report.problems:
                where, reason = report.problems[0]
                raise ApplicationError(f"{where}: {reason}", extra={"problems": report.problems})
        search_documents_rebuild(service_ids=importer.affected_services)
        audit_log(
            action="directory.import",
            object_type="HsdsImport",
            object_id="objects",
            actor=actor,
            detail={"records": report.records, "created": dict(report.created)},
        )
    report.seconds = time.perf_counter() - started
    return report
