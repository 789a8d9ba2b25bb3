"""Every API failure has one shape, {"message": str, "extra": {...}}, with the right status."""

import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.test import Client, RequestFactory
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from config.api import api
from linkwell.common.errors import (
    ApplicationError,
    Conflict,
    Forbidden,
    InvalidTransition,
    NotFound,
)


def _handled(exc: Exception) -> tuple[int, dict]:
    request = RequestFactory().get("/api/v1/anything")
    response = api.on_exception(request, exc)
    return response.status_code, json.loads(response.content)


@pytest.mark.parametrize(
    ("exc", "status"),
    [
        (ApplicationError("That cannot be done."), 400),
        (NotFound("That cannot be done."), 404),
        (Forbidden("That cannot be done."), 403),
        (Conflict("That cannot be done."), 409),
        (InvalidTransition("That cannot be done."), 409),
    ],
)
def test_application_errors_keep_their_message_extra_and_status(exc, status):
    exc.extra = {"reason": "because"}
    assert _handled(exc) == (
        status,
        {"message": "That cannot be done.", "extra": {"reason": "because"}},
    )


def test_a_field_validation_error_names_its_fields():
    exc = ValidationError(
        {"postcode": "Enter a real postcode.", "phone": ["Too short.", "Digits."]}
    )
    status, body = _handled(exc)
    assert status == 400
    assert body["message"] == "Enter a real postcode."  # the first field's first message
    assert body["extra"] == {
        "fields": {"postcode": ["Enter a real postcode."], "phone": ["Too short.", "Digits."]}
    }


def test_a_plain_validation_error_joins_its_messages():
    assert _handled(ValidationError(["First problem.", "Second problem."])) == (
        400,
        {"message": "First problem. Second problem.", "extra": {}},
    )


def test_permission_denied_is_a_403_with_its_reason_or_a_default():
    assert _handled(PermissionDenied("Not your team.")) == (
        403,
        {"message": "Not your team.", "extra": {}},
    )
    assert _handled(PermissionDenied()) == (
        403,
        {"message": "You do not have access to this.", "extra": {}},
    )


def test_http404_is_a_404_that_reveals_nothing():
    assert _handled(Http404("Person 42 does not exist")) == (
        404,
        {"message": "Not found.", "extra": {}},
    )


def test_schema_errors_are_400s_listing_each_field():
    exc = NinjaValidationError(
        [
            {"loc": ["body", "payload", "name"], "msg": "Field required"},
            {"loc": ["query", "limit"], "msg": "Input should be a valid integer"},
            {"loc": ["query", "limit"], "msg": "Input should be at least 1"},
        ]
    )
    assert _handled(exc) == (
        400,
        {
            "message": "name: Field required",
            "extra": {
                "fields": {
                    "name": ["Field required"],
                    "query.limit": [
                        "Input should be a valid integer",
                        "Input should be at least 1",
                    ],
                }
            },
        },
    )


def test_authentication_errors_are_401s():
    assert _handled(AuthenticationError()) == (
        401,
        {"message": "Sign in or send a valid API token.", "extra": {}},
    )


def test_http_errors_keep_their_status():
    assert _handled(HttpError(429, "Too many requests: wait a minute.")) == (
        429,
        {"message": "Too many requests: wait a minute.", "extra": {}},
    )


# Through the real stack: authentication, routing, parsing.


@pytest.mark.django_db
def test_an_unauthenticated_request_gets_a_401_in_the_error_shape():
    response = Client().get("/api/v1/me")
    assert response.status_code == 401
    assert response["Content-Type"].startswith("application/json")
    assert response.json() == {"message": "Sign in or send a valid API token.", "extra": {}}


@pytest.mark.django_db
def test_a_revoked_or_unknown_bearer_token_gets_a_401(world):
    response = Client().get("/api/v1/me", HTTP_AUTHORIZATION="Bearer lw_not-a-real-token")
    assert response.status_code == 401
    assert set(response.json()) == {"message", "extra"}


@pytest.mark.django_db
def test_a_missing_body_field_gets_a_400_naming_it(world, client_for):
    response = client_for(world.link_worker).post(
        "/api/v1/accounts/tokens", data={}, content_type="application/json"
    )
    assert response.status_code == 400
    body = response.json()
    assert body["message"] == "name: Field required"
    assert body["extra"]["fields"] == {"name": ["Field required"]}


@pytest.mark.django_db
def test_a_wrong_query_type_gets_a_400_naming_it(world, client_for):
    response = client_for(world.supervisor).get("/api/v1/audit/events", {"before": "soon"})
    assert response.status_code == 400
    assert response.json()["extra"]["fields"] == {
        "query.before": ["Input should be a valid integer, unable to parse string as an integer"]
    }


@pytest.mark.django_db
def test_an_application_error_from_a_service_reaches_the_client_in_the_error_shape(
    world, client_for
):
    response = client_for(world.outsider).get("/api/v1/audit/events")
    assert response.status_code == 403
    assert response.json() == {
        "message": "Only supervisors and administrators can search the audit log.",
        "extra": {},
    }


def test_a_long_value_sent_is_not_repeated_back_whole(world, client_for):
    # Messages from the services, Django and pydantic named the value sent: 100,000 characters
    # sent came back as a 200 KB error.
    import json as _json

    from linkwell.cases.tests.factories import EpisodeFactory

    client = client_for(world.link_worker)
    episode = EpisodeFactory(team=world.service_team, link_worker=world.link_worker)
    person = episode.person
    huge = "x" * 100_000
    cases = [
        ("patch", f"/api/v1/people/{person.uuid}", {"sex": huge}),
        ("patch", f"/api/v1/people/{person.uuid}", {"postcode": huge}),
        (
            "post",
            f"/api/v1/episodes/{episode.uuid}/transition",
            {"status": huge},
        ),
        (
            "post",
            "/fhir/Bundle",
            {
                "resourceType": "Bundle",
                "type": "transaction",
                "entry": [{"resource": {"resourceType": huge}}],
            },
        ),
    ]
    for method, url, body in cases:
        response = getattr(client, method)(url, _json.dumps(body), content_type="application/json")
        assert 400 <= response.status_code < 500, (url, response.status_code)
        assert len(response.content) < 2_000, (url, len(response.content))
