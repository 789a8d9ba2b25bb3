"""Writing report data: a service imports its local population baseline."""

from __future__ import annotations

import csv
import io
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from linkwell.accounts.models import Organisation, Role
from linkwell.audit.services import audit_log
from linkwell.common.errors import Forbidden

from .models import Dimension, PopulationBaseline
from .selectors import AGE_BANDS, AGE_UNKNOWN, ETHNIC_GROUPS

VALID_CATEGORIES: dict[str, set[str]] = {
    Dimension.ETHNICITY: set(ETHNIC_GROUPS),
    Dimension.AGE_BAND: {b[0] for b in AGE_BANDS} | {AGE_UNKNOWN},
    Dimension.SEX: {"female", "male", "intersex", "not_stated", "unknown"},
    Dimension.DEPRIVATION: {str(n) for n in range(1, 11)},
}
MAX_BASELINE_BYTES = 200_000


@transaction.atomic
def population_baseline_import(
    *, user: Any, organisation: Organisation, csv_text: str, source: str = ""
) -> int:
    """Replace the organisation's baseline with a CSV of ``dimension,category,population`` rows.

    Dimensions: ethnicity (white, mixed, asian, black, other, not_stated), age_band (0-17 ...
    75+), sex (female, male, ...), deprivation (1-10). Any bad row rejects the whole file.
    """
    allowed = (
        user.role == Role.SUPERVISOR and user.team and user.team.organisation_id == organisation.pk
    )
    allowed = allowed or (user.role == Role.ADMIN and user.organisation_id == organisation.pk)
    if not allowed:
        raise Forbidden("Only the service's supervisors and administrators can import a baseline.")
    if len(csv_text.encode()) > MAX_BASELINE_BYTES:
        raise ValidationError("The file is too large: a baseline has at most a few dozen rows.")
    reader = csv.DictReader(io.StringIO(csv_text.lstrip("\ufeff")))
    if not reader.fieldnames or {"dimension", "category", "population"} - {
        (f or "").strip().lower() for f in reader.fieldnames
    }:
        raise ValidationError("The first line must be the headings: dimension,category,population")
    rows: dict[tuple[str, str], int] = {}
    errors: list[str] = []
    for line, raw in enumerate(reader, start=2):
        row = {(k or "").strip().lower(): (v or "").strip() for k, v in raw.items()}
        dim, cat, pop = row["dimension"].lower(), row["category"].lower(), row["population"]
        if dim not in VALID_CATEGORIES:
            errors.append(f"Line {line}: dimension must be one of {', '.join(VALID_CATEGORIES)}.")
            continue
        if cat not in VALID_CATEGORIES[dim]:
            choices = ", ".join(sorted(VALID_CATEGORIES[dim]))
            errors.append(f"Line {line}: category for {dim} must be one of {choices}.")
            continue
        if not pop.isdigit():
            errors.append(f"Line {line}: population must be a whole number of people.")
            continue
        if (dim, cat) in rows:
            errors.append(f"Line {line}: {dim} {cat} appears twice.")
            continue
        rows[(dim, cat)] = int(pop)
    if errors:
        raise ValidationError(errors)
    if not rows:
        raise ValidationError("The file has no rows of figures.")
    PopulationBaseline.objects.filter(organisation=organisation).delete()
    for (dim, cat), pop in rows.items():
        item = PopulationBaseline(
            organisation=organisation, dimension=dim, category=cat, population=pop, source=source
        )
        item.full_clean()
        item.save()
    audit_log(
        action="update",
        obj=organisation,
        actor=user,
        detail={"population_baseline_rows": len(rows), "source": source[:200]},
    )
    return len(rows)
