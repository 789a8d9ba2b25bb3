"""/api/v1/outcomes: Talking Therapies change, stored responses, change, FHIR export, risk
flags. Access is decided in the selectors; records a user may not see are 404."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast
from uuid import UUID

from django.http import HttpRequest
from ninja import Router, Schema

from linkwell.accounts.models import User

from . import fhir, selectors, services
from .models import Occasion, QuestionnaireResponse, RiskFlag
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


class ResponseIn(Schema):
    instrument: str
    answers: list[Any]
    occasion: str = Occasion.ADHOC
    # A due measure's uuid: the response completes it and takes its occasion.
    due: UUID | None = None


class ResponseOut(Schema):
    uuid: UUID
    instrument: str
    occasion: str
    answers: list[Any]
    complete: bool
    total: int | None
    metric: float | None
    bands: dict[str, str]
    severity: str
    flags: list[str]
    completed_at: datetime
    self_completed: bool


class RiskFlagOut(Schema):
    uuid: UUID
    episode: UUID
    kind: str
    detail: str
    status: str
    response_text: str
    responded_at: datetime | None
    created_at: datetime


class RiskFlagRespondIn(Schema):
    response_text: str


def _response_out(r: QuestionnaireResponse) -> dict[str, Any]:
    return {
        "uuid": r.uuid,
        "instrument": r.instrument_code,
        "occasion": r.occasion,
        "answers": r.answers,
        "complete": r.complete,
        "total": r.total,
        "metric": float(r.metric) if r.metric is not None else None,
        "bands": r.bands,
        "severity": r.severity,
        "flags": r.flags,
        "completed_at": r.completed_at,
        "self_completed": r.self_completed,
    }


def _flag_out(f: RiskFlag) -> dict[str, Any]:
    return {
        "uuid": f.uuid,
        "episode": f.episode.uuid,
        "kind": f.kind,
        "detail": f.detail,
        "status": f.status,
        "response_text": f.response_text,
        "responded_at": f.responded_at,
        "created_at": f.created_at,
    }


@router.get("/episodes/{episode_uuid}", summary="An episode's due measures, responses and change")
def episode_outcomes_api(request: HttpRequest, episode_uuid: UUID) -> dict[str, Any]:
    data = selectors.episode_outcomes_get_for_user(user=request.user, episode_uuid=episode_uuid)
    return {
        "episode": str(data.episode.uuid),
        "due": [
            {
                "uuid": str(d.uuid),
                "instrument": d.instrument_code,
                "occasion": d.occasion,
                "due_on": d.due_on.isoformat(),
                "status": d.status,
            }
            for d in data.due
        ],
        "responses": [
            ResponseOut(**_response_out(r)).model_dump(mode="json") for r in data.responses
        ],
        "change": data.change.as_dict(),
        "risk_flags": [
            RiskFlagOut(**_flag_out(f)).model_dump(mode="json") for f in data.risk_flags
        ],
    }


@router.post(
    "/episodes/{episode_uuid}/responses",
    response={201: ResponseOut},
    summary="Store a completed questionnaire for an episode (scored on the way in)",
)
def response_create_api(
    request: HttpRequest, episode_uuid: UUID, payload: ResponseIn
) -> tuple[int, dict[str, Any]]:
    user = cast(User, request.user)
    episode = selectors.outcomes_episode_get_for_user(user=user, episode_uuid=episode_uuid)
    due = (
        selectors.due_measure_get_for_user(user=user, due_uuid=payload.due) if payload.due else None
    )
    response = services.response_record(
        episode=episode,
        instrument_code=payload.instrument,
        answers=payload.answers,
        occasion=payload.occasion,
        actor=user,
        due=due,
    )
    return 201, _response_out(response)


@router.get("/people/{person_uuid}/change", summary="Change per episode for one person")
def person_change_api(request: HttpRequest, person_uuid: UUID) -> list[dict[str, Any]]:
    episodes = selectors.person_change_for_user(user=request.user, person_uuid=person_uuid)
    return [
        {"episode": str(e.episode.uuid), "number": e.episode.number, **e.change.as_dict()}
        for e in episodes
    ]


@router.get(
    "/responses/{response_uuid}/fhir",
    summary="FHIR R4 Bundle: the QuestionnaireResponse and, if scored, its Observation",
)
def response_fhir_api(request: HttpRequest, response_uuid: UUID) -> dict[str, Any]:
    response = selectors.response_get_for_user(user=request.user, response_uuid=response_uuid)
    entries = [{"resource": fhir.questionnaire_response_resource(response)}]
    if response.complete or response.bands:
        entries.append({"resource": fhir.observation_resource(response)})
    return {"resourceType": "Bundle", "type": "collection", "entry": entries}


@router.get("/risk-flags", response=list[RiskFlagOut], summary="Open risk flags of your team")
def risk_flag_list_api(request: HttpRequest) -> list[dict[str, Any]]:
    return [_flag_out(f) for f in selectors.risk_flag_list_for_user(user=request.user)]


@router.post(
    "/risk-flags/{flag_uuid}/respond",
    response=RiskFlagOut,
    summary="A supervisor records the response to a risk flag",
)
def risk_flag_respond_api(
    request: HttpRequest, flag_uuid: UUID, payload: RiskFlagRespondIn
) -> dict[str, Any]:
    user = cast(User, request.user)
    flag = selectors.risk_flag_get_for_user(user=user, flag_uuid=flag_uuid)
    flag = services.risk_flag_respond(flag=flag, actor=user, response_text=payload.response_text)
    return _flag_out(flag)


class ScheduleIO(Schema):
    instruments: list[str] = ["swemwbs"]
    baseline: bool = True
    review_after_weeks: int = 6
    at_discharge: bool = True
    follow_up_3m: bool = True
    follow_up_6m: bool = True
    link_valid_days: int = 14
    remind_every_days: int = 7


def _schedule_out(schedule: Any) -> dict[str, Any]:
    return {name: getattr(schedule, name) for name in ScheduleIO.model_fields}


@router.get("/teams/{team_uuid}/schedule", response=ScheduleIO, summary="A team's schedule")
def schedule_get_api(request: HttpRequest, team_uuid: UUID) -> dict[str, Any]:
    team = selectors.team_get_for_user(user=request.user, team_uuid=team_uuid)
    return _schedule_out(services.schedule_for_team(team))


@router.put(
    "/teams/{team_uuid}/schedule",
    response=ScheduleIO,
    summary="Set when a team asks for outcome measures (supervisors and administrators)",
)
def schedule_set_api(request: HttpRequest, team_uuid: UUID, payload: ScheduleIO) -> dict[str, Any]:
    user = cast(User, request.user)
    team = selectors.team_get_for_user(user=user, team_uuid=team_uuid)
    schedule = services.outcome_schedule_set(team=team, actor=user, **payload.model_dump())
    return _schedule_out(schedule)


class PollOptionIn(Schema):
    value: int
    label: str


class PollIn(Schema):
    question: str
    options: list[PollOptionIn]


class PollOut(Schema):
    uuid: UUID
    code: str
    question: str
    options: list[PollOptionIn]


@router.post(
    "/teams/{team_uuid}/polls",
    response={201: PollOut},
    summary="Add a short one-question poll; stored responses use its code",
)
def poll_create_api(
    request: HttpRequest, team_uuid: UUID, payload: PollIn
) -> tuple[int, dict[str, Any]]:
    user = cast(User, request.user)
    team = selectors.team_get_for_user(user=user, team_uuid=team_uuid)
    poll = services.poll_create(
        team=team,
        actor=user,
        question=payload.question,
        options=[(o.value, o.label) for o in payload.options],
    )
    return 201, {
        "uuid": poll.uuid,
        "code": f"poll-{poll.uuid}",
        "question": poll.question,
        "options": poll.options,
    }
