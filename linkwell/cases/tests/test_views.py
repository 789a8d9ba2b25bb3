"""The caseload page and an episode's page with its actions."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from linkwell.cases.models import Episode, EpisodeStatus
from linkwell.cases.services import episode_open
from linkwell.cases.tests.factories import EpisodeFactory
from linkwell.common.statuses import TaskStatus
from linkwell.people.tests.factories import PersonFactory
from linkwell.referrals.services import referral_create, referral_transition

pytestmark = pytest.mark.django_db


def accepted_episode(world, *, by=None, given_name="Mary", preferred_name=""):
    """An episode opened the real way: a referral accepted by a link worker."""
    referral = referral_create(
        actor=world.referrer,
        source="gp_practice",
        reason="Lonely since her husband died.",
        person_details={
            "given_name": given_name,
            "family_name": "Lund",
            "preferred_name": preferred_name,
            "date_of_birth": dt.date(1948, 5, 2),
            "postcode": "LS6 2AB",
            "phone": "07700 900456",
        },
        team=world.service_team,
        consent_confirmed=True,
    )
    referral_transition(referral=referral, to_status="accepted", actor=by or world.link_worker)
    return Episode.objects.get(referral=referral)


# --- the caseload ---------------------------------------------------------------------------


def test_link_worker_sees_their_own_caseload_with_preferred_names(world, client_for):
    mine = accepted_episode(world, given_name="Margaret", preferred_name="Peggy")
    teammates = accepted_episode(world, by=world.teammate, given_name="Harold")
    response = client_for(world.link_worker).get(reverse("cases:caseload"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "My caseload" in html
    assert reverse("cases:episode", args=[mine.uuid]) in html
    assert "Peggy Lund" in html
    assert reverse("cases:episode", args=[teammates.uuid]) not in html


def test_supervisor_sees_the_whole_teams_caseload(world, client_for):
    mine = accepted_episode(world)
    teammates = accepted_episode(world, by=world.teammate, given_name="Harold")
    html = client_for(world.supervisor).get(reverse("cases:caseload")).content.decode()
    assert "Team caseload" in html
    assert reverse("cases:episode", args=[mine.uuid]) in html
    assert reverse("cases:episode", args=[teammates.uuid]) in html


def test_a_third_episode_in_24_months_is_flagged_as_returning(world, client_for):
    person = PersonFactory(given_name="Returning")
    for number in (1, 2):
        EpisodeFactory(
            person=person,
            number=number,
            team=world.service_team,
            opened_at=timezone.now() - dt.timedelta(days=100 * number),
            status=EpisodeStatus.CLOSED,
            discharge_reason="goals_met",
        )
    EpisodeFactory(
        person=person,
        number=3,
        team=world.service_team,
        link_worker=world.link_worker,
        status=EpisodeStatus.ACTIVE,
    )
    # A third episode, but the first two were long ago: not the revolving door.
    long_ago = PersonFactory(given_name="Settled")
    for number in (1, 2):
        EpisodeFactory(
            person=long_ago,
            number=number,
            team=world.service_team,
            opened_at=timezone.now() - dt.timedelta(days=900 * number),
            status=EpisodeStatus.CLOSED,
            discharge_reason="goals_met",
        )
    EpisodeFactory(
        person=long_ago,
        number=3,
        team=world.service_team,
        link_worker=world.link_worker,
        status="active",
    )
    html = client_for(world.link_worker).get(reverse("cases:caseload")).content.decode()
    assert "Settled" in html
    assert html.count(">Returning</strong>") == 1


def test_caseload_filters_by_status_including_closed(world, client_for):
    active = accepted_episode(world, given_name="Active")
    closed = accepted_episode(world, given_name="Closed")
    client = client_for(world.link_worker)
    client.post(reverse("cases:action", args=[active.uuid, "start"]))
    client.post(
        reverse("cases:action", args=[closed.uuid, "close"]),
        {"close-discharge_reason": "goals_met"},
    )
    html = client.get(reverse("cases:caseload"), {"status": "active"}).content.decode()
    assert "Active Lund" in html and "Closed Lund" not in html
    default = client.get(reverse("cases:caseload")).content.decode()
    assert "Closed Lund" not in default
    closed_page = client.get(reverse("cases:caseload"), {"status": "closed"}).content.decode()
    assert "Closed Lund" in closed_page and "Active Lund" not in closed_page
    bad = client.get(reverse("cases:caseload"), {"status": "lost"})
    assert bad.status_code == 400
    assert "Choose a status from the list." in bad.content.decode()


def test_outsider_caseload_does_not_show_our_episodes(world, client_for):
    episode = accepted_episode(world)
    html = client_for(world.outsider).get(reverse("cases:caseload")).content.decode()
    assert reverse("cases:episode", args=[episode.uuid]) not in html


@pytest.mark.parametrize("persona", ["referrer", "provider", "volunteer", "commissioner"])
def test_caseload_is_refused_to_roles_outside_a_team(world, client_for, persona):
    assert client_for(getattr(world, persona)).get(reverse("cases:caseload")).status_code == 403


# --- an episode -----------------------------------------------------------------------------


def test_episode_page_shows_details_history_referral_and_person_link(world, client_for):
    episode = accepted_episode(world)
    response = client_for(world.link_worker).get(reverse("cases:episode", args=[episode.uuid]))
    assert response.status_code == 200
    html = response.content.decode()
    assert episode.referral.reference in html
    assert reverse("referrals:detail", args=[episode.referral.uuid]) in html
    assert reverse("people:detail", args=[episode.person.uuid]) in html
    assert "What has happened" in html
    assert "Start support" in html
    assert "Close this episode" in html


def test_teammate_can_open_the_episode(world, client_for):
    episode = accepted_episode(world)
    url = reverse("cases:episode", args=[episode.uuid])
    assert client_for(world.teammate).get(url).status_code == 200


def test_outsider_gets_not_found_for_our_episode_and_its_actions(world, client_for):
    episode = accepted_episode(world)
    client = client_for(world.outsider)
    assert client.get(reverse("cases:episode", args=[episode.uuid])).status_code == 404
    assert client.post(reverse("cases:action", args=[episode.uuid, "start"])).status_code == 404
    assign = client.post(
        reverse("cases:assign", args=[episode.uuid]), {"link_worker": str(world.outsider.uuid)}
    )
    assert assign.status_code == 404
    episode.refresh_from_db()
    assert episode.status == EpisodeStatus.OPEN
    assert episode.link_worker == world.link_worker


@pytest.mark.parametrize("persona", ["referrer", "provider", "volunteer", "commissioner"])
def test_episode_page_is_refused_to_roles_outside_a_team(world, client_for, persona):
    episode = accepted_episode(world)
    url = reverse("cases:episode", args=[episode.uuid])
    assert client_for(getattr(world, persona)).get(url).status_code == 403


def test_start_support_then_closing_then_close_with_a_discharge_reason(world, client_for):
    episode = accepted_episode(world)
    client = client_for(world.link_worker)
    started = client.post(reverse("cases:action", args=[episode.uuid, "start"]))
    assert started.status_code == 302
    episode.refresh_from_db()
    assert episode.status == EpisodeStatus.ACTIVE
    assert episode.first_contact_at is not None
    assert episode.referral.status == TaskStatus.IN_PROGRESS

    client.post(reverse("cases:action", args=[episode.uuid, "closing"]))
    episode.refresh_from_db()
    assert episode.status == EpisodeStatus.CLOSING

    no_reason = client.post(reverse("cases:action", args=[episode.uuid, "close"]), {})
    assert no_reason.status_code == 400
    assert 'href="#id_close-discharge_reason"' in no_reason.content.decode()
    episode.refresh_from_db()
    assert episode.status == EpisodeStatus.CLOSING

    closed = client.post(
        reverse("cases:action", args=[episode.uuid, "close"]),
        {"close-discharge_reason": "connected", "close-note": "Joined the walking group."},
    )
    assert closed.status_code == 302
    episode.refresh_from_db()
    assert episode.status == EpisodeStatus.CLOSED
    assert episode.discharge_reason == "connected"
    assert episode.discharge_note == "Joined the walking group."
    episode.referral.refresh_from_db()
    assert episode.referral.status == TaskStatus.COMPLETED
    page = client.get(reverse("cases:episode", args=[episode.uuid])).content.decode()
    assert "Connected to community support" in page
    assert "Start support" not in page and "Close this episode" not in page


def test_an_unknown_discharge_reason_is_refused(world, client_for):
    episode = accepted_episode(world)
    response = client_for(world.link_worker).post(
        reverse("cases:action", args=[episode.uuid, "close"]),
        {"close-discharge_reason": "bored"},
    )
    assert response.status_code == 400
    episode.refresh_from_db()
    assert episode.status == EpisodeStatus.OPEN


def test_a_closed_episode_cannot_be_started_again(world, client_for):
    episode = accepted_episode(world)
    client = client_for(world.link_worker)
    client.post(
        reverse("cases:action", args=[episode.uuid, "close"]),
        {"close-discharge_reason": "no_contact"},
    )
    response = client.post(reverse("cases:action", args=[episode.uuid, "start"]))
    assert response.status_code == 409
    assert "cannot be reopened" in response.content.decode()
    episode.refresh_from_db()
    assert episode.status == EpisodeStatus.CLOSED


def test_unknown_episode_action_is_not_found(world, client_for):
    episode = accepted_episode(world)
    url = reverse("cases:action", args=[episode.uuid, "delete"])
    assert client_for(world.link_worker).post(url).status_code == 404


def test_supervisor_assigns_an_episode_with_htmx(world, client_for):
    episode = accepted_episode(world)
    response = client_for(world.supervisor).post(
        reverse("cases:assign", args=[episode.uuid]),
        {"link_worker": str(world.teammate.uuid)},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html
    assert f"Assigned to {escape(world.teammate.display_name)}." in html
    episode.refresh_from_db()
    assert episode.link_worker == world.teammate


def test_assigning_an_episode_without_javascript_redirects_back(world, client_for):
    episode = accepted_episode(world)
    response = client_for(world.link_worker).post(
        reverse("cases:assign", args=[episode.uuid]), {"link_worker": str(world.teammate.uuid)}
    )
    assert response.status_code == 302
    episode.refresh_from_db()
    assert episode.link_worker == world.teammate


def test_assigning_an_episode_outside_the_team_is_refused(world, client_for):
    episode = accepted_episode(world)
    response = client_for(world.link_worker).post(
        reverse("cases:assign", args=[episode.uuid]), {"link_worker": str(world.outsider.uuid)}
    )
    assert response.status_code == 400
    assert "Select a link worker from this team" in response.content.decode()
    episode.refresh_from_db()
    assert episode.link_worker == world.link_worker


def test_an_episode_opened_without_a_referral_still_has_a_page(world, client_for):
    person = PersonFactory()
    episode = episode_open(person=person, team=world.service_team, actor=world.supervisor)
    response = client_for(world.supervisor).get(reverse("cases:episode", args=[episode.uuid]))
    assert response.status_code == 200
    assert "The referral it came from" not in response.content.decode()
