"""/api/v1/outcomes: Talking Therapies change."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema

from .talking_therapies import talking_therapies_change

router = Router()


class TalkingTherapiesIn(Schema):
    # Any: the pairs are checked by talking_therapies_change so the message names the measure.
    phq9: Any = None
    gad7: Any = None


class TalkingTherapiesOut(Schema):
    measures: list[str]
    caseness_start: bool
    caseness_end: bool
    phq9_caseness_start: bool | None
    phq9_caseness_end: bool | None
    gad7_caseness_start: bool | None
    gad7_caseness_end: bool | None
    phq9_change: int | None
    gad7_change: int | None
    reliable_improvement: bool
    reliable_deterioration: bool
    recovery: bool | None
    reliable_recovery: bool | None
    in_recovery_denominator: bool


@router.post(
    "/talking-therapies-change",
    response=TalkingTherapiesOut,
    summary="NHS Talking Therapies caseness, reliable change and recovery from paired totals",
)
def talking_therapies_change_api(
    request: HttpRequest, payload: TalkingTherapiesIn
) -> dict[str, Any]:
    return talking_therapies_change(phq9=payload.phq9, gad7=payload.gad7).as_dict()
