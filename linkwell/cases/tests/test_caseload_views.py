"""The caseload's views: waiting for first contact, overdue follow-ups, sessions coming up and
requests for more sessions, with their counts, access, audit and a bounded number of queries."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from linkwell.audit.models import AuditEvent
from linkwell.cases.models import EpisodeStatus
from linkwell.cases.tests.factories import EpisodeFactory
from linkwell.common.working_days import working_days_between
from linkwell.conversations.models import Conversation
from linkwell.groups.models import Booking, BookingStatus, GroupSession, Programme
from linkwell.people.tests.factories import PersonFactory
from linkwell.sessions.services import (
    appointment_book,
    appointment_record_outcome,
    extension_request,
)

pytestmark = pytest.mark.django_db

VIEWS = ["cases:caseload", "cases:waiting", "cases:overdue", "cases:upcoming", "cases:extensions"]


def on_caseload(world, name, *, worker=None, days_ago=1, contact_days_ago=None, **fields):
    now = timezone.now()
    return EpisodeFactory(
        person=PersonFactory(given_name=name, family_name="Okafor"),
        team=world.service_team,
        link_worker=worker or world.link_worker,
        status=EpisodeStatus.ACTIVE if contact_days_ago is not None else EpisodeStatus.OPEN,
        opened_at=now - dt.timedelta(days=days_ago),
        first_contact_at=None
        if contact_days_ago is None
        else now - dt.timedelta(days=contact_days_ago),
        **fields,
    )


def session(world, episode, *, days, outcome="", actor=None):
    actor = actor or episode.link_worker
    appointment = appointment_book(
        episode=episode,
        actor=actor,
        starts_at=timezone.now() + dt.timedelta(days=days),
        mode="telephone",
    )
    if outcome:
        reason = "" if outcome == "attended" else "Not well enough."
        appointment_record_outcome(
            appointment=appointment, actor=actor, outcome=outcome, reason=reason
        )
    return appointment


def group_booking(world, person, *, days, status=BookingStatus.BOOKED, name="Managing worries"):
    programme = Programme.objects.create(team=world.service_team, name=name)
    group = GroupSession.objects.create(
        programme=programme,
        starts_at=timezone.now() + dt.timedelta(days=days),
        capacity=12,
        venue="Hyde Park Community Centre",
    )
    return Booking.objects.create(
        session=group, person=person, status=status, booked_at=timezone.now()
    )


def page(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 200
    return response.content.decode()


def episode_url(episode):
    return reverse("cases:episode", args=[episode.uuid])


# --- waiting for first contact --------------------------------------------------------------


def test_waiting_lists_people_without_contact_oldest_first_in_working_days(world, client_for):
    oldest = on_caseload(world, "Oldest", days_ago=20)
    newer = on_caseload(world, "Newer", days_ago=3)
    missed = on_caseload(world, "Missed", days_ago=10)
    session(world, missed, days=-2, outcome="did_not_attend")
    contacted = on_caseload(world, "Contacted", days_ago=15, contact_days_ago=2)
    booked = on_caseload(world, "Booked", days_ago=12)
    session(world, booked, days=2)
    teammates = on_caseload(world, "Teammates", worker=world.teammate, days_ago=30)

    html = page(client_for(world.link_worker), "cases:waiting")

    order = [html.index(episode_url(e)) for e in (oldest, missed, newer)]
    assert order == sorted(order)
    for absent in (contacted, booked, teammates):
        assert episode_url(absent) not in html
    today = timezone.localdate()
    waited = working_days_between(timezone.localdate(oldest.opened_at), today)
    assert f'data-working-days="{waited}">{waited} working days' in html
    assert "Waiting for first contact (3)" in html

    team = page(client_for(world.supervisor), "cases:waiting")
    assert episode_url(teammates) in team
    assert "Waiting for first contact (4)" in team


# --- overdue follow-ups ---------------------------------------------------------------------


def test_overdue_lists_episodes_without_contact_or_attended_session_for_14_days(world, client_for):
    quiet = on_caseload(world, "Quiet", days_ago=60, contact_days_ago=20)
    seen = on_caseload(world, "Seen", days_ago=60, contact_days_ago=20)
    session(world, seen, days=-3, outcome="attended")
    lapsed = on_caseload(world, "Lapsed", days_ago=60, contact_days_ago=40)
    session(world, lapsed, days=-15, outcome="attended")
    session(world, lapsed, days=-5, outcome="did_not_attend")
    recent = on_caseload(world, "Recent", days_ago=60, contact_days_ago=5)
    never = on_caseload(world, "Never", days_ago=60)
    booked = on_caseload(world, "Rebooked", days_ago=60, contact_days_ago=30)
    session(world, booked, days=4)

    html = page(client_for(world.link_worker), "cases:overdue")

    for overdue in (quiet, lapsed, booked):
        assert episode_url(overdue) in html
    for fine in (seen, recent, never):
        assert episode_url(fine) not in html
    # Longest without contact first: Rebooked (30 days), Quiet (20), Lapsed (15).
    order = [html.index(episode_url(e)) for e in (booked, quiet, lapsed)]
    assert order == sorted(order)
    assert 'data-days="15"' in html
    assert "Follow-up overdue (3)" in html
    assert reverse("sessions:episode", args=[quiet.uuid]) in html  # "Book a session"


def test_overdue_days_come_from_settings(world, client_for, settings):
    quiet = on_caseload(world, "Quiet", days_ago=60, contact_days_ago=20)
    settings.LINKWELL = {**settings.LINKWELL, "FOLLOW_UP_OVERDUE_DAYS": 30}
    html = page(client_for(world.link_worker), "cases:overdue")
    assert episode_url(quiet) not in html
    assert "No follow-ups are overdue." in html


# --- upcoming sessions ----------------------------------------------------------------------


def test_upcoming_lists_the_next_seven_days_sessions_and_group_bookings(world, client_for):
    mine = on_caseload(world, "Mine", contact_days_ago=1)
    soon = session(world, mine, days=2)
    session(world, mine, days=8)  # beyond the week
    session(world, mine, days=-1)  # already happened
    cancelled = session(world, mine, days=3)
    appointment_record_outcome(
        appointment=cancelled,
        actor=world.link_worker,
        outcome="cancelled_by_person",
        reason="Hospital appointment",
    )
    group_booking(world, mine.person, days=1, name="Sleep well")
    group_booking(world, mine.person, days=4, status=BookingStatus.WAITING, name="Waiting list")
    group_booking(world, PersonFactory(), days=2, name="Someone else's group")
    teammates = on_caseload(world, "Teammates", worker=world.teammate, contact_days_ago=1)
    session(world, teammates, days=1)

    html = page(client_for(world.link_worker), "cases:upcoming")

    assert html.count('data-kind="session"') == 1
    assert html.count('data-kind="group"') == 1
    assert "Sleep well" in html and "Hyde Park Community Centre" in html
    assert "Waiting list" not in html and "Someone else" not in html
    assert episode_url(teammates) not in html
    assert html.index("Sleep well") < html.index(
        timezone.localtime(soon.starts_at).strftime("%a %-d %b")
    )
    assert "This week (2)" in html

    team = page(client_for(world.supervisor), "cases:upcoming")
    assert team.count('data-kind="session"') == 2


# --- extension requests ---------------------------------------------------------------------


def test_requests_for_more_sessions_practitioners_see_theirs_supervisors_what_they_decide(
    world, client_for
):
    mine = on_caseload(world, "Mine", contact_days_ago=1)
    teammates = on_caseload(world, "Teammates", worker=world.teammate, contact_days_ago=1)
    supervisors = on_caseload(world, "Supervised", worker=world.supervisor, contact_days_ago=1)
    extension_request(
        episode=mine, actor=world.link_worker, extra_sessions=2, reason="Housing appeal"
    )
    extension_request(episode=teammates, actor=world.teammate, extra_sessions=1, reason="Move")
    extension_request(episode=supervisors, actor=world.supervisor, extra_sessions=3, reason="Debt")

    html = page(client_for(world.link_worker), "cases:extensions")
    assert "Housing appeal" in html
    assert "Move" not in html and "Debt" not in html
    assert "More sessions requested (1)" in html
    assert "Decide on these requests" not in html

    team = page(client_for(world.supervisor), "cases:extensions")
    assert "Housing appeal" in team and "Move" in team
    assert "Debt" not in team  # their own request: someone else must decide it
    assert "More sessions requested (2)" in team
    assert reverse("sessions:extensions") in team

    admin = page(client_for(world.admin), "cases:extensions")
    assert "Debt" in admin


# --- access, audit, queries -----------------------------------------------------------------


@pytest.mark.parametrize("name", VIEWS)
def test_outsider_sees_none_of_our_people_in_any_view(world, client_for, name):
    quiet = on_caseload(world, "Quiet", days_ago=60, contact_days_ago=20)
    waiting = on_caseload(world, "Waiting", days_ago=5)
    session(world, quiet, days=1)
    extension_request(episode=quiet, actor=world.link_worker, extra_sessions=1, reason="More")
    html = page(client_for(world.outsider), name)
    for episode in (quiet, waiting):
        assert episode_url(episode) not in html
    assert "(0)" in html and "(1)" not in html


@pytest.mark.parametrize("persona", ["referrer", "provider", "volunteer", "commissioner"])
@pytest.mark.parametrize("name", VIEWS)
def test_caseload_views_are_refused_to_roles_outside_a_team(world, client_for, persona, name):
    on_caseload(world, "Waiting", days_ago=5)
    response = client_for(getattr(world, persona)).get(reverse(name))
    assert response.status_code == 403


def test_each_view_writes_one_audit_row_naming_the_episodes_shown(world, client_for):
    waiting = on_caseload(world, "Waiting", days_ago=5)
    on_caseload(world, "Contacted", days_ago=5, contact_days_ago=1)
    page(client_for(world.link_worker), "cases:waiting")
    row = AuditEvent.objects.filter(object_type="caseload", object_id="waiting").get()
    assert row.actor == world.link_worker
    assert row.action == "read"
    assert row.detail == {"episodes": [str(waiting.uuid)]}


def _busy_caseload(world, people):
    for i in range(people):
        episode = on_caseload(world, f"P{i}", days_ago=40, contact_days_ago=20 if i % 2 else None)
        if i % 2:
            session(world, episode, days=2)
            group_booking(world, episode.person, days=3, name=f"Group {i}")
            extension_request(
                episode=episode, actor=world.link_worker, extra_sessions=1, reason="More"
            )
        for number in (1, 2):
            EpisodeFactory(
                person=episode.person,
                number=episode.number + number,
                team=world.service_team,
                opened_at=timezone.now() - dt.timedelta(days=200 * number),
                status=EpisodeStatus.CLOSED,
                discharge_reason="goals_met",
            )
        Conversation.objects.create(
            episode=episode, version=1, needs=[{"code": "money", "priority": 1, "own_words": ""}]
        )


@pytest.mark.parametrize("name", VIEWS)
def test_queries_do_not_grow_with_the_caseload(
    world, client_for, django_assert_max_num_queries, name
):
    client = client_for(world.link_worker)
    _busy_caseload(world, 2)
    client.get(reverse(name))  # warm the session and the signed-in user's caches
    with django_assert_max_num_queries(30) as small:
        page(client, name)
    _busy_caseload(world, 12)
    with django_assert_max_num_queries(len(small.captured_queries)):
        html = page(client, name)
    if name == "cases:caseload":
        assert html.count(">Returning</strong>") == 14


# --- the episode page -----------------------------------------------------------------------


def test_episode_page_shows_the_flag_with_the_needs_that_recur(world, client_for):
    current = on_caseload(world, "Grace", contact_days_ago=1, number=3)
    for number, needs in ((1, ["housing", "money"]), (2, ["housing"])):
        old = EpisodeFactory(
            person=current.person,
            number=number,
            team=world.service_team,
            opened_at=timezone.now() - dt.timedelta(days=150 * number),
            status=EpisodeStatus.CLOSED,
            discharge_reason="goals_met",
        )
        Conversation.objects.create(
            episode=old,
            version=1,
            needs=[{"code": c, "priority": 1, "own_words": ""} for c in needs],
        )
    Conversation.objects.create(
        episode=current, version=1, needs=[{"code": "money", "priority": 1, "own_words": ""}]
    )
    html = page_for_episode(client_for(world.link_worker), current)
    assert "has had 3 episodes of support in the last 24 months" in html
    assert "<strong>Housing, Money and debt</strong>" in html

    first_time = on_caseload(world, "New", contact_days_ago=1)
    assert 'id="revolving-door"' not in page_for_episode(client_for(world.link_worker), first_time)


def page_for_episode(client, episode):
    response = client.get(episode_url(episode))
    assert response.status_code == 200
    return response.content.decode()


def test_upcoming_is_paged_soonest_first(world, client_for, monkeypatch):
    monkeypatch.setattr("linkwell.cases.views.PAGE_SIZE", 2)
    mine = on_caseload(world, "Mine", contact_days_ago=1)
    group_booking(world, mine.person, days=3, name="Third")
    group_booking(world, mine.person, days=1, name="First")
    session(world, mine, days=2)
    client = client_for(world.link_worker)
    first = client.get(reverse("cases:upcoming")).content.decode()
    assert "First" in first and 'data-kind="session"' in first and "Third" not in first
    assert "This week (3)" in first
    second = client.get(reverse("cases:upcoming"), {"page": 2}).content.decode()
    assert "Third" in second and "First" not in second
