"""Building HSDS 3.0 JSON objects (nested) and CSV tables from the directory's rows.

``nest`` loads a batch of objects and everything nested in them with one query per nested table
and level, so exporting or paging through thousands of services stays a bounded number of queries.
Linkwell's facts about a service are written as attributes of the Linkwell taxonomy
(linkwell/hsds/linkwell_terms.py).
"""

from __future__ import annotations

import csv
import json
import uuid
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from linkwell.directory.models import (
    HSDS_MODELS,
    Organization,
    Service,
    ServiceDeliveryMode,
    ServiceNeed,
    ServiceProfile,
    TaxonomyTerm,
)

from . import linkwell_terms as lt
from .structure import (
    ARRAYS,
    NO_ATTRIBUTES,
    NO_METADATA,
    OBJECTS,
    column_names,
    columns,
    json_value,
    row_to_json,
)

# Which nested keys an object carries depends on where it sits; these are the shapes of the
# compiled schemas (schema/compiled/*.json) and of the API's list items.
FULL = "full"
LIST_ITEM = "list_item"

CHUNK = 500


def _attname(table: str, column: str) -> str:
    return next(c.attname for c in columns(table) if c.name == column)


def _rows(table: str, **lookup: Any) -> list[dict[str, Any]]:
    model = HSDS_MODELS[table]
    qs = model.objects.filter(**lookup).order_by("id")
    if table == "attribute":
        # Linkwell's own facts are written from the profile, never from stored copies.
        qs = qs.exclude(**{"taxonomy_term_id__in": list(lt.CODE_BY_TERM_ID)})
    return list(qs.values(*[c.attname for c in columns(table)]))


def _in_chunks(ids: list[Any]) -> Iterator[list[Any]]:
    for i in range(0, len(ids), 900):
        yield ids[i : i + 900]


def service_facts(service_ids: list[uuid.UUID]) -> dict[uuid.UUID, lt.ServiceFacts]:
    facts: dict[uuid.UUID, lt.ServiceFacts] = defaultdict(lt.ServiceFacts)
    for ids in _in_chunks(service_ids):
        for sid, need in ServiceNeed.objects.filter(service_id__in=ids).values_list(
            "service_id", "need"
        ):
            facts[sid].add("need", need)
        for sid, mode in ServiceDeliveryMode.objects.filter(service_id__in=ids).values_list(
            "service_id", "mode"
        ):
            facts[sid].add("delivery_mode", mode)
        for p in ServiceProfile.objects.filter(service_id__in=ids):
            f = facts[p.service_id]
            for community in p.eligibility_communities:
                f.add("community", community)
            for area in p.areas_served:
                f.add("area_served", area)
            f.add("access", p.access)
            f.add("cost", p.cost)
            if p.capacity is not None:
                f.add("capacity", str(p.capacity))
            if p.typical_wait_days is not None:
                f.add("typical_wait_days", str(p.typical_wait_days))
            if p.verified_at is not None:
                f.add("verified_at", p.verified_at.isoformat())
    return facts


def nest(
    table: str,
    rows: list[dict[str, Any]],
    *,
    shape: str = FULL,
    skip: frozenset[tuple[str, str]] = frozenset(),
    top: bool = True,
) -> list[dict[str, Any]]:
    """HSDS JSON objects for these rows (attname dicts), with their nested objects loaded.

    ``skip`` holds (table, key) pairs not to nest, which is how a service inside its organization
    leaves the organization out. ``top`` adds the extras only a top-level object has
    (organization.services, service_at_location.service).
    """
    objs = [row_to_json(table, r) for r in rows]
    if not rows:
        return objs
    ids = [r["id"] for r in rows]
    by_id: dict[Any, list[dict[str, Any]]] = defaultdict(list)
    for r, o in zip(rows, objs, strict=True):
        by_id[r["id"]].append(o)
    if shape == LIST_ITEM:
        arrays: list[tuple[str, str, str]] = []
        objects = [o for o in OBJECTS.get(table, []) if o[0] in ("organization", "program")]
        if table == "service_at_location":
            objects = list(OBJECTS["service_at_location"])
        child_shape = LIST_ITEM
    else:
        arrays = list(ARRAYS.get(table, []))
        objects = list(OBJECTS.get(table, []))
        child_shape = FULL
        if top and table == "organization":
            arrays.append(("services", "service", "organization_id"))
    for key, child, ref in arrays:
        if (table, key) in skip:
            continue
        att = _attname(child, ref)
        child_rows: list[dict[str, Any]] = []
        for chunk in _in_chunks(ids):
            child_rows += _rows(child, **{f"{att}__in": chunk})
        child_skip = skip | {(child, "organization")} if key == "services" else skip
        if child == "service_at_location":
            child_skip = child_skip | {("service_at_location", "service")}
        nested = nest(child, child_rows, shape=child_shape, skip=child_skip, top=False)
        grouped: dict[Any, list[dict[str, Any]]] = defaultdict(list)
        for r, o in zip(child_rows, nested, strict=True):
            grouped[r[att]].append(o)
        for pid, children in grouped.items():
            for o in by_id.get(pid, []):
                o[key] = children
    for key, target, ref in objects:
        if (table, key) in skip:
            continue
        att = _attname(table, ref)
        ref_ids = list({r[att] for r in rows if r[att] is not None})
        if not ref_ids:
            continue
        target_rows: list[dict[str, Any]] = []
        for chunk in _in_chunks(ref_ids):
            target_rows += _rows(target, id__in=chunk)
        sub_skip = skip
        if table == "service_at_location" and key == "service":
            sub_skip = skip | {("service", "service_at_locations")}
        nested = nest(target, target_rows, shape=child_shape, skip=sub_skip, top=False)
        found = {r["id"]: o for r, o in zip(target_rows, nested, strict=True)}
        for r, o in zip(rows, objs, strict=True):
            if r[att] in found:
                o[key] = found[r[att]]
    if shape == LIST_ITEM:
        return objs
    if table not in NO_ATTRIBUTES:
        attr_rows: list[dict[str, Any]] = []
        for chunk in _in_chunks(ids):
            attr_rows += _rows("attribute", link_id__in=chunk)
        nested = nest("attribute", attr_rows, skip=skip, top=False)
        for r, o in zip(attr_rows, nested, strict=True):
            for parent in by_id.get(r["link_id"], []):
                parent.setdefault("attributes", []).append(o)
        if table == "service":
            for sid, facts in service_facts(ids).items():
                for parent in by_id.get(sid, []):
                    extra = lt.facts_to_attributes(sid, facts)
                    parent.setdefault("attributes", []).extend(extra)
    if table not in NO_METADATA:
        meta_rows: list[dict[str, Any]] = []
        for chunk in _in_chunks(ids):
            meta_rows += _rows("metadata", resource_id__in=chunk)
        for r in meta_rows:
            for parent in by_id.get(r["resource_id"], []):
                parent.setdefault("metadata", []).append(row_to_json("metadata", r))
    return objs


def nest_by_ids(table: str, ids: list[Any], *, shape: str = FULL) -> list[dict[str, Any]]:
    """The objects with these ids, nested, in the order of ``ids``."""
    rows = _rows(table, id__in=ids)
    objs = nest(table, rows, shape=shape)
    order = {str(i): n for n, i in enumerate(ids)}
    return sorted(objs, key=lambda o: order.get(o["id"], 0))


def export_objects() -> Iterator[dict[str, Any]]:
    """The whole directory as top-level HSDS objects.

    Every organization (with its services, locations and programs), then services that belong to
    no organization, then taxonomy terms (each with its taxonomy) other than Linkwell's own.
    """
    org_ids = list(Organization.objects.order_by("id").values_list("id", flat=True))
    for i in range(0, len(org_ids), 50):
        yield from nest_by_ids("organization", org_ids[i : i + 50])
    orphan_ids = list(
        Service.objects.filter(organization__isnull=True)
        .order_by("id")
        .values_list("id", flat=True)
    )
    for i in range(0, len(orphan_ids), CHUNK):
        yield from nest_by_ids("service", orphan_ids[i : i + CHUNK])
    term_ids = list(
        TaxonomyTerm.objects.exclude(id__in=list(lt.CODE_BY_TERM_ID))
        .order_by("id")
        .values_list("id", flat=True)
    )
    for i in range(0, len(term_ids), CHUNK):
        yield from nest_by_ids("taxonomy_term", term_ids[i : i + CHUNK])


def write_json(out: IO[str]) -> int:
    """Write the directory as one JSON array of HSDS objects; returns how many were written."""
    count = 0
    out.write("[")
    for obj in export_objects():
        out.write(",\n" if count else "\n")
        json.dump(obj, out, ensure_ascii=False)
        count += 1
    out.write("\n]\n")
    return count


def _facts_rows() -> Iterator[dict[str, Any]]:
    """Linkwell's facts as rows of the attribute table, for the CSV package."""
    ids = list(Service.objects.order_by("id").values_list("id", flat=True))
    for chunk in _in_chunks(ids):
        for sid, facts in service_facts(chunk).items():
            for a in lt.facts_to_attributes(sid, facts):
                yield {k: v for k, v in a.items() if k != "taxonomy_term"}


def _table_rows(table: str) -> Iterator[dict[str, Any]]:
    model = HSDS_MODELS[table]
    qs = model.objects.order_by("id")
    # Linkwell's own taxonomy, terms and fact attributes are written from code and profiles.
    if table == "attribute":
        qs = qs.exclude(**{"taxonomy_term_id__in": list(lt.CODE_BY_TERM_ID)})
    elif table == "taxonomy_term":
        qs = qs.exclude(id__in=list(lt.CODE_BY_TERM_ID))
    elif table == "taxonomy":
        qs = qs.exclude(id=lt.TAXONOMY_ID)
    atts = [c.attname for c in columns(table)]
    names = column_names(table)
    for row in qs.values_list(*atts).iterator(chunk_size=2000):
        yield {n: json_value(v) for n, v in zip(names, row, strict=True)}
    if table == "attribute":
        yield from _facts_rows()
    elif table == "taxonomy":
        yield lt.TAXONOMY
    elif table == "taxonomy_term":
        for code in lt.TERMS:
            yield {k: v for k, v in lt.term_json(code).items() if k != "taxonomy_detail"}


def write_csv_package(folder: Path) -> dict[str, int]:
    """Write one CSV per HSDS table and a datapackage.json describing them; returns row counts."""
    folder.mkdir(parents=True, exist_ok=True)
    counts: dict[str, int] = {}
    resources = []
    for table in HSDS_MODELS:
        names = column_names(table)
        path = folder / f"{table}.csv"
        n = 0
        with path.open("w", newline="", encoding="utf-8") as f:
            writer = csv.DictWriter(f, fieldnames=names, extrasaction="ignore")
            writer.writeheader()
            for row in _table_rows(table):
                writer.writerow({k: ("" if v is None else v) for k, v in row.items()})
                n += 1
        counts[table] = n
        resources.append(
            {
                "name": table,
                "path": path.name,
                "profile": "tabular-data-resource",
                "schema": {
                    "fields": [{"name": c.name, "type": _csv_type(c.kind)} for c in columns(table)],
                    "primaryKey": "id",
                },
            }
        )
    package = {
        "name": "linkwell_directory",
        "title": "Linkwell community directory (HSDS 3.0)",
        "profile": "tabular-data-package",
        "version": "3.0",
        "resources": resources,
    }
    (folder / "datapackage.json").write_text(json.dumps(package, indent=2), encoding="utf-8")
    return counts


def _csv_type(kind: str) -> str:
    return {"number": "number", "uuid": "string"}.get(kind, "string")
