import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from linkwell.common.errors import NotFound
from linkwell.sessions.selectors import (
    appointment_get_for_user,
    diary_for_user,
    episode_mode_timeline,
    extensions_awaiting_for_user,
)
from linkwell.sessions.services import appointment_book, extension_request

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")


def _book(episode, actor, when, mode="telephone", venue=""):
    return appointment_book(
        episode=episode, actor=actor, starts_at=when, mode=mode, venue_kind=venue
    )


def test_diary_day_and_week_use_london_days(world, episode):
    monday = dt.date(2026, 6, 1)
    early = _book(episode, world.link_worker, dt.datetime(2026, 6, 1, 0, 30, tzinfo=LONDON))
    thursday = _book(episode, world.link_worker, dt.datetime(2026, 6, 4, 10, tzinfo=LONDON))
    _book(episode, world.link_worker, dt.datetime(2026, 6, 9, 10, tzinfo=LONDON))
    assert list(diary_for_user(user=world.link_worker, start=monday)) == [early]
    assert list(diary_for_user(user=world.link_worker, start=monday, days=7)) == [
        early,
        thursday,
    ]


def test_link_worker_cannot_read_a_teammates_diary_but_supervisor_can(world, episode):
    when = dt.datetime(2026, 6, 1, 10, tzinfo=LONDON)
    a = _book(episode, world.link_worker, when)
    with pytest.raises(NotFound):
        diary_for_user(user=world.teammate, start=when.date(), link_worker=world.link_worker)
    assert list(
        diary_for_user(user=world.supervisor, start=when.date(), link_worker=world.link_worker)
    ) == [a]


def test_outsider_sees_no_appointment_and_empty_diary(world, episode):
    when = dt.datetime(2026, 6, 1, 10, tzinfo=LONDON)
    a = _book(episode, world.link_worker, when)
    with pytest.raises(NotFound):
        appointment_get_for_user(user=world.outsider, appointment_uuid=a.uuid)
    assert list(diary_for_user(user=world.outsider, start=when.date(), days=7)) == []


def test_timeline_shows_modes_by_month(world, episode):
    _book(episode, world.link_worker, dt.datetime(2026, 5, 3, 10, tzinfo=LONDON))
    _book(
        episode,
        world.link_worker,
        dt.datetime(2026, 5, 10, 10, tzinfo=LONDON),
        mode="community_venue",
        venue="library",
    )
    _book(episode, world.link_worker, dt.datetime(2026, 6, 1, 10, tzinfo=LONDON), mode="video")
    assert episode_mode_timeline(episode=episode) == [
        ("2026-05", "Telephone", 1),
        ("2026-05", "At a community venue", 1),
        ("2026-06", "Video call", 1),
    ]


def test_awaiting_extensions_are_visible_to_the_team_only(world, episode):
    ext = extension_request(
        episode=episode, actor=world.link_worker, extra_sessions=2, reason="More time"
    )
    assert list(extensions_awaiting_for_user(user=world.supervisor)) == [ext]
    assert list(extensions_awaiting_for_user(user=world.outsider)) == []
