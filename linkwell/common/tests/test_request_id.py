"""Every response carries X-Request-ID: the caller's own when it is safe, a new one otherwise; the
same id is on every audit row the request wrote."""

import re

import pytest
from django.test import Client

from linkwell.audit.context import get_context
from linkwell.audit.models import AuditEvent

GENERATED = re.compile(r"^[0-9a-f]{32}$")


@pytest.mark.django_db
@pytest.mark.parametrize("incoming", ["abc-123", "A.b_C-9", "x" * 64, "0f8fad5b-d9cb-469f-a165"])
def test_a_safe_incoming_request_id_is_echoed(incoming):
    response = Client().get("/api/v1/me", HTTP_X_REQUEST_ID=incoming)
    assert response["X-Request-ID"] == incoming


@pytest.mark.django_db
@pytest.mark.parametrize(
    "incoming",
    ["", "x" * 65, "has space", "semi;colon", "<script>", "new\\nline", "ünïcode", "a/b"],
)
def test_an_unsafe_or_missing_request_id_is_replaced(incoming):
    response = Client().get("/api/v1/me", HTTP_X_REQUEST_ID=incoming)
    assert GENERATED.match(response["X-Request-ID"])
    assert response["X-Request-ID"] != incoming


@pytest.mark.django_db
def test_each_request_without_an_id_gets_a_new_one():
    client = Client()
    first = client.get("/api/v1/me")["X-Request-ID"]
    second = client.get("/api/v1/me")["X-Request-ID"]
    assert GENERATED.match(first)
    assert GENERATED.match(second)
    assert first != second


@pytest.mark.django_db
def test_pages_and_redirects_carry_the_header_too(world, client_for):
    assert GENERATED.match(Client().get("/audit/")["X-Request-ID"])  # redirect to sign in
    assert client_for(world.supervisor).get("/audit/", HTTP_X_REQUEST_ID="page-1")[
        "X-Request-ID"
    ] == ("page-1")


@pytest.mark.django_db
def test_audit_rows_written_in_a_request_carry_its_id_and_address(world, client_for):
    client = client_for(world.supervisor)
    response = client.get(
        "/api/v1/audit/events", HTTP_X_REQUEST_ID="trace-42", REMOTE_ADDR="10.1.2.3"
    )
    assert response.status_code == 200
    row = AuditEvent.objects.get(object_type="AuditLog")
    assert (row.request_id, row.ip_address, row.actor) == ("trace-42", "10.1.2.3", world.supervisor)


@pytest.mark.django_db
def test_a_generated_id_is_the_one_recorded(world, client_for):
    response = client_for(world.supervisor).get("/api/v1/audit/events", HTTP_X_REQUEST_ID="bad id")
    row = AuditEvent.objects.get(object_type="AuditLog")
    assert row.request_id == response["X-Request-ID"]
    assert GENERATED.match(row.request_id)


@pytest.mark.django_db
def test_the_request_context_does_not_leak_into_later_work(world, client_for):
    client_for(world.supervisor).get("/api/v1/audit/events", HTTP_X_REQUEST_ID="done-1")
    assert get_context().request_id == ""
    assert get_context().actor_id is None
