"""People and consent over the API (mounted at /api/v1/people). Thin: selectors decide access,
services write; errors come back as {"message", "extra"} (config/api.py)."""

from __future__ import annotations

import datetime as dt
from typing import Any
from uuid import UUID

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from ninja import Router, Schema
from pydantic import ConfigDict

from linkwell.common.schemas import ApiDate, ApiDateTime

from . import selectors, services
from .models import Consent, ConsentMethod, ConsentPurpose, ContactMethod, EthnicCategory, Person
from .models import Sex as SexChoice

router = Router()

_MAX_LIST = 100
_NULLABLE = frozenset({"date_of_birth"})
_CLEARABLE_TEXT = frozenset(
    {
        "nhs_number",
        "preferred_name",
        "address",
        "postcode",
        "phone",
        "email",
        "preferred_contact_times",
        "accessibility_needs",
        "gender_identity",
    }
)


class PersonSummaryOut(Schema):
    uuid: UUID
    display_name: str
    given_name: str
    family_name: str
    preferred_name: str
    date_of_birth: dt.date | None
    postcode: str


class PersonOut(PersonSummaryOut):
    nhs_number: str
    address: str
    phone: str
    email: str
    preferred_contact_method: str
    preferred_contact_times: str
    language: str
    interpreter_needed: bool
    accessibility_needs: str
    ethnic_category: str
    sex: str
    gender_identity: str
    gp_practice: UUID | None
    consents_in_force: dict[str, bool]

    @staticmethod
    def of(person: Person) -> dict[str, Any]:
        computed = {"gp_practice", "consents_in_force"}
        data = {
            name: getattr(person, name) for name in PersonOut.model_fields if name not in computed
        }
        data["gp_practice"] = person.gp_practice.uuid if person.gp_practice else None
        data["consents_in_force"] = selectors.consents_in_force(person=person)
        return data


class PersonPatchIn(Schema):
    """Only the fields sent are changed. Unknown fields are refused."""

    model_config = ConfigDict(extra="forbid")

    nhs_number: str | None = None
    given_name: str | None = None
    family_name: str | None = None
    preferred_name: str | None = None
    date_of_birth: ApiDate | None = None
    address: str | None = None
    postcode: str | None = None
    phone: str | None = None
    email: str | None = None
    preferred_contact_method: ContactMethod | None = None
    preferred_contact_times: str | None = None
    language: str | None = None
    interpreter_needed: bool | None = None
    accessibility_needs: str | None = None
    ethnic_category: EthnicCategory | None = None
    sex: SexChoice | None = None
    gender_identity: str | None = None


class ConsentOut(Schema):
    uuid: UUID
    purpose: str
    given: bool
    recorded_at: dt.datetime
    recorded_by: str
    method: str
    note: str

    @staticmethod
    def of(consent: Consent) -> dict[str, Any]:
        return {
            "uuid": consent.uuid,
            "purpose": consent.purpose,
            "given": consent.given,
            "recorded_at": consent.recorded_at,
            "recorded_by": consent.recorded_by.username if consent.recorded_by else "",
            "method": consent.method,
            "note": consent.note,
        }


class ConsentListOut(Schema):
    in_force: dict[str, bool]
    history: list[ConsentOut]


class ConsentIn(Schema):
    model_config = ConfigDict(extra="forbid")

    purpose: ConsentPurpose
    given: bool
    method: ConsentMethod
    note: str = ""
    recorded_at: ApiDateTime | None = None


@router.get("", response=list[PersonSummaryOut], summary="Find people on your caseload")
def person_list(request: HttpRequest, q: str = "") -> list[Person]:
    people = selectors.person_list_for_user(user=request.user, query=q[:100])
    return list(people[:_MAX_LIST])


@router.get("/{person_uuid}", response=PersonOut, summary="A person's record")
def person_detail(request: HttpRequest, person_uuid: UUID) -> dict[str, Any]:
    person = selectors.person_get_for_user(user=request.user, person_uuid=person_uuid)
    return PersonOut.of(person)


@router.patch("/{person_uuid}", response=PersonOut, summary="Change a person's record")
def person_patch(request: HttpRequest, person_uuid: UUID, payload: PersonPatchIn) -> dict[str, Any]:
    person = selectors.person_get_for_user(user=request.user, person_uuid=person_uuid)
    fields = payload.model_dump(exclude_unset=True)
    for name, value in list(fields.items()):
        if value is None and name in _CLEARABLE_TEXT:
            fields[name] = ""  # null clears a text field
        elif value is None and name not in _NULLABLE:
            raise ValidationError({name: ["This field cannot be null."]})
    person = services.person_update(person=person, actor=request.user, **fields)
    return PersonOut.of(person)


@router.get("/{person_uuid}/consents", response=ConsentListOut, summary="Consent in force")
def consent_list(request: HttpRequest, person_uuid: UUID) -> dict[str, Any]:
    person = selectors.person_get_for_user(user=request.user, person_uuid=person_uuid)
    history = selectors.consent_list_for_user(user=request.user, person=person)
    return {
        "in_force": selectors.consents_in_force(person=person),
        "history": [ConsentOut.of(c) for c in history],
    }


@router.post(
    "/{person_uuid}/consents", response={201: ConsentOut}, summary="Record consent or withdrawal"
)
def consent_create(
    request: HttpRequest, person_uuid: UUID, payload: ConsentIn
) -> tuple[int, dict[str, Any]]:
    person = selectors.person_get_for_user(user=request.user, person_uuid=person_uuid)
    consent = services.consent_record(
        person=person,
        actor=request.user,
        purpose=str(payload.purpose),
        given=payload.given,
        method=str(payload.method),
        note=payload.note,
        recorded_at=payload.recorded_at,
    )
    return 201, ConsentOut.of(consent)
