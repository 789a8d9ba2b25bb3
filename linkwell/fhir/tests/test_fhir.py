"""FHIR R4: inbound Bundle to a referral, Task polling, onward connections exported; every
resource validated with the fhir.resources R4B models."""

import pytest
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.task import Task

from linkwell.cases.services import episode_open
from linkwell.connections.services import connection_create, connection_transition
from linkwell.directory.tests.factories import make_organization, make_service
from linkwell.people.services import consent_record
from linkwell.people.tests.factories import PersonFactory
from linkwell.referrals.models import Referral

pytestmark = pytest.mark.django_db


def inbound(**overrides):
    request = {
        "resourceType": "ServiceRequest",
        "id": "sr1",
        "status": "active",
        "intent": "order",
        "code": {"coding": [{"system": "http://snomed.info/sct", "code": "871731000000106"}]},
        "subject": {"reference": "urn:uuid:9b2c1c8e-5b8a-4c2a-9f57-1f1f1f1f1f1f"},
        "reasonCode": [{"text": "Lonely since her husband died, struggling with bills"}],
        "category": [{"coding": [{"system": "urn:linkwell:needs-domain", "code": "money"}]}],
    }
    request.update(overrides)
    return {
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [
            {
                "fullUrl": "urn:uuid:9b2c1c8e-5b8a-4c2a-9f57-1f1f1f1f1f1f",
                "resource": {
                    "resourceType": "Patient",
                    "name": [{"given": ["Mary"], "family": "Jones"}],
                    "birthDate": "1948-03-02",
                    "identifier": [
                        {"system": "https://fhir.nhs.uk/Id/nhs-number", "value": "9434765919"}
                    ],
                    "telecom": [{"system": "phone", "value": "0113 496 0001"}],
                    "address": [{"postalCode": "LS6 1AB"}],
                },
            },
            {"resource": request},
            {
                "resource": {
                    "resourceType": "Task",
                    "status": "requested",
                    "intent": "order",
                    "focus": {"reference": "ServiceRequest/sr1"},
                }
            },
            {
                "resource": {
                    "resourceType": "Consent",
                    "status": "active",
                    "scope": {"text": "patient-privacy"},
                    "category": [{"text": "Referral to social prescribing"}],
                }
            },
        ],
    }


def post(client, body):
    import json

    return client.post("/fhir/Bundle", json.dumps(body), content_type="application/fhir+json")


def test_inbound_bundle_becomes_a_referral_and_the_task_can_be_polled(world, client_for):
    client = client_for(world.referrer)
    response = post(client, inbound())
    assert response.status_code == 201, response.content
    task = Task.model_validate(response.json())
    referral = Referral.objects.get(uuid=task.id)
    assert referral.person.family_name == "Jones" and referral.person.nhs_number == "9434765919"
    assert "money" in referral.suggested_needs
    assert task.status == "requested"
    polled = client.get(f"/fhir/Task/{task.id}")
    assert polled.status_code == 200 and polled.json()["status"] == "requested"
    assert client_for(world.other_referrer).get(f"/fhir/Task/{task.id}").status_code == 404


@pytest.mark.parametrize(
    "body, message",
    [
        ({"resourceType": "Patient"}, "Send a FHIR Bundle"),
        (inbound(code={"text": "something else"}), "871731000000106"),
        (inbound(authoredOn="last Tuesday"), "not valid FHIR R4"),
    ],
)
def test_bad_bundles_get_an_operation_outcome_and_change_nothing(world, client_for, body, message):
    response = post(client_for(world.referrer), body)
    assert response.status_code == 400
    outcome = response.json()
    assert outcome["resourceType"] == "OperationOutcome"
    assert message in outcome["issue"][0]["diagnostics"]
    assert not Referral.objects.exists()


def _with_entry_type(kind):
    body = inbound()
    body["entry"][0]["resource"]["resourceType"] = kind
    return body


@pytest.mark.parametrize("kind", ["abc", "", "patient", 12, None, ["Patient"], {"a": 1}, True])
def test_an_entry_whose_resource_type_names_no_resource_is_refused(world, client_for, kind):
    response = post(client_for(world.referrer), _with_entry_type(kind))
    assert response.status_code == 400, response.content
    diagnostics = response.json()["issue"][0]["diagnostics"]
    assert "entry 0" in diagnostics and "not a FHIR R4 resource type" in diagnostics
    assert not Referral.objects.exists()


def test_a_bundle_error_names_its_place_as_a_path_in_plain_words(world, client_for):
    # It read "entry.0.root: Value is expected from the instance of BundleEntry, but got type
    # <class 'int'>".
    body = {"resourceType": "Bundle", "type": "transaction", "entry": [5]}
    response = post(client_for(world.referrer), body)
    assert response.status_code == 400
    assert response.json()["issue"][0]["diagnostics"] == (
        "The Bundle is not valid FHIR R4: entry[0]: expected a BundleEntry object, not a number"
    )
    dated = inbound()
    dated["entry"][0]["resource"]["birthDate"] = "1990-02-30"
    diagnostics = post(client_for(world.referrer), dated).json()["issue"][0]["diagnostics"]
    assert diagnostics.startswith("The Bundle is not valid FHIR R4: entry[0].resource.birthDate: ")


def test_a_body_nested_too_deeply_is_refused(world, client_for):
    response = client_for(world.referrer).post(
        "/fhir/Bundle", b"[" * 100_000 + b"]" * 100_000, content_type="application/fhir+json"
    )
    assert response.status_code == 400
    assert "nested too deeply" in response.json()["issue"][0]["diagnostics"]


def test_without_consent_the_referral_is_refused(world, client_for):
    body = inbound()
    body["entry"] = [e for e in body["entry"] if e["resource"]["resourceType"] != "Consent"]
    response = post(client_for(world.referrer), body)
    assert response.status_code == 400
    assert not Referral.objects.exists()


def test_anonymous_is_refused(client):
    assert post(client, inbound()).status_code == 401


@pytest.fixture
def connection(world):
    person = PersonFactory(given_name="Jo", family_name="Bloggs")
    episode = episode_open(
        person=person,
        team=world.service_team,
        actor=world.link_worker,
        link_worker=world.link_worker,
    )
    org = make_organization("Money Matters", linkwell_organisation=world.provider.organisation)
    service = make_service("Money Matters debt advice", organization=org)
    return connection_create(episode=episode, service_id=service.id, actor=world.link_worker)


def test_onward_connection_exports_as_a_valid_bundle(world, client_for, connection):
    response = client_for(world.provider).get(f"/fhir/Bundle/{connection.uuid}")
    assert response.status_code == 200
    bundle = Bundle.model_validate(response.json())
    kinds = [e.resource.get_resource_type() for e in bundle.entry]
    assert kinds == ["Patient", "Consent", "ServiceRequest", "Task"]
    patient = response.json()["entry"][0]["resource"]
    assert "family" not in patient["name"][0]  # no consent to share: first name only


def test_with_consent_the_patient_carries_contact_details(world, client_for):
    person = PersonFactory(given_name="Jo", family_name="Bloggs")
    consent_record(
        person=person,
        purpose="share_providers",
        given=True,
        method="verbal",
        actor=world.link_worker,
    )
    episode = episode_open(person=person, team=world.service_team, actor=world.link_worker)
    service = make_service(
        "Advice", organization=make_organization(linkwell_organisation=world.provider.organisation)
    )
    c = connection_create(episode=episode, service_id=service.id, actor=world.link_worker)
    patient = client_for(world.provider).get(f"/fhir/Bundle/{c.uuid}").json()["entry"][0]
    assert patient["resource"]["name"][0]["family"] == "Bloggs"


def test_connection_task_status_follows_the_provider(world, client_for, connection):
    connection_transition(connection=connection, to_status="accepted", actor=world.provider)
    connection_transition(
        connection=connection, to_status="on-hold", actor=world.provider, waiting_list=True
    )
    body = client_for(world.link_worker).get(f"/fhir/Task/{connection.uuid}").json()
    task = Task.model_validate(body)
    assert task.status == "on-hold"
    assert body["businessStatus"]["text"] == "On the waiting list"


@pytest.mark.parametrize("persona", ["outsider", "volunteer", "commissioner", "referrer"])
def test_outsiders_cannot_read_connections(world, client_for, connection, persona):
    client = client_for(getattr(world, persona))
    for url in (f"/fhir/Bundle/{connection.uuid}", f"/fhir/ServiceRequest/{connection.uuid}"):
        response = client.get(url)
        assert response.status_code == 404
        assert response.json()["resourceType"] == "OperationOutcome"
    assert client.get(f"/fhir/Task/{connection.uuid}").status_code == 404
