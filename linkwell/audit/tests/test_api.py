from datetime import UTC, datetime

import pytest
import time_machine
from django.test import Client

from linkwell.accounts.services import api_token_create
from linkwell.audit.models import AuditEvent
from linkwell.audit.services import audit_log

URL = "/api/v1/audit/events"


def _thing(actor, object_id: str = "1", action: str = "read") -> AuditEvent:
    return audit_log(action=action, object_type="Thing", object_id=object_id, actor=actor)


@pytest.mark.django_db
def test_a_supervisor_lists_events_of_their_organisation(world, client_for):
    with time_machine.travel(datetime(2026, 7, 1, 8, 0, tzinfo=UTC), tick=False):
        mine = _thing(world.link_worker, "mine")
    _thing(world.outsider, "elsewhere")
    response = client_for(world.supervisor).get(URL, {"object_type": "Thing"})
    assert response.status_code == 200
    body = response.json()
    assert body["older_than"] is None
    assert body["newer_than"] is None
    assert body["items"] == [
        {
            "id": mine.id,
            "at": "2026-07-01T09:00:00+01:00",
            "actor": "lw",
            "actor_uuid": str(world.link_worker.uuid),
            "action": "read",
            "object_type": "Thing",
            "object_id": "mine",
            "person_uuid": None,
            "request_id": "",
        }
    ]


@pytest.mark.django_db
def test_a_bearer_token_of_an_admin_can_search(world):
    _thing(world.teammate, "by-mate")
    _, raw = api_token_create(user=world.admin, name="SIEM export", actor=world.admin)
    response = Client().get(
        URL, {"actor": "mate"}, HTTP_AUTHORIZATION=f"Bearer {raw}", HTTP_X_REQUEST_ID="siem-1"
    )
    assert response.status_code == 200
    assert [item["object_id"] for item in response.json()["items"]] == ["by-mate"]
    search = AuditEvent.objects.get(object_type="AuditLog")
    assert (search.actor, search.request_id) == (world.admin, "siem-1")


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["outsider", "link_worker", "referrer", "commissioner"])
def test_other_roles_are_refused_with_the_error_shape(world, client_for, persona):
    _thing(world.link_worker, "secret")
    response = client_for(getattr(world, persona)).get(URL)
    assert response.status_code == 403
    assert response.json() == {
        "message": "Only supervisors and administrators can search the audit log.",
        "extra": {},
    }


@pytest.mark.django_db
def test_anonymous_requests_are_refused(world):
    response = Client().get(URL)
    assert response.status_code == 401
    assert set(response.json()) == {"message", "extra"}


@pytest.mark.django_db
def test_a_malformed_date_is_a_400_naming_the_field(world, client_for):
    response = client_for(world.supervisor).get(URL, {"date_from": "yesterday"})
    assert response.status_code == 400
    body = response.json()
    assert body["message"].startswith("query.date_from: Input should be a valid date")
    assert list(body["extra"]["fields"]) == ["query.date_from"]
    assert not AuditEvent.objects.filter(object_type="AuditLog").exists()


@pytest.mark.django_db
def test_dates_in_the_wrong_order_are_a_400(world, client_for):
    response = client_for(world.supervisor).get(
        URL, {"date_from": "2026-05-02", "date_to": "2026-05-01"}
    )
    assert response.status_code == 400
    assert response.json() == {
        "message": "The end date must be the same as or after the start date.",
        "extra": {
            "fields": {"date_to": ["The end date must be the same as or after the start date."]}
        },
    }


@pytest.mark.django_db
def test_pages_follow_the_cursors(world, client_for):
    rows = [_thing(world.link_worker, str(i)) for i in range(7)]
    client = client_for(world.supervisor)
    first = client.get(URL, {"object_type": "Thing", "limit": 3}).json()
    assert [i["id"] for i in first["items"]] == [r.id for r in reversed(rows[4:])]
    second = client.get(URL, {"object_type": "Thing", "limit": 3, "before": first["older_than"]})
    second_body = second.json()
    assert [i["id"] for i in second_body["items"]] == [r.id for r in reversed(rows[1:4])]
    back = client.get(
        URL, {"object_type": "Thing", "limit": 3, "after": second_body["newer_than"]}
    ).json()
    assert back["items"] == first["items"]


@pytest.mark.django_db
def test_a_limit_over_two_hundred_is_refused(world, client_for):
    response = client_for(world.supervisor).get(URL, {"limit": 500})
    assert response.status_code == 400
    assert response.json()["message"] == "query.limit: Input should be less than or equal to 200"
