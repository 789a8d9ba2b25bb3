"""A null character anywhere a view could read it is refused with a 400 that says where, on
both databases (PostgreSQL cannot store one; it used to fail with a server error there), and
nothing is written."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from linkwell.people.models import Person
from linkwell.referrals.models import Referral
from linkwell.referrals.tests.test_views import self_referral_data
from linkwell.reports.models import PopulationBaseline

pytestmark = pytest.mark.django_db


def _api_referral(**person):
    return {
        "person": {
            "given_name": "Priya",
            "family_name": "Shah",
            "date_of_birth": "1990-02-03",
            "postcode": "LS6 1AB",
            **person,
        },
        "source": "gp_practice",
        "reason": "Isolated since her husband died last year.",
        "suggested_needs": ["bereavement"],
        "consent_confirmed": True,
    }


def _post_json(client, url, body, **headers):
    return client.post(url, json.dumps(body), content_type="application/json", headers=headers)


def test_an_api_referral_with_a_null_character_is_refused_and_nothing_is_written(world, client_for):
    client = client_for(world.referrer)
    refused = _api_referral(given_name="Pri\x00ya")
    response = _post_json(client, "/api/v1/referrals", refused, **{"Idempotency-Key": "k"})
    assert response.status_code == 400
    body = response.json()
    assert "null character" in body["message"] and "person.given_name" in body["message"]
    assert body["extra"] == {"where": "field", "name": "person.given_name"}
    assert not Referral.objects.exists() and not Person.objects.exists()
    # The key was not spent: the same key with the character taken out makes the referral.
    again = _post_json(client, "/api/v1/referrals", _api_referral(), **{"Idempotency-Key": "k"})
    assert again.status_code == 201
    assert Referral.objects.count() == 1


def test_the_text_backslash_u0000_is_not_a_null_character(world, client_for):
    response = _post_json(
        client_for(world.referrer),
        "/api/v1/referrals",
        {**_api_referral(), "reason": "She typed \\u0000 by mistake."},
        **{"Idempotency-Key": "k"},
    )
    assert response.status_code == 201, response.content
    assert Referral.objects.get().reason == "She typed \\u0000 by mistake."


def test_a_null_character_in_a_header_is_refused(world, client_for):
    response = _post_json(
        client_for(world.referrer),
        "/api/v1/referrals",
        _api_referral(),
        **{"Idempotency-Key": "k\x00"},
    )
    assert response.status_code == 400
    assert response.json()["extra"] == {"where": "header", "name": "Idempotency-Key"}
    assert not Referral.objects.exists()


@pytest.mark.parametrize(
    ("url", "param"),
    [
        ("/api/v1/people", "q"),
        ("/api/v1/referrals", "status"),
        ("/hsds/organizations", "search"),
        ("/hsds/service_at_locations", "postcode"),
    ],
)
def test_a_null_character_in_an_api_query_is_refused_in_the_apis_error_shape(
    world, client_for, url, param
):
    response = client_for(world.supervisor).get(url, {param: "a\x00b"})
    assert response.status_code == 400
    assert response.json()["extra"] == {"where": "query parameter", "name": param}


def test_fhir_gets_an_operation_outcome(world, client_for):
    response = client_for(world.supervisor).get("/fhir/Patient", {"identifier": "a\x00b"})
    assert response.status_code == 400
    assert response["Content-Type"] == "application/fhir+json"
    outcome = response.json()
    assert outcome["resourceType"] == "OperationOutcome"
    assert "null character" in outcome["issue"][0]["diagnostics"]


def test_a_page_shows_the_refusal_as_a_page(world, client_for):
    response = client_for(world.link_worker).get("/people/", {"q": "Smi\x00th"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "The request was not accepted" in html
    assert "null character in the query parameter &#x27;q&#x27;" in html
    assert "Referral inbox" in html  # the usual page, navigation and all


def test_the_public_form_with_a_null_character_saves_nothing(client, world):
    response = client.post(reverse("public:self_refer"), self_referral_data(given_name="J\x00o"))
    assert response.status_code == 400
    assert "null character in the field &#x27;given_name&#x27;" in response.content.decode()
    assert not Referral.objects.exists() and not Person.objects.exists()


def test_an_uploaded_file_may_hold_null_bytes(world, client_for):
    """Files are the view's to read: only form fields, queries, headers and JSON are looked at."""
    upload = SimpleUploadedFile(
        "b.csv", b"dimension,category,population\nethnicity,white,800\n", "text/csv"
    )
    binary = SimpleUploadedFile("notes.bin", b"\x00\x01\x02", "application/octet-stream")
    response = client_for(world.supervisor).post(
        "/reports/baseline/", {"baseline": upload, "attachment": binary}
    )
    assert response.status_code == 302
    assert PopulationBaseline.objects.count() == 1


def _paths(resolver, prefix=""):
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            yield from _paths(pattern, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern)


def test_no_page_or_endpoint_lets_a_null_character_through(world, client_for):
    """Every address without parameters, signed in as staff and signed out: a null character in
    the query is refused before the view, never a server error."""
    paths = sorted(
        "/" + path.lstrip("^").rstrip("$")
        for path in set(_paths(get_resolver()))
        if "<" not in path and "(" not in path and not path.startswith("admin/")
    )
    assert len(paths) > 50
    for client in (client_for(world.supervisor), Client()):
        for path in paths:
            response = client.get(path, {"q": "a\x00b", "status": "\x00"})
            assert response.status_code == 400, path


def test_a_form_posted_to_the_api_is_still_the_apis_to_answer(world, client_for):
    """Looking into a multipart form must leave the body readable: the API reads it as JSON."""
    client = client_for(world.referrer)
    response = client.post("/api/v1/referrals", {"reason": "a form, not JSON"})
    assert response.status_code == 400
    assert "message" in response.json()
    refused = client.post("/api/v1/referrals", {"reason": "a\x00b"})
    assert refused.status_code == 400
    assert refused.json()["extra"] == {"where": "field", "name": "reason"}
    assert not Referral.objects.exists()
