import datetime as dt

import pytest
from django.utils import timezone
from django.utils.html import escape

from linkwell.sessions.models import Appointment, ExtensionStatus
from linkwell.sessions.services import appointment_book, extension_request

pytestmark = pytest.mark.django_db


def test_link_worker_books_a_session_from_the_episode_page(world, client_for, episode):
    client = client_for(world.link_worker)
    page = f"/sessions/episodes/{episode.uuid}/"
    assert client.get(page).status_code == 200
    response = client.post(
        page,
        {
            "starts_at": "2026-06-01T10:00",
            "duration_minutes": 60,
            "mode": "community_venue",
            "venue_kind": "library",
            "venue_detail": "Central library, room 2",
        },
    )
    assert response.status_code == 302
    appointment = Appointment.objects.get()
    assert appointment.venue_kind == "library"
    assert appointment.starts_at == dt.datetime(2026, 6, 1, 9, 0, tzinfo=dt.UTC)


def test_booking_without_a_venue_shows_an_error_summary_and_saves_nothing(
    world, client_for, episode
):
    response = client_for(world.link_worker).post(
        f"/sessions/episodes/{episode.uuid}/",
        {"starts_at": "2026-06-01T10:00", "duration_minutes": 45, "mode": "home_visit"},
    )
    assert response.status_code == 400
    assert b"There is a problem" in response.content
    assert Appointment.objects.count() == 0


def test_diary_lists_the_days_sessions(world, client_for, episode):
    when = timezone.now().replace(hour=12, minute=0)
    appointment_book(episode=episode, actor=world.link_worker, starts_at=when, mode="telephone")
    date = when.date().isoformat()
    response = client_for(world.link_worker).get("/sessions/diary/", {"date": date})
    assert escape(episode.person.family_name).encode() in response.content
    week = client_for(world.link_worker).get("/sessions/diary/", {"date": date, "view": "week"})
    assert escape(episode.person.family_name).encode() in week.content


def test_supervisor_approves_from_the_requests_page(world, client_for, episode):
    ext = extension_request(
        episode=episode, actor=world.link_worker, extra_sessions=2, reason="Still waiting"
    )
    client = client_for(world.supervisor)
    assert b"Still waiting" in client.get("/sessions/extensions/").content
    client.post("/sessions/extensions/", {"extension": str(ext.uuid), "decision": "approve"})
    ext.refresh_from_db()
    assert ext.status == ExtensionStatus.APPROVED


def test_outsider_is_refused_on_every_page(world, client_for, episode):
    appointment = appointment_book(
        episode=episode, actor=world.link_worker, starts_at=timezone.now(), mode="video"
    )
    ext = extension_request(
        episode=episode, actor=world.link_worker, extra_sessions=2, reason="Still waiting"
    )
    outsider = client_for(world.outsider)
    assert outsider.get(f"/sessions/episodes/{episode.uuid}/").status_code == 404
    assert (
        outsider.post(
            f"/sessions/appointments/{appointment.uuid}/outcome/", {"outcome": "attended"}
        ).status_code
        == 404
    )
    assert (
        outsider.post(
            f"/sessions/episodes/{episode.uuid}/extension/",
            {"ext-extra_sessions": 2, "ext-reason": "x"},
        ).status_code
        == 404
    )
    assert b"Still waiting" not in outsider.get("/sessions/extensions/").content
    assert (
        outsider.post(
            "/sessions/extensions/", {"extension": str(ext.uuid), "decision": "approve"}
        ).status_code
        == 404
    )
    diary = outsider.get("/sessions/diary/")
    assert escape(episode.person.family_name).encode() not in diary.content
    assert client_for(world.referrer).get("/sessions/diary/").status_code == 403
