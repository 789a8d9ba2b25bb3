"""FHIR R4 mapping for referrals (inbound) and connections (onward): mapping only, no business
rules. Every resource built here is validated with the fhir.resources R4B model of its type
before it leaves, so a mapping mistake fails loudly instead of reaching a partner system.

Statuses are the HL7 Gravity Task statuses, which are FHIR TaskStatus codes as they stand. People,
services and records are referenced by their public UUIDs.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

from django.core.exceptions import ValidationError
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.composition import Composition
from fhir.resources.R4B.consent import Consent
from fhir.resources.R4B.patient import Patient
from fhir.resources.R4B.servicerequest import ServiceRequest
from fhir.resources.R4B.task import Task

SNOMED = "http://snomed.info/sct"
NHS_NUMBER = "https://fhir.nhs.uk/Id/nhs-number"
LINKWELL_NEEDS = "urn:linkwell:needs-domain"
# SNOMED CT "referral to social prescribing service" (DESIGN.md).
SOCIAL_PRESCRIBING_REFERRAL = "871731000000106"
SOCIAL_PRESCRIBING_DECLINED = "871711000000103"
VALIDATORS: dict[str, Any] = {
    "Bundle": Bundle,
    "Composition": Composition,
    "Consent": Consent,
    "Patient": Patient,
    "ServiceRequest": ServiceRequest,
    "Task": Task,
}


def validated(resource: dict[str, Any]) -> dict[str, Any]:
    """The resource, checked against its R4B model (raises pydantic's ValidationError)."""
    VALIDATORS[resource["resourceType"]].model_validate(resource)
    return resource


def _instant(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value else None


# --- onward connections -----------------------------------------------------------------------


def connection_patient(connection: Any) -> dict[str, Any]:
    """The person as the provider may see them: only what was shared with consent."""
    shared = connection.shared or {}
    patient: dict[str, Any] = {
        "resourceType": "Patient",
        "id": str(connection.episode.person.uuid),
        "name": [{"given": [shared.get("first_name", "")]}],
    }
    if shared.get("consented"):
        patient["name"][0]["family"] = shared.get("family_name", "")
        telecom = []
        if shared.get("phone"):
            telecom.append({"system": "phone", "value": shared["phone"]})
        if shared.get("email"):
            telecom.append({"system": "email", "value": shared["email"]})
        if telecom:
            patient["telecom"] = telecom
    return validated(patient)


def connection_consent(connection: Any) -> dict[str, Any]:
    consented = bool((connection.shared or {}).get("consented"))
    return validated(
        {
            "resourceType": "Consent",
            "id": f"{connection.uuid}-consent",
            "status": "active" if consented else "rejected",
            "scope": {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/consentscope",
                        "code": "patient-privacy",
                    }
                ]
            },
            "category": [{"text": "Share with the services I am connected to"}],
            "patient": {"reference": f"Patient/{connection.episode.person.uuid}"},
            "dateTime": _instant(connection.created_at),
        }
    )


def _service_request(connection: Any) -> dict[str, Any]:
    needs = (connection.shared or {}).get("needs", [])
    return _clean(
        {
            "resourceType": "ServiceRequest",
            "id": str(connection.uuid),
            "status": "active" if connection.status not in TERMINAL else "completed",
            "intent": "order",
            "code": {"text": f"Referral to {connection.service_name}"},
            "subject": {"reference": f"Patient/{connection.episode.person.uuid}"},
            "authoredOn": _instant(connection.created_at),
            "requester": {"display": connection.episode.team.name},
            "performer": [
                {
                    "identifier": {
                        "system": "urn:openreferral:hsds:service",
                        "value": str(connection.service_id),
                    },
                    "display": connection.service_name,
                }
            ],
            "reasonCode": [{"text": n["need"]} for n in needs] or None,
            "note": [{"text": n["in_their_words"]} for n in needs if n.get("in_their_words")]
            or None,
        }
    )


def connection_service_request(connection: Any) -> dict[str, Any]:
    return validated(_service_request(connection))


TERMINAL = {"rejected", "cancelled", "completed", "failed", "entered-in-error"}


def _clean(resource: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in resource.items() if v not in (None, [], "")}


def connection_task(connection: Any) -> dict[str, Any]:
    task: dict[str, Any] = {
        "resourceType": "Task",
        "id": str(connection.uuid),
        "status": connection.status,
        "intent": "order",
        "focus": {"reference": f"ServiceRequest/{connection.uuid}"},
        "for": {"reference": f"Patient/{connection.episode.person.uuid}"},
        "authoredOn": _instant(connection.created_at),
        "lastModified": _instant(connection.updated_at),
        "owner": {"display": connection.service_name},
        "businessStatus": {"text": "On the waiting list"} if connection.on_waiting_list else None,
        "statusReason": {"text": connection.status_reason} if connection.status_reason else None,
        "restriction": {"period": {"end": connection.response_due.isoformat()}}
        if connection.response_due
        else None,
    }
    return validated(_clean(task))


def connection_bundle(connection: Any) -> dict[str, Any]:
    """The onward referral as a Bundle: Patient, Consent, ServiceRequest and Task."""
    resources = [
        connection_patient(connection),
        connection_consent(connection),
        connection_service_request(connection),
        connection_task(connection),
    ]
    return validated(
        {
            "resourceType": "Bundle",
            "type": "collection",
            "entry": [
                {"fullUrl": f"urn:uuid:{r['id']}", "resource": r}
                if _is_uuid(r["id"])
                else {"resource": r}
                for r in resources
            ],
        }
    )


def _is_uuid(value: str) -> bool:
    import uuid

    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


# --- inbound referrals ------------------------------------------------------------------------


def referral_task(referral: Any) -> dict[str, Any]:
    task: dict[str, Any] = {
        "resourceType": "Task",
        "id": str(referral.uuid),
        "identifier": [{"system": "urn:linkwell:referral-reference", "value": referral.reference}],
        "status": referral.status,
        "intent": "order",
        "code": {
            "coding": [
                {
                    "system": SNOMED,
                    "code": SOCIAL_PRESCRIBING_REFERRAL,
                    "display": "Referral to social prescribing service",
                }
            ]
        },
        "focus": {"reference": f"ServiceRequest/{referral.uuid}"},
        "for": {"reference": f"Patient/{referral.person.uuid}"},
        "authoredOn": _instant(referral.created_at),
        "lastModified": _instant(referral.updated_at),
        "owner": {"display": referral.team.name},
        "restriction": {"period": {"end": referral.response_due.isoformat()}}
        if referral.response_due
        else None,
    }
    return validated(_clean(task))


def _first(resources: dict[str, list[Any]], kind: str) -> Any:
    found = resources.get(kind) or []
    return found[0] if found else None


_KINDS = {
    "int": "a number",
    "float": "a number",
    "str": "text",
    "list": "a list",
    "bool": "true or false",
    "NoneType": "null",
}
_INSTANCE = re.compile(
    r"Value is expected from the instance of (\w+), but got type <class '(\w+)'>"
)


def _where(loc: Any) -> str:
    """A validation error's place as a FHIRPath-like path: entry[0].resource.birthDate (the
    models' internal "root" steps left out)."""
    where = ""
    for step in loc:
        if step == "root":
            continue
        where += f"[{step}]" if isinstance(step, int) else (f".{step}" if where else str(step))
    return where or "the Bundle"


def _plain(message: str) -> str:
    found = _INSTANCE.search(message)
    if found is None:
        return message
    model, kind = found.groups()
    return f"expected a {model} object, not {_KINDS.get(kind, kind)}"


def _check_entry_types(entries: Any) -> None:
    """Each entry's resource names a FHIR R4 resource type. Checked before the Bundle's own
    validation, whose look-up of a resource's model fails with an error of its own (not a
    validation error) for a type that is not a string or names no resource."""
    from fhir.resources.R4B import get_fhir_model_class

    if not isinstance(entries, list):
        return  # the Bundle's validation says what an entry list must be
    for index, entry in enumerate(entries):
        resource = entry.get("resource") if isinstance(entry, dict) else None
        if not isinstance(resource, dict):
            continue
        kind = resource.get("resourceType")
        known = isinstance(kind, str) and kind != ""
        if known:
            try:
                get_fhir_model_class(kind)
            except (ValueError, KeyError):
                known = False
        if not known:
            raise ValidationError(
                f"The Bundle's entry {index} has a resource whose resourceType "
                f"({json.dumps(kind)}) is not a FHIR R4 resource type: a referral's Bundle holds a "
                "Patient, a ServiceRequest, a Task and a Consent."
            )


def parse_referral_bundle(data: dict[str, Any]) -> dict[str, Any]:
    """Turn an inbound Bundle (ServiceRequest, Task, Patient, Consent) into referral_create's
    keyword arguments (without actor, source or team). Raises ValidationError with a plain
    message naming what is missing or wrong."""
    from pydantic import ValidationError as PydanticError

    if not isinstance(data, dict) or data.get("resourceType") != "Bundle":
        raise ValidationError("Send a FHIR Bundle.")
    _check_entry_types(data.get("entry"))
    try:
        bundle = Bundle.model_validate(data)
    except PydanticError as exc:
        first = exc.errors()[0]
        where = _where(first.get("loc", ()))
        raise ValidationError(
            f"The Bundle is not valid FHIR R4: {where}: {_plain(first['msg'])}"
        ) from None
    resources: dict[str, list[Any]] = {}
    for entry in bundle.entry or []:
        if entry.resource is not None:
            resources.setdefault(entry.resource.get_resource_type(), []).append(entry.resource)
    patient = _first(resources, "Patient")
    request = _first(resources, "ServiceRequest")
    consent = _first(resources, "Consent")
    if patient is None or request is None:
        raise ValidationError("The Bundle needs a Patient and a ServiceRequest.")
    if _first(resources, "Task") is None:
        raise ValidationError("The Bundle needs a Task (the referral's workflow status).")
    codes = {c.code for c in (request.code.coding or [])} if request.code else set()
    if SOCIAL_PRESCRIBING_REFERRAL not in codes:
        raise ValidationError(
            f"The ServiceRequest's code must be SNOMED CT {SOCIAL_PRESCRIBING_REFERRAL} "
            "(referral to social prescribing service)."
        )
    name = (patient.name or [None])[0]
    if name is None or not name.family or not name.given:
        raise ValidationError("The Patient needs a given and a family name.")
    details: dict[str, Any] = {"given_name": name.given[0], "family_name": name.family}
    if patient.birthDate:
        details["date_of_birth"] = patient.birthDate
    for ident in patient.identifier or []:
        if ident.system == NHS_NUMBER and ident.value:
            details["nhs_number"] = ident.value
    for telecom in patient.telecom or []:
        if telecom.system == "phone" and telecom.value:
            details.setdefault("phone", telecom.value)
        if telecom.system == "email" and telecom.value:
            details.setdefault("email", telecom.value)
    for address in patient.address or []:
        if address.postalCode:
            details.setdefault("postcode", address.postalCode)
    reasons = [r.text for r in (request.reasonCode or []) if r.text]
    reasons += [n.text for n in (request.note or []) if n.text]
    needs = [
        c.code
        for category in (request.category or [])
        for c in (category.coding or [])
        if c.system == LINKWELL_NEEDS and c.code
    ]
    return {
        "person_details": details,
        "reason": "\n".join(reasons),
        "suggested_needs": needs,
        "consent_confirmed": consent is not None and consent.status == "active",
        "urgency": {"urgent": "urgent", "asap": "urgent", "stat": "urgent"}.get(
            request.priority or "", "routine"
        ),
    }


# --- message back at discharge ------------------------------------------------------------------


def _div(items: list[str]) -> str:
    from html import escape

    rows = "".join(f"<li>{escape(i)}</li>" for i in items) or "<li>None</li>"
    return f'<div xmlns="http://www.w3.org/1999/xhtml"><ul>{rows}</ul></div>'


def _section(
    title: str, items: list[str], codes: list[tuple[str, str]] | None = None
) -> dict[str, Any]:
    section: dict[str, Any] = {
        "title": title,
        "text": {"status": "generated", "div": _div(items)},
    }
    if codes:
        section["code"] = {
            "coding": [{"system": SNOMED, "code": c, "display": d} for c, d in codes]
        }
    return section


def message_back_composition(message: Any) -> dict[str, Any]:
    """The discharge message back as a Composition: needs, support connected, outcomes, with the
    episode's SNOMED CT codes (referral to social prescribing; declined where it was)."""
    episode = message.episode
    return validated(
        {
            "resourceType": "Composition",
            "id": str(episode.uuid),
            "status": "final",
            "type": {"text": "Social prescribing discharge summary"},
            "category": [
                {"coding": [{"system": SNOMED, "code": c, "display": d} for c, d in message.codes]}
            ],
            "subject": {"reference": f"Patient/{episode.person.uuid}"},
            "date": _instant(episode.closed_at),
            "author": [{"display": episode.team.organisation.name}],
            "title": "Social prescribing: support has ended",
            "section": [
                _section("Why support ended", [message.discharge_reason]),
                _section("What mattered to them", message.needs),
                _section(
                    "Support they were connected to",
                    [f"{c['service']}: {c['status']}" for c in message.connected],
                ),
                _section(
                    "Outcomes",
                    [
                        f"{o['measure']}: {o['before']} to {o['after']} {o['verdict']}".strip()
                        for o in message.outcomes
                    ],
                ),
                _section("Codes", [f"{c} {d}" for c, d in message.codes], codes=message.codes),
            ],
        }
    )
