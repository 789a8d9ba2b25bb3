"""Validators built from the official HSDS files in the shared folder (never copied here)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

BASE = "https://raw.githubusercontent.com/openreferral/specification/3.0/schema/"


@cache
def registry(spec_dir: Path) -> Registry:
    resources = []
    schema_dir = spec_dir / "schema"
    for path in [*schema_dir.glob("*.json"), *(schema_dir / "compiled").glob("*.json")]:
        if path.name == "openapi.json":
            continue
        contents = json.loads(path.read_text())
        uri = BASE + str(path.relative_to(schema_dir))
        resources.append((uri, Resource.from_contents(contents, default_specification=DRAFT202012)))
    return Registry().with_resources(resources)


def validator(spec_dir: Path, relative: str) -> Draft202012Validator:
    return Draft202012Validator({"$ref": BASE + relative}, registry=registry(spec_dir))


def openapi_validator(spec_dir: Path, path: str, method: str = "get") -> Draft202012Validator:
    """The 200 response schema of an operation in schema/openapi.json."""
    openapi = json.loads((spec_dir / "schema" / "openapi.json").read_text())
    schema = openapi["paths"][path][method]["responses"]["200"]["content"]["application/json"][
        "schema"
    ]
    document = {**schema, "components": openapi.get("components", {})}
    return Draft202012Validator(document, registry=registry(spec_dir))


def errors(v: Draft202012Validator, instance: Any) -> list[str]:
    return [f"{list(e.absolute_path)}: {e.message}" for e in v.iter_errors(instance)]


def is_subset(small: Any, big: Any, path: str = "") -> list[str]:
    """Where ``small`` has something ``big`` lacks; arrays of objects are matched by id."""
    if isinstance(small, dict):
        if not isinstance(big, dict):
            return [f"{path}: not an object"]
        out = []
        for k, v in small.items():
            if v in ([], None):
                continue
            if k not in big:
                out.append(f"{path}.{k}: missing")
            else:
                out += is_subset(v, big[k], f"{path}.{k}")
        return out
    if isinstance(small, list):
        if not isinstance(big, list):
            return [f"{path}: not an array"]
        if all(isinstance(i, dict) and "id" in i for i in small):
            by_id = {i.get("id"): i for i in big if isinstance(i, dict)}
            out = []
            for item in small:
                if item["id"] not in by_id:
                    out.append(f"{path}[{item['id']}]: missing")
                else:
                    out += is_subset(item, by_id[item["id"]], f"{path}[{item['id']}]")
            return out
        return [] if sorted(map(str, small)) == sorted(map(str, big)) else [f"{path}: differs"]
    if isinstance(small, int | float) and isinstance(big, int | float):
        return [] if float(small) == float(big) else [f"{path}: {small} != {big}"]
    return [] if small == big else [f"{path}: {small!r} != {big!r}"]
