"""Volunteers API: a volunteer's own matches, minimal details only."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from ninja import Router, Schema

from . import selectors

router = Router()


class MyMatchOut(Schema):
    uuid: str
    first_name: str
    contact_preference: str
    agreed_plan_items: list[str]
    started_on: dt.date


@router.get("/me/matches", response=list[MyMatchOut])
def my_matches(request: HttpRequest) -> list[selectors.MyMatch]:
    return selectors.my_matches_for_volunteer(user=request.user)
