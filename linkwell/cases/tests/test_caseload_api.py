"""/api/v1/episodes/caseload/...: the caseload's views and the revolving-door flag over the API."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from linkwell.audit.models import AuditEvent
from linkwell.cases.models import EpisodeStatus
from linkwell.cases.tests.factories import EpisodeFactory
from linkwell.cases.tests.test_caseload_views import (
    _busy_caseload,
    group_booking,
    on_caseload,
    session,
)
from linkwell.common.working_days import working_days_between
from linkwell.conversations.models import Conversation
from linkwell.sessions.services import extension_request

pytestmark = pytest.mark.django_db

URL = "/api/v1/episodes/caseload"
VIEWS = ["", "/waiting", "/overdue", "/upcoming", "/extensions"]


def returning(world, episode, needs=("money",)):
    for number in (1, 2):
        old = EpisodeFactory(
            person=episode.person,
            number=episode.number + number,
            team=world.service_team,
            opened_at=timezone.now() - dt.timedelta(days=100 * number),
            status=EpisodeStatus.CLOSED,
            discharge_reason="goals_met",
        )
        Conversation.objects.create(
            episode=old,
            version=1,
            needs=[{"code": c, "priority": 1, "own_words": ""} for c in needs],
        )


def test_waiting_and_overdue_over_the_api(world, client_for):
    waiting = on_caseload(world, "Waiting", days_ago=12)
    returning(world, waiting, needs=("housing", "money"))
    quiet = on_caseload(world, "Quiet", days_ago=60, contact_days_ago=20)
    client = client_for(world.link_worker)

    body = client.get(f"{URL}/waiting").json()
    assert [e["uuid"] for e in body] == [str(waiting.uuid)]
    expected = working_days_between(timezone.localdate(waiting.opened_at), timezone.localdate())
    assert body[0]["waiting_working_days"] == expected
    assert body[0]["revolving_door"] == {"episodes": 3, "recurring_needs": ["housing", "money"]}

    overdue = client.get(f"{URL}/overdue").json()
    assert [e["uuid"] for e in overdue] == [str(quiet.uuid)]
    assert overdue[0]["revolving_door"] is None
    assert overdue[0]["next_session_at"] is None
    last_contact = dt.datetime.fromisoformat(overdue[0]["last_contact_at"])
    assert abs(last_contact - quiet.first_contact_at) < dt.timedelta(milliseconds=1)

    counts = client.get(f"{URL}/counts").json()
    assert counts == {"all": 2, "waiting": 1, "overdue": 1, "upcoming": 0, "extensions": 0}
    assert AuditEvent.objects.filter(object_type="caseload", object_id="waiting").count() == 1


def test_upcoming_and_extensions_over_the_api(world, client_for):
    mine = on_caseload(world, "Mine", contact_days_ago=1)
    session(world, mine, days=2)
    group_booking(world, mine.person, days=1, name="Sleep well")
    extension_request(episode=mine, actor=world.link_worker, extra_sessions=2, reason="Appeal")

    upcoming = client_for(world.link_worker).get(f"{URL}/upcoming").json()
    assert [(i["kind"], i["what"]) for i in upcoming] == [
        ("group", "Sleep well"),
        ("session", "Telephone, 45 minutes"),
    ]
    assert upcoming[0]["episode"]["uuid"] == str(mine.uuid)

    theirs = client_for(world.link_worker).get(f"{URL}/extensions").json()
    assert [x["reason"] for x in theirs] == ["Appeal"]
    decide = client_for(world.supervisor).get(f"{URL}/extensions").json()
    assert [x["extra_sessions"] for x in decide] == [2]


def test_episode_detail_carries_the_flag(world, client_for):
    mine = on_caseload(world, "Mine", contact_days_ago=1)
    returning(world, mine)
    body = client_for(world.link_worker).get(f"/api/v1/episodes/{mine.uuid}").json()
    assert body["revolving_door"] == {"episodes": 3, "recurring_needs": ["money"]}


@pytest.mark.parametrize("view", VIEWS)
def test_outsider_gets_nothing_from_any_caseload_view(world, client_for, view):
    quiet = on_caseload(world, "Quiet", days_ago=60, contact_days_ago=20)
    on_caseload(world, "Waiting", days_ago=5)
    session(world, quiet, days=1)
    extension_request(episode=quiet, actor=world.link_worker, extra_sessions=1, reason="More")
    for persona in ("outsider", "referrer", "commissioner"):
        response = client_for(getattr(world, persona)).get(f"{URL}{view}")
        assert response.status_code == 200
        assert response.json() == []
    counts = client_for(world.outsider).get(f"{URL}/counts").json()
    assert set(counts.values()) == {0}


@pytest.mark.parametrize("view", VIEWS)
def test_api_queries_do_not_grow_with_the_caseload(
    world, client_for, django_assert_max_num_queries, view
):
    client = client_for(world.link_worker)
    _busy_caseload(world, 2)
    client.get(f"{URL}{view}")
    with django_assert_max_num_queries(30) as small:
        client.get(f"{URL}{view}")
    _busy_caseload(world, 12)
    with django_assert_max_num_queries(len(small.captured_queries)):
        body = client.get(f"{URL}{view}").json()
    assert body
