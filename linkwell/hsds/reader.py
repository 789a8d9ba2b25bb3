"""Reading HSDS from a file or URL as a stream of records, whatever its shape.

Shapes: a JSON single object, a JSON array of objects, a JSON page of the HSDS API
(``{"total_items", "contents": [...]}``; from a URL the following pages are fetched too), and the
tabular CSV data package (a folder or its ``datapackage.json``). JSON is parsed with ijson, so a
large file never sits in memory whole.
"""

from __future__ import annotations

import csv
import json
import shutil
import tempfile
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import ijson

from linkwell.directory.models import HSDS_MODELS


class SourceError(Exception):
    """The source as a whole cannot be read (not a record-level problem)."""


@dataclass
class Record:
    where: str  # "file.json item 3" or "services.csv line 12": where a problem is reported
    table: str | None  # the HSDS table, or None to tell from the object's fields
    data: Any
    from_text: bool = False  # CSV cells: every value is a string


def detect_table(obj: dict[str, Any]) -> str | None:
    """Which HSDS object a top-level JSON object is, from the fields only that object has."""
    if "status" in obj or "service_at_locations" in obj:
        return "service"
    if "location_type" in obj:
        return "location"
    if "service" in obj or "location" in obj or ("service_id" in obj and "location_id" in obj):
        return "service_at_location"
    if {"taxonomy_detail", "taxonomy_id", "term_uri", "parent_id", "code"} & obj.keys():
        return "taxonomy_term"
    if {
        "services",
        "website",
        "organization_identifiers",
        "legal_status",
        "locations",
    } & obj.keys():
        return "organization"
    if {"id", "name", "description"} <= obj.keys():
        return "organization"
    return None


def _is_url(source: str) -> bool:
    return urllib.parse.urlparse(source).scheme in {"http", "https"}


def _download(url: str) -> Path:
    """Fetch a URL to a temporary file, streaming; the caller deletes it."""
    if not _is_url(url):
        raise SourceError(f"Only http and https URLs can be imported, not {url!r}.")
    try:
        with (
            urllib.request.urlopen(url, timeout=60) as response,  # noqa: S310  # scheme checked
            tempfile.NamedTemporaryFile(delete=False, suffix=".json") as out,
        ):
            shutil.copyfileobj(response, out, length=1 << 20)
            return Path(out.name)
    except OSError as exc:
        raise SourceError(f"Could not fetch {url}: {exc}") from exc


def _first_char(f: IO[bytes]) -> bytes:
    while True:
        c = f.read(1)
        if not c:
            return b""
        if not c.isspace() and c != b"\xef" and c != b"\xbb" and c != b"\xbf":
            return c


def _is_page(path: Path) -> bool:
    """True when the top-level object has a "contents" key (the API's paginated shape)."""
    with path.open("rb") as f:
        depth = 0
        try:
            for _prefix, event, value in ijson.parse(f):
                if event in ("start_map", "start_array"):
                    depth += 1
                elif event in ("end_map", "end_array"):
                    depth -= 1
                    if depth == 0:
                        return False
                elif event == "map_key" and depth == 1 and value == "contents":
                    return True
        except ijson.JSONError as exc:
            raise SourceError(f"{path.name} is not valid JSON: {exc}") from exc
    return False


def _json_records(path: Path, label: str, table: str | None) -> Iterator[Record]:
    with path.open("rb") as f:
        first = _first_char(f)
    try:
        if first == b"[":
            with path.open("rb") as f:
                for i, item in enumerate(ijson.items(f, "item", use_float=True)):
                    yield Record(f"{label} item {i}", table, item)
        elif first == b"{":
            if _is_page(path):
                with path.open("rb") as f:
                    for i, item in enumerate(ijson.items(f, "contents.item", use_float=True)):
                        yield Record(f"{label} contents[{i}]", table, item)
            else:
                with path.open("rb") as f:
                    obj = next(ijson.items(f, "", use_float=True))
                yield Record(label, table, obj)
        else:
            raise SourceError(f"{label} is neither a JSON object, array nor a CSV data package.")
    except ijson.JSONError as exc:
        raise SourceError(f"{label} stops being valid JSON: {exc}") from exc


def _page_info(path: Path) -> tuple[int, int]:
    with path.open("rb") as f:
        page = number = 0
        for prefix, event, value in ijson.parse(f):
            if prefix == "page_number" and event == "number":
                number = int(value)
            elif prefix == "total_pages" and event == "number":
                page = int(value)
        return number, page


def _with_page(url: str, page: int) -> str:
    parts = urllib.parse.urlparse(url)
    query = dict(urllib.parse.parse_qsl(parts.query))
    query["page"] = str(page)
    return urllib.parse.urlunparse(parts._replace(query=urllib.parse.urlencode(query)))


# File names a CSV folder without datapackage.json may use for a table (HSDS 3.0 and the UK
# profile name some tables in the singular and some in the plural).
PLURALS = {
    "taxonomy": "taxonomies",
    "address": "addresses",
    "accessibility": "accessibility",
    "funding": "funding",
    "metadata": "metadata",
    "service_capacity": "service_capacities",
}


def _guess_package(folder: Path) -> dict[str, Any]:
    resources = []
    for table in HSDS_MODELS:
        for name in (table, PLURALS.get(table, f"{table}s")):
            if (folder / f"{name}.csv").is_file():
                resources.append({"name": table, "path": f"{name}.csv"})
                break
    return {"resources": resources}


def _datapackage(path: Path) -> tuple[Path, dict[str, Any]]:
    folder = path if path.is_dir() else path.parent
    descriptor = folder / "datapackage.json"
    if not descriptor.exists():
        return folder, _guess_package(folder)
    text = descriptor.read_text(encoding="utf-8").strip()
    if not text.startswith("{"):
        # A checkout on a file system without symlinks keeps the link's target as text.
        target = (folder / text).resolve()
        if not target.is_file():
            raise SourceError(f"{descriptor} is neither JSON nor a link to a datapackage.json.")
        text = target.read_text(encoding="utf-8")
    try:
        return folder, json.loads(text)
    except json.JSONDecodeError as exc:
        raise SourceError(f"{descriptor} is not valid JSON: {exc}") from exc


def _csv_rows(path: Path, table: str) -> Iterator[Record]:
    with path.open(newline="", encoding="utf-8-sig") as f:
        reader = csv.reader(f)
        header = next(reader, None)
        if header is None:
            return
        for values in reader:
            if not any(v.strip() for v in values):
                continue  # blank lines between rows
            row = dict(zip(header, values, strict=False))
            yield Record(f"{path.name} line {reader.line_num}", table, row, from_text=True)


def read_source(source: str, *, table: str | None = None) -> Iterator[Record]:
    """Every record in the source, in an order where referenced tables come first for CSV."""
    if _is_url(source):
        url: str | None = source
        while url:
            tmp = _download(url)
            try:
                yield from _json_records(tmp, url, table)
                number, pages = _page_info(tmp) if _is_page(tmp) else (0, 0)
            finally:
                tmp.unlink(missing_ok=True)
            url = _with_page(url, number + 1) if pages and number and number < pages else None
        return
    path = Path(source)
    if not path.exists():
        raise SourceError(f"{source} does not exist.")
    if path.is_dir() or path.name == "datapackage.json":
        folder, package = _datapackage(path)
        tables = {
            r["name"]: folder / r["path"]
            for r in package.get("resources", [])
            if r.get("name") in HSDS_MODELS and r.get("path") and (folder / r["path"]).exists()
        }
        if not tables:
            raise SourceError(f"{folder}: no HSDS table (CSV file) found in the folder.")
        for name in HSDS_MODELS:
            if name in tables:
                yield from _csv_rows(tables[name], name)
        return
    yield from _json_records(path, path.name, table)
