"""Volunteers API: a volunteer's own matches (minimal details), and for link workers the
suggestions for a person, confirming a match, reviewing it and ending it with a reason."""

from __future__ import annotations

import datetime as dt
from uuid import UUID

from django.http import HttpRequest
from ninja import Router, Schema

from linkwell.people.selectors import person_get_for_user

from . import selectors, services

router = Router()


class MyMatchOut(Schema):
    uuid: str
    first_name: str
    contact_preference: str
    agreed_plan_items: list[str]
    started_on: dt.date


class VolunteerSuggestionOut(Schema):
    volunteer: UUID
    role: str
    score: int
    reasons: list[str]


class MatchIn(Schema):
    person: UUID
    volunteer: UUID
    agreed_plan_items: list[str]


class VolunteerMatchOut(Schema):
    uuid: UUID
    person: UUID
    volunteer: UUID
    status: str
    agreed_plan_items: list[str]
    started_on: dt.date
    ended_on: dt.date | None = None
    end_reason: str = ""


class ReviewIn(Schema):
    going_well: bool
    notes: str = ""


class EndIn(Schema):
    reason: str
    note: str = ""


def _match_out(match) -> dict:  # type: ignore[no-untyped-def]
    return {
        "uuid": match.uuid,
        "person": match.person.uuid,
        "volunteer": match.volunteer.uuid,
        "status": match.status,
        "agreed_plan_items": match.agreed_plan_items,
        "started_on": match.started_on,
        "ended_on": match.ended_on,
        "end_reason": match.end_reason,
    }


@router.get("/me/matches", response=list[MyMatchOut])
def my_matches(request: HttpRequest) -> list[selectors.MyMatch]:
    return selectors.my_matches_for_volunteer(user=request.user)


@router.get("/suggestions/{person_uuid}", response=list[VolunteerSuggestionOut])
def suggestions(
    request: HttpRequest, person_uuid: UUID, interests: str = "", availability: str = ""
) -> list[dict]:
    person = person_get_for_user(user=request.user, person_uuid=person_uuid)
    found = selectors.match_suggestions_for_person(
        user=request.user,
        person=person,
        interests=interests.split(","),
        availability=availability.split(","),
    )
    return [
        {
            "volunteer": s.volunteer.uuid,
            "role": s.volunteer.role,
            "score": s.score,
            "reasons": s.reasons,
        }
        for s in found
    ]


@router.post("/matches", response={201: VolunteerMatchOut})
def match_create(request: HttpRequest, payload: MatchIn) -> tuple[int, dict]:
    person = person_get_for_user(user=request.user, person_uuid=payload.person)
    volunteer = selectors.volunteer_get_for_user(
        user=request.user, volunteer_uuid=payload.volunteer
    )
    match = services.match_create(
        actor=request.user,  # type: ignore[arg-type]
        volunteer=volunteer,
        person=person,
        agreed_plan_items=payload.agreed_plan_items,
    )
    return 201, _match_out(match)


@router.post("/matches/{match_uuid}/reviews", response={201: dict})
def match_review(request: HttpRequest, match_uuid: UUID, payload: ReviewIn) -> tuple[int, dict]:
    match = selectors.match_get_for_user(user=request.user, match_uuid=match_uuid)
    review = services.match_review_add(
        match=match,
        actor=request.user,  # type: ignore[arg-type]
        going_well=payload.going_well,
        notes=payload.notes,
    )
    return 201, {"uuid": str(review.uuid), "reviewed_on": review.reviewed_on.isoformat()}


@router.post("/matches/{match_uuid}/end", response=VolunteerMatchOut)
def match_end(request: HttpRequest, match_uuid: UUID, payload: EndIn) -> dict:
    match = selectors.match_get_for_user(user=request.user, match_uuid=match_uuid)
    ended = services.match_end(
        match=match,
        actor=request.user,  # type: ignore[arg-type]
        reason=payload.reason,
        note=payload.note,
    )
    return _match_out(ended)
