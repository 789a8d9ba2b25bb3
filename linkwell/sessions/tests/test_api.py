import datetime as dt

import pytest
from django.utils import timezone

from linkwell.sessions.models import Appointment

pytestmark = pytest.mark.django_db
URL = "/api/v1/sessions"


def _book(client, episode, **body):
    payload = {"starts_at": (timezone.now() - dt.timedelta(hours=2)).isoformat(), "mode": "video"}
    payload.update(body)
    return client.post(
        f"{URL}/episodes/{episode.uuid}/appointments", data=payload, content_type="application/json"
    )


def test_book_record_outcome_and_read_allowance(world, client_for, episode):
    client = client_for(world.link_worker)
    booked = _book(client, episode)
    assert booked.status_code == 201, booked.content
    uuid = booked.json()["uuid"]
    done = client.post(
        f"{URL}/appointments/{uuid}/outcome",
        data={"outcome": "attended"},
        content_type="application/json",
    )
    assert done.json()["outcome"] == "attended"
    allowance = client.get(f"{URL}/episodes/{episode.uuid}/allowance").json()
    assert (allowance["limit"], allowance["attended"], allowance["remaining"]) == (6, 1, 5)
    listed = client.get(f"{URL}/episodes/{episode.uuid}/appointments").json()
    assert [a["uuid"] for a in listed] == [uuid]


def test_bad_mode_gets_a_clear_message_and_saves_nothing(world, client_for, episode):
    response = _book(client_for(world.link_worker), episode, mode="face_to_face")
    assert response.status_code == 400
    assert "venue_kind" in response.json()["extra"]["fields"]
    assert Appointment.objects.count() == 0


def test_extension_request_and_supervisor_decision(world, client_for, episode):
    asked = client_for(world.link_worker).post(
        f"{URL}/episodes/{episode.uuid}/extensions",
        data={"extra_sessions": 2, "reason": "Waiting for a housing decision"},
        content_type="application/json",
    )
    assert asked.status_code == 201
    supervisor = client_for(world.supervisor)
    awaiting = supervisor.get(f"{URL}/extensions/awaiting").json()
    assert [e["uuid"] for e in awaiting] == [asked.json()["uuid"]]
    decided = supervisor.post(
        f"{URL}/extensions/{asked.json()['uuid']}/decision",
        data={"approve": True},
        content_type="application/json",
    )
    assert decided.json()["status"] == "approved"
    self_decided = client_for(world.link_worker).post(
        f"{URL}/extensions/{asked.json()['uuid']}/decision",
        data={"approve": True},
        content_type="application/json",
    )
    assert self_decided.status_code == 403


def test_outsider_is_refused_everywhere(world, client_for, episode):
    booked = _book(client_for(world.link_worker), episode).json()
    outsider = client_for(world.outsider)
    assert _book(outsider, episode).status_code == 404
    assert outsider.get(f"{URL}/episodes/{episode.uuid}/appointments").status_code == 404
    assert outsider.get(f"{URL}/episodes/{episode.uuid}/allowance").status_code == 404
    outcome = outsider.post(
        f"{URL}/appointments/{booked['uuid']}/outcome",
        data={"outcome": "attended"},
        content_type="application/json",
    )
    assert outcome.status_code == 404
    extension = outsider.post(
        f"{URL}/episodes/{episode.uuid}/extensions",
        data={"extra_sessions": 2, "reason": "x"},
        content_type="application/json",
    )
    assert extension.status_code == 404
    today = timezone.localdate().isoformat()
    assert outsider.get(f"{URL}/diary", {"start": today, "days": 7}).json() == []
    assert outsider.get(f"{URL}/extensions/awaiting").json() == []


@pytest.mark.parametrize(
    "starts_at",
    ["2026-01-01T10:00:00+23:59", "0001-01-01T00:00:00+23:59", "9999-12-31T23:59:59-23:59", 32768],
)
def test_a_start_time_no_database_can_hold_is_refused(world, client_for, episode, starts_at):
    response = _book(client_for(world.link_worker), episode, starts_at=starts_at)
    assert response.status_code == 400, response.content
    assert response.json()["message"].startswith("starts_at")
    assert not Appointment.objects.exists()
