import pytest
from django.core.exceptions import ValidationError

from linkwell.audit.models import AuditEvent
from linkwell.cases.models import EpisodeStatus, EpisodeStatusChange
from linkwell.cases.services import episode_assign, episode_open, episode_transition
from linkwell.common.errors import Conflict, Forbidden, InvalidTransition
from linkwell.people.tests.factories import PersonFactory
from linkwell.referrals.services import referral_create, referral_transition

pytestmark = pytest.mark.django_db


@pytest.fixture
def episode(world):
    return episode_open(
        person=PersonFactory(),
        team=world.service_team,
        actor=world.link_worker,
        link_worker=world.link_worker,
    )


def test_opening_numbers_episodes_per_person(world):
    person = PersonFactory()
    first = episode_open(person=person, team=world.service_team, actor=world.link_worker)
    assert first.number == 1
    episode_transition(
        episode=first, to_status="closed", actor=world.link_worker, discharge_reason="goals_met"
    )
    second = episode_open(person=person, team=world.service_team, actor=world.link_worker)
    assert second.number == 2
    assert (
        episode_open(
            person=PersonFactory(), team=world.service_team, actor=world.link_worker
        ).number
        == 1
    )


def test_opening_writes_history_and_audit(episode, world):
    assert [(h.from_status, h.to_status) for h in episode.history.all()] == [("", "open")]
    assert AuditEvent.objects.filter(
        action="create",
        object_type="Episode",
        object_id=str(episode.uuid),
        person_uuid=episode.person.uuid,
    ).exists()


def test_a_second_episode_at_once_is_refused(episode, world):
    with pytest.raises(Conflict):
        episode_open(person=episode.person, team=world.service_team, actor=world.link_worker)


def test_only_team_staff_open_episodes(world):
    for user in (world.outsider, world.referrer, world.volunteer, world.provider):
        with pytest.raises(Forbidden):
            episode_open(person=PersonFactory(), team=world.service_team, actor=user)


def test_link_worker_must_belong_to_the_team(world):
    with pytest.raises(ValidationError):
        episode_open(
            person=PersonFactory(),
            team=world.service_team,
            actor=world.supervisor,
            link_worker=world.outsider,
        )


def test_first_move_to_active_records_first_contact(episode, world):
    episode = episode_transition(episode=episode, to_status="active", actor=world.link_worker)
    first_contact = episode.first_contact_at
    assert first_contact is not None
    episode = episode_transition(episode=episode, to_status="closing", actor=world.link_worker)
    episode = episode_transition(episode=episode, to_status="active", actor=world.link_worker)
    assert episode.first_contact_at == first_contact


def test_closing_needs_a_discharge_reason(episode, world):
    with pytest.raises(ValidationError) as exc:
        episode_transition(episode=episode, to_status="closed", actor=world.link_worker)
    assert "why support ended" in str(exc.value)
    episode.refresh_from_db()
    assert episode.status == "open"
    with pytest.raises(ValidationError):
        episode_transition(
            episode=episode, to_status="closed", actor=world.link_worker, discharge_reason="bored"
        )
    episode = episode_transition(
        episode=episode,
        to_status="closed",
        actor=world.link_worker,
        discharge_reason="connected",
        reason="Joined the walking group",
    )
    assert episode.closed_at is not None
    assert episode.discharge_note == "Joined the walking group"


def test_closed_episode_never_reopens(episode, world):
    episode_transition(
        episode=episode, to_status="closed", actor=world.link_worker, discharge_reason="no_contact"
    )
    with pytest.raises(InvalidTransition) as exc:
        episode_transition(episode=episode, to_status="active", actor=world.link_worker)
    assert "new episode" in exc.value.message


def test_disallowed_move_and_unknown_status_are_refused(episode, world):
    episode_transition(episode=episode, to_status="active", actor=world.link_worker)
    with pytest.raises(InvalidTransition):
        episode_transition(episode=episode, to_status="open", actor=world.link_worker)
    with pytest.raises(ValidationError):
        episode_transition(episode=episode, to_status="paused", actor=world.link_worker)
    assert EpisodeStatusChange.objects.filter(episode=episode).count() == 2


def test_outsider_cannot_transition_or_assign(episode, world):
    with pytest.raises(Forbidden):
        episode_transition(episode=episode, to_status="active", actor=world.outsider)
    with pytest.raises(Forbidden):
        episode_assign(episode=episode, link_worker=world.outsider, actor=world.outsider)
    episode.refresh_from_db()
    assert episode.status == EpisodeStatus.OPEN


def test_assign_to_a_teammate(episode, world):
    episode = episode_assign(episode=episode, link_worker=world.teammate, actor=world.supervisor)
    assert episode.link_worker == world.teammate
    with pytest.raises(ValidationError):
        episode_assign(episode=episode, link_worker=world.referrer, actor=world.supervisor)


def test_closed_episode_cannot_be_assigned(episode, world):
    episode_transition(
        episode=episode, to_status="closed", actor=world.link_worker, discharge_reason="moved_away"
    )
    with pytest.raises(InvalidTransition):
        episode_assign(episode=episode, link_worker=world.teammate, actor=world.supervisor)


def test_the_referral_follows_the_episode(world):
    referral = referral_create(
        actor=world.referrer,
        source="gp_practice",
        reason="Lonely since retiring.",
        person_details={"given_name": "Ann", "family_name": "Lee"},
        team=world.service_team,
        consent_confirmed=True,
    )
    referral_transition(referral=referral, to_status="accepted", actor=world.link_worker)
    episode = referral.episode
    episode_transition(episode=episode, to_status="active", actor=world.link_worker)
    referral.refresh_from_db()
    assert referral.status == "in-progress"
    episode_transition(
        episode=episode, to_status="closed", actor=world.link_worker, discharge_reason="goals_met"
    )
    referral.refresh_from_db()
    assert referral.status == "completed"
    assert referral.status_reason == "Support ended: Goals met."
