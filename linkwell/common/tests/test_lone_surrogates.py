"""A lone surrogate in a JSON string (``"\\ud800"``: half of the pair that spells a character
beyond U+FFFF, on its own) is refused with a 400 that says where, on both databases. Neither can
store one (it has no UTF-8 form): it was a server error on some twenty endpoints. A whole pair is
a character and is kept."""

from __future__ import annotations

import pytest

from linkwell.people.models import Person
from linkwell.referrals.models import Referral

from .test_null_characters import _api_referral

pytestmark = pytest.mark.django_db


def _post_raw(client, url, text: str, **headers):
    """Post JSON text as written: json.dumps would escape a surrogate the same way, but the
    tests spell out the bytes a client sends."""
    return client.post(url, text.encode(), content_type="application/json", headers=headers)


def _referral_text(given_name_json: str) -> str:
    import json

    body = _api_referral(given_name="GIVEN")
    return json.dumps(body).replace('"GIVEN"', given_name_json)


@pytest.mark.parametrize("escape", ["\\ud800", "\\uDFFF", "\\udc00x", "a\\ud83d"])
def test_an_api_referral_with_a_lone_surrogate_is_refused_and_nothing_is_written(
    world, client_for, escape
):
    client = client_for(world.referrer)
    text = _referral_text(f'"{escape}"')
    response = _post_raw(client, "/api/v1/referrals", text, **{"Idempotency-Key": "k"})
    assert response.status_code == 400, response.content
    body = response.json()
    assert "lone surrogate" in body["message"] and "person.given_name" in body["message"]
    assert body["extra"] == {"where": "field", "name": "person.given_name"}
    assert not Referral.objects.exists() and not Person.objects.exists()
    # The key was not spent.
    again = _post_raw(
        client, "/api/v1/referrals", _referral_text('"Priya"'), **{"Idempotency-Key": "k"}
    )
    assert again.status_code == 201


def test_a_whole_pair_is_a_character_and_is_kept(world, client_for):
    response = _post_raw(
        client_for(world.referrer),
        "/api/v1/referrals",
        _referral_text('"Priya \\ud83c\\udf3b"'),
        **{"Idempotency-Key": "k"},
    )
    assert response.status_code == 201, response.content
    assert Person.objects.get().given_name == "Priya \U0001f33b"


def test_a_lone_surrogate_in_a_key_or_deep_in_a_list_is_found(world, client_for):
    client = client_for(world.link_worker)
    person = Person.objects.create(given_name="Sam", family_name="Okafor")
    url = f"/api/v1/people/{person.uuid}"
    response = client.patch(
        url, b'{"given_name": "Sam", "x\\udc01": 1}', content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["extra"] == {"where": "field", "name": "x\ufffd"}
    response = client.patch(
        url, b'{"a": [[{"b": ["ok", "\\ud801"]}]]}', content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["extra"]["name"] == "a[0][0].b[1]"
    person.refresh_from_db()
    assert person.given_name == "Sam"


def test_fhir_gets_an_operation_outcome(world, client_for):
    response = client_for(world.referrer).post(
        "/fhir/Bundle",
        b'{"resourceType": "Bundle", "type": "transaction", "id": "\\ud800"}',
        content_type="application/fhir+json",
    )
    assert response.status_code == 400
    outcome = response.json()
    assert outcome["resourceType"] == "OperationOutcome"
    assert "lone surrogate" in outcome["issue"][0]["diagnostics"]


def test_a_body_nested_past_the_parsers_depth_is_the_apis_to_refuse(world, client_for):
    deep = b"[" * 100_000 + b'"\\ud800"' + b"]" * 100_000
    response = client_for(world.referrer).post(
        "/api/v1/referrals", deep, content_type="application/json", headers={"Idempotency-Key": "k"}
    )
    assert response.status_code in (400, 422)
    assert not Referral.objects.exists()
