"""/api/v1/instruments: the validated measures as data, and scoring without storing."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema

from .instruments import REGISTRY, get_instrument

router = Router()


class ScoreIn(Schema):
    # Any: each answer is checked by the instrument, so a bad one gets a message naming its item.
    answers: list[Any]


class ScoreOut(Schema):
    instrument: str
    complete: bool
    answered: int
    total: int | None
    metric: float | None
    bands: dict[str, str]
    severity: str | None
    flags: list[str]
    item_scores: dict[str, int | None]
    note: str


@router.get("/", summary="List the validated instruments")
def instrument_list(request: HttpRequest) -> list[dict[str, Any]]:
    return [instrument.describe() for instrument in REGISTRY.values()]


@router.get("/{code}", summary="One instrument: items, answer options, codes and licence")
def instrument_detail(request: HttpRequest, code: str) -> dict[str, Any]:
    return get_instrument(code).describe()


@router.post(
    "/{code}/score",
    response=ScoreOut,
    summary="Score answers without storing them",
    description=(
        "One answer per item, in item order: an option value, or null for an unanswered item. "
        "Incomplete forms are handled as each instrument's rules require (SWEMWBS, WEMWBS, PHQ-9 "
        "and GAD-7 are scored only when complete; ONS4 items are reported separately)."
    ),
)
def instrument_score(request: HttpRequest, code: str, payload: ScoreIn) -> dict[str, Any]:
    return get_instrument(code).score(payload.answers).as_dict()
