"""FHIR R4 export of a stored response (QuestionnaireResponse) and its score (Observation).

Mapping only, no business rules. People and staff are referenced by their public UUIDs. Codes are
those in standards/outcome-measures.md: LOINC where one exists, SNOMED CT for the score.
"""

from __future__ import annotations

from typing import Any

from linkwell.common.errors import Conflict

from .models import QuestionnaireResponse
from .polls import instrument_for_code

LOINC = "http://loinc.org"
SNOMED = "http://snomed.info/sct"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"


def questionnaire_canonical(code: str) -> str:
    """LOINC publishes panels as questionnaires at http://loinc.org/q/<code>; others get a URN."""
    instrument = instrument_for_code(code)
    if instrument.loinc_panel:
        return f"{LOINC}/q/{instrument.loinc_panel}"
    return f"urn:linkwell:questionnaire:{code}"


def _patient(response: QuestionnaireResponse) -> dict[str, Any]:
    return {"reference": f"Patient/{response.episode.person.uuid}"}


def _author(response: QuestionnaireResponse) -> dict[str, Any]:
    if response.self_completed or response.entered_by is None:
        return _patient(response)
    return {"reference": f"Practitioner/{response.entered_by.uuid}"}


def questionnaire_response_resource(response: QuestionnaireResponse) -> dict[str, Any]:
    instrument = instrument_for_code(response.instrument_code)
    items = []
    for item, value in zip(instrument.items, response.answers, strict=True):
        entry: dict[str, Any] = {"linkId": item.link_id, "text": item.text}
        if value is not None:
            entry["answer"] = [
                {"valueCoding": {"code": str(value), "display": item.label_for(value)}}
            ]
        items.append(entry)
    return {
        "resourceType": "QuestionnaireResponse",
        "id": str(response.uuid),
        "identifier": {"system": "urn:ietf:rfc:3986", "value": f"urn:uuid:{response.uuid}"},
        "questionnaire": questionnaire_canonical(response.instrument_code),
        "status": "completed",
        "subject": _patient(response),
        "authored": response.completed_at.isoformat(),
        "author": _author(response),
        "source": _patient(response) if response.self_completed else _author(response),
        "item": items,
    }


def observation_resource(response: QuestionnaireResponse) -> dict[str, Any]:
    """The score as an Observation derived from the QuestionnaireResponse.

    SWEMWBS reports the metric score as the value and the raw total as a component; ONS4 has one
    component per question and no overall value (ONS publishes no composite)."""
    instrument = instrument_for_code(response.instrument_code)
    if not response.complete and not response.bands:
        raise Conflict("This questionnaire was not complete, so it has no score to export.")
    coding = []
    if instrument.loinc_total:
        coding.append({"system": LOINC, "code": instrument.loinc_total})
    if instrument.snomed_total:
        coding.append({"system": SNOMED, "code": instrument.snomed_total})
    resource: dict[str, Any] = {
        "resourceType": "Observation",
        "id": f"{response.uuid}-score",
        "status": "final",
        "category": [
            {"coding": [{"system": OBSERVATION_CATEGORY, "code": "survey", "display": "Survey"}]}
        ],
        "code": {"coding": coding, "text": f"{instrument.name} score"}
        if coding
        else {"text": f"{instrument.name} score"},
        "subject": _patient(response),
        "effectiveDateTime": response.completed_at.isoformat(),
        "performer": [_author(response)],
        "derivedFrom": [{"reference": f"QuestionnaireResponse/{response.uuid}"}],
    }
    if response.metric is not None:
        resource["valueQuantity"] = {
            "value": float(response.metric),
            "unit": "{score}",
            "system": "http://unitsofmeasure.org",
            "code": "{score}",
        }
        resource["component"] = [
            {"code": {"text": "Raw total (before conversion)"}, "valueInteger": response.total}
        ]
    elif response.total is not None:
        resource["valueInteger"] = response.total
    if response.severity:
        resource["interpretation"] = [{"text": response.severity}]
    if response.bands and response.total is None:
        components = []
        for item, value in zip(instrument.items, response.answers, strict=True):
            if value is None:
                continue
            components.append(
                {
                    "code": {"text": item.text},
                    "valueInteger": value,
                    "interpretation": [{"text": response.bands.get(item.link_id, "")}],
                }
            )
        resource["component"] = components
    return resource
