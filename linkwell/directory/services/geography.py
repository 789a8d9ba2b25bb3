"""Loading postcode centroids for the offline geocoder."""

from __future__ import annotations

import csv
from pathlib import Path

from django.db import transaction

from linkwell.audit.services import audit_log
from linkwell.common.errors import ApplicationError
from linkwell.directory.models import Postcode
from linkwell.directory.search import normalise_postcode

BATCH = 5000


def _save(batch: list[Postcode]) -> None:
    Postcode.objects.bulk_create(
        batch,
        update_conflicts=True,
        unique_fields=["postcode"],
        update_fields=["latitude", "longitude"],
    )


@transaction.atomic
def postcodes_import(*, path: Path, actor: object = None) -> tuple[int, int]:
    """Load an ONS Postcode Directory CSV (columns pcds, lat, long); returns (loaded, skipped).

    Rows without a usable position (the ONSPD marks those with latitude 99.999999) are skipped.
    Re-loading updates positions in place.
    """
    loaded = skipped = 0
    batch: list[Postcode] = []
    with path.open(newline="", encoding="utf-8-sig") as f:
        reader = csv.DictReader(f)
        missing = {"pcds", "lat", "long"} - set(reader.fieldnames or [])
        if missing:
            raise ApplicationError(
                f"{path.name} lacks the ONS Postcode Directory columns: "
                f"{', '.join(sorted(missing))}."
            )
        for row in reader:
            try:
                lat, lon = float(row["lat"]), float(row["long"])
            except (TypeError, ValueError):
                skipped += 1
                continue
            code = normalise_postcode(row["pcds"] or "")
            if not code or len(code) > 8 or not (-90 <= lat <= 90) or not (-180 <= lon <= 180):
                skipped += 1
                continue
            batch.append(Postcode(postcode=code, latitude=lat, longitude=lon))
            if len(batch) >= BATCH:
                _save(batch)
                loaded += len(batch)
                batch = []
    if batch:
        _save(batch)
        loaded += len(batch)
    audit_log(
        action="postcodes.import",
        object_type="Postcode",
        object_id=path.name[:64],
        actor=actor,
        detail={"loaded": loaded, "skipped": skipped},
    )
    return loaded, skipped


@transaction.atomic
def postcodes_add(*, points: dict[str, tuple[float, float]]) -> int:
    """Add or move postcode centroids given in code (the demo's own area); returns how many."""
    rows = [
        Postcode(postcode=normalise_postcode(code), latitude=lat, longitude=lon)
        for code, (lat, lon) in points.items()
    ]
    for row in rows:
        row.full_clean()
    _save(rows)
    return len(rows)
