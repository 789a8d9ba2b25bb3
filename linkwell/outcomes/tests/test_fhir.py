"""FHIR R4 export, validated with the fhir.resources R4B models."""

from __future__ import annotations

import pytest
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse

from linkwell.common.errors import Conflict
from linkwell.outcomes import fhir, services

pytestmark = pytest.mark.django_db


def _record(world, episode, code, answers):
    return services.response_record(
        episode=episode, instrument_code=code, answers=answers, actor=world.link_worker
    )


def test_a_phq9_response_exports_as_a_valid_questionnaire_response(world, episode):
    response = _record(world, episode, "phq9", [1, 2, 3, 0, 1, 2, 3, 0, None])
    resource = QuestionnaireResponse.model_validate(fhir.questionnaire_response_resource(response))
    assert resource.questionnaire == "http://loinc.org/q/44249-1"
    assert resource.subject.reference == f"Patient/{episode.person.uuid}"
    assert resource.author.reference == f"Practitioner/{world.link_worker.uuid}"
    assert len(resource.item) == 9
    assert resource.item[1].answer[0].valueCoding.display == "More than half the days"
    assert resource.item[8].answer is None


def test_a_phq9_score_exports_as_an_observation_with_loinc_and_snomed(world, episode):
    response = _record(world, episode, "phq9", [2] * 9)
    obs = Observation.model_validate(fhir.observation_resource(response))
    codes = {(c.system, c.code) for c in obs.code.coding}
    assert codes == {("http://loinc.org", "44261-6"), ("http://snomed.info/sct", "720433000")}
    assert obs.valueInteger == 18
    assert obs.interpretation[0].text == "moderately severe"
    assert obs.derivedFrom[0].reference == f"QuestionnaireResponse/{response.uuid}"


def test_a_swemwbs_observation_carries_the_metric_and_the_raw_total(world, episode):
    response = _record(world, episode, "swemwbs", [3] * 7)
    obs = Observation.model_validate(fhir.observation_resource(response))
    assert float(obs.valueQuantity.value) == 19.25
    assert obs.component[0].valueInteger == 21
    assert obs.code.coding[0].code == "718466001"


def test_ons4_exports_one_component_per_answered_question(world, episode):
    response = _record(world, episode, "ons4", [7, None, 2, 6])
    obs = Observation.model_validate(fhir.observation_resource(response))
    assert obs.valueInteger is None
    assert [c.valueInteger for c in obs.component] == [7, 2, 6]
    assert [c.interpretation[0].text for c in obs.component] == ["high", "low", "high"]


def test_a_self_completed_response_is_authored_by_the_person(world, episode):
    from linkwell.outcomes.models import DueMeasure

    services.due_measures_generate(episode=episode)
    due = DueMeasure.objects.get(occasion="baseline")
    issued = services.self_completion_link_create(due=due, actor=world.link_worker)
    response = services.self_completion_submit(token=issued.token, answers=[2] * 7)
    resource = QuestionnaireResponse.model_validate(fhir.questionnaire_response_resource(response))
    assert resource.author.reference == f"Patient/{episode.person.uuid}"


def test_an_unscored_response_has_no_observation(world, episode):
    response = _record(world, episode, "gad7", [1] * 6 + [None])
    with pytest.raises(Conflict):
        fhir.observation_resource(response)


def test_the_api_returns_a_valid_bundle(world, episode, client_for):
    response = _record(world, episode, "gad7", [2] * 7)
    body = client_for(world.teammate).get(f"/api/v1/outcomes/responses/{response.uuid}/fhir")
    assert body.status_code == 200
    bundle = Bundle.model_validate(body.json())
    kinds = [e.resource.get_resource_type() for e in bundle.entry]
    assert kinds == ["QuestionnaireResponse", "Observation"]


def test_the_fhir_export_refuses_an_outsider(world, episode, client_for):
    response = _record(world, episode, "gad7", [2] * 7)
    body = client_for(world.outsider).get(f"/api/v1/outcomes/responses/{response.uuid}/fhir")
    assert body.status_code == 404
