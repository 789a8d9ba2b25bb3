"""How HSDS 3.0 objects nest in JSON and how their fields map to the directory's tables.

The tabular form (one row per object, references by id) is what the database holds; the JSON
form nests children under their parent. This module is the one place that knows the nesting, so
the importer, the exporter and the public API agree. Mapping only: no business rules here.
"""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass
from functools import cache
from typing import Any

from django.db import models

from linkwell.directory.models import HSDS_MODELS, HsdsModel

# Arrays nested under an object: (JSON key, child table, the child's column naming the parent).
ARRAYS: dict[str, list[tuple[str, str, str]]] = {
    "organization": [
        ("funding", "funding", "organization_id"),
        ("contacts", "contact", "organization_id"),
        ("phones", "phone", "organization_id"),
        ("locations", "location", "organization_id"),
        ("programs", "program", "organization_id"),
        ("organization_identifiers", "organization_identifier", "organization_id"),
        ("additional_websites", "url", "organization_id"),  # HSDS 3.1
    ],
    "service": [
        ("phones", "phone", "service_id"),
        ("schedules", "schedule", "service_id"),
        ("service_areas", "service_area", "service_id"),
        ("service_at_locations", "service_at_location", "service_id"),
        ("languages", "language", "service_id"),
        ("funding", "funding", "service_id"),
        ("cost_options", "cost_option", "service_id"),
        ("required_documents", "required_document", "service_id"),
        ("contacts", "contact", "service_id"),
        ("capacities", "service_capacity", "service_id"),  # HSDS 3.1
        ("additional_urls", "url", "service_id"),  # HSDS 3.1
    ],
    "service_at_location": [
        ("contacts", "contact", "service_at_location_id"),
        ("phones", "phone", "service_at_location_id"),
        ("schedules", "schedule", "service_at_location_id"),
    ],
    "location": [
        ("languages", "language", "location_id"),
        ("addresses", "address", "location_id"),
        ("contacts", "contact", "location_id"),
        ("accessibility", "accessibility", "location_id"),
        ("phones", "phone", "location_id"),
        ("schedules", "schedule", "location_id"),
    ],
    "contact": [("phones", "phone", "contact_id")],
    "phone": [("languages", "language", "phone_id")],
}
# Single objects nested by reference: (JSON key, referenced table, this object's reference column).
OBJECTS: dict[str, list[tuple[str, str, str]]] = {
    "service": [
        ("organization", "organization", "organization_id"),
        ("program", "program", "program_id"),
    ],
    "service_at_location": [
        ("location", "location", "location_id"),
        ("service", "service", "service_id"),
    ],
    "attribute": [("taxonomy_term", "taxonomy_term", "taxonomy_term_id")],
    "taxonomy_term": [("taxonomy_detail", "taxonomy", "taxonomy_id")],
    "service_capacity": [("unit", "unit", "unit_id")],
}
# Tables without attributes of their own (HSDS 3.0); every other table has attributes[].
NO_ATTRIBUTES = {"attribute", "metadata", "taxonomy", "taxonomy_term"}
NO_METADATA = {"metadata"}
# Columns the directory keeps for Linkwell that are not part of HSDS.
LINKWELL_COLUMNS = {"linkwell_updated_at", "linkwell_organisation_id", "edits_need_review"}
# A single text value above this is refused: no real listing needs it, and pages must stay fast.
MAX_TEXT_LENGTH = 65_536


@dataclass(frozen=True)
class Column:
    name: str  # the HSDS field name (the database column)
    attname: str  # the model attribute holding it
    kind: str  # "uuid", "text", "number", "enum"
    required: bool
    choices: tuple[str, ...] = ()


@cache
def columns(table: str) -> tuple[Column, ...]:
    model = HSDS_MODELS[table]
    out = []
    for field in model._meta.concrete_fields:
        if field.column in LINKWELL_COLUMNS:
            continue
        if isinstance(field, models.UUIDField | models.ForeignKey):
            kind = "uuid"
        elif isinstance(field, models.FloatField):
            kind = "number"
        elif field.choices:
            kind = "enum"
        else:
            kind = "text"
        required = field.primary_key or not field.null
        choices = tuple(str(c[0]) for c in field.choices) if field.choices else ()
        out.append(Column(str(field.column), field.attname, kind, required, choices))
    return tuple(out)


@cache
def column_names(table: str) -> tuple[str, ...]:
    return tuple(c.name for c in columns(table))


def model_for(table: str) -> type[HsdsModel]:
    return HSDS_MODELS[table]


class FieldProblem(ValueError):
    """A value that does not fit its HSDS field; the message names the field and the reason."""


def _as_uuid(value: Any, where: str) -> uuid.UUID:
    if isinstance(value, uuid.UUID):
        return value
    if not isinstance(value, str):
        raise FieldProblem(f"{where}: expected a UUID string, got {type(value).__name__}")
    try:
        return uuid.UUID(value)
    except ValueError:
        raise FieldProblem(f"{where}: {value[:60]!r} is not a UUID (HSDS ids are UUIDs)") from None


@cache
def _checks(table: str) -> tuple[tuple[str, str, str, bool, frozenset[str], str], ...]:
    """Per column: (name, attname, kind, required, choices, choices as text), for clean_row."""
    return tuple(
        (c.name, c.attname, c.kind, c.required, frozenset(c.choices), ", ".join(c.choices))
        for c in columns(table)
    )


def clean_row(
    table: str,
    raw: dict[str, Any],
    *,
    where: str,
    from_text: bool,
    fill: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Check one object's scalar fields against its table and return {attname: python value}.

    ``from_text`` is true for CSV cells: numbers arrive as strings and an empty cell is absent.
    ``fill`` gives values for fields the object leaves out (a nested child's reference to its
    parent). Raises FieldProblem with the field's path and the reason.
    """
    if not from_text:
        row = _clean_json(table, raw, fill)
        if row is not None:
            return row
    # CSV cells, or a problem to report: every column in order, so the first problem is named.
    if fill:
        raw = {**raw, **{k: v for k, v in fill.items() if raw.get(k) is None}}
    return _clean_checked(table, raw, where, from_text)


@cache
def _json_shape(
    table: str,
) -> tuple[dict[str, tuple[str, str, frozenset[str]]], tuple[str, ...], dict[str, Any]]:
    """({field: (attname, kind, choices)}, attnames of required fields, an empty row)."""
    checks = _checks(table)
    fields = {name: (attname, kind, choices) for name, attname, kind, _, choices, _ in checks}
    required = tuple(attname for _, attname, _, required, _, _ in checks if required)
    return fields, required, dict.fromkeys(attname for _, attname, *_ in checks)


def _clean_json(
    table: str, raw: dict[str, Any], fill: dict[str, Any] | None
) -> dict[str, Any] | None:
    """clean_row for a JSON object that fits its table, reading only the fields it carries (most
    of a table's columns are optional and absent); None when any value does not fit, so that
    _clean_checked can name the first problem."""
    fields, required, empty = _json_shape(table)
    row: dict[str, Any] = empty.copy()
    items = list(raw.items())
    if fill:
        items += [(k, v) for k, v in fill.items() if raw.get(k) is None]
    for name, value in items:
        spec = fields.get(name)
        if spec is None or value is None:
            continue
        attname, kind, choices = spec
        kind_of_value = type(value)
        if kind == "text" or kind == "enum":
            if kind_of_value is not str or len(value) > MAX_TEXT_LENGTH:
                return None
            if kind == "enum" and value not in choices:
                return None
            row[attname] = value
        elif kind == "uuid":
            if kind_of_value is str:
                try:
                    row[attname] = uuid.UUID(value)
                except ValueError:
                    return None
            elif kind_of_value is uuid.UUID:
                row[attname] = value
            else:
                return None
        elif kind_of_value is int or (kind_of_value is float and math.isfinite(value)):
            row[attname] = float(value)
        else:
            return None
    for attname in required:
        if row[attname] is None:
            return None
    return row


def _clean_checked(table: str, raw: dict[str, Any], where: str, from_text: bool) -> dict[str, Any]:
    row: dict[str, Any] = {}
    get = raw.get
    for name, attname, kind, required, choices, choice_text in _checks(table):
        value = get(name)
        if value is None or (from_text and value == ""):
            if required:
                raise FieldProblem(f"{where}.{name}: required by HSDS but missing")
            row[attname] = None
        elif kind == "text" or kind == "enum":
            if not isinstance(value, str):  # a number where HSDS wants text
                raise FieldProblem(f"{where}.{name}: expected text, got {type(value).__name__}")
            if len(value) > MAX_TEXT_LENGTH:
                raise FieldProblem(
                    f"{where}.{name}: {len(value):,} characters, more than the"
                    f" {MAX_TEXT_LENGTH:,} allowed"
                )
            if kind == "enum" and value not in choices:
                raise FieldProblem(f"{where}.{name}: {value[:60]!r} is not one of {choice_text}")
            row[attname] = value
        elif kind == "uuid":
            if type(value) is str:
                row[attname] = _uuid_text(value, where, name)
            else:
                row[attname] = _as_uuid(value, f"{where}.{name}")
        else:  # number
            if from_text and isinstance(value, str):
                text = value
                try:
                    value = float(text)
                except ValueError:
                    raise FieldProblem(f"{where}.{name}: {text[:60]!r} is not a number") from None
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise FieldProblem(f"{where}.{name}: expected a number, got {type(value).__name__}")
            if not math.isfinite(value):
                raise FieldProblem(f"{where}.{name}: must be a finite number")
            row[attname] = float(value)
    return row


def _uuid_text(value: str, where: str, name: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError:
        raise FieldProblem(
            f"{where}.{name}: {value[:60]!r} is not a UUID (HSDS ids are UUIDs)"
        ) from None


def json_value(value: Any) -> Any:
    """A stored value as HSDS JSON: UUIDs as strings, whole numbers without a decimal point."""
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    return value


def row_to_json(table: str, row: dict[str, Any]) -> dict[str, Any]:
    """A database row (keyed by attname) as an HSDS object's scalar fields; nulls are left out."""
    out: dict[str, Any] = {}
    for col in columns(table):
        value = row.get(col.attname)
        if value is not None:
            out[col.name] = json_value(value)
    return out
