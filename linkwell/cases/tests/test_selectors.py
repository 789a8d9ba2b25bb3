import pytest

from linkwell.accounts.tests.factories import UserFactory
from linkwell.audit.models import AuditEvent
from linkwell.cases.selectors import (
    caseload_for_user,
    episode_get_for_user,
    episode_list_for_user,
)
from linkwell.cases.services import episode_open, episode_transition
from linkwell.common.errors import NotFound
from linkwell.people.tests.factories import PersonFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def episodes(world):
    def open_for(worker, team=None):
        team = team or world.service_team
        actor = worker if worker.team_id == team.pk else world.supervisor
        return episode_open(person=PersonFactory(), team=team, actor=actor, link_worker=worker)

    mine = open_for(world.link_worker)
    mates = open_for(world.teammate)
    closed = open_for(world.link_worker)
    episode_transition(
        episode=closed, to_status="closed", actor=world.link_worker, discharge_reason="goals_met"
    )
    elsewhere = episode_open(
        person=PersonFactory(),
        team=world.other_team,
        actor=world.outsider,
        link_worker=world.outsider,
    )
    return {"mine": mine, "mates": mates, "closed": closed, "elsewhere": elsewhere}


def test_link_worker_caseload_is_their_own_open_episodes(world, episodes):
    assert list(caseload_for_user(user=world.link_worker)) == [episodes["mine"]]


def test_supervisor_caseload_is_the_team(world, episodes):
    assert set(caseload_for_user(user=world.supervisor)) == {episodes["mine"], episodes["mates"]}


def test_admin_caseload_is_the_organisation(world, episodes):
    assert set(caseload_for_user(user=world.admin)) == {episodes["mine"], episodes["mates"]}


@pytest.mark.parametrize("persona", ["referrer", "provider", "volunteer", "commissioner"])
def test_other_roles_have_no_caseload(world, episodes, persona):
    assert list(caseload_for_user(user=getattr(world, persona))) == []


def test_link_worker_sees_the_team_episodes_in_lists(world, episodes):
    seen = set(episode_list_for_user(user=world.link_worker))
    assert seen == {episodes["mine"], episodes["mates"], episodes["closed"]}
    assert list(episode_list_for_user(user=world.link_worker, status="closed")) == [
        episodes["closed"]
    ]


def test_get_is_audited_as_a_read_of_the_person(world, episodes):
    episode = episode_get_for_user(user=world.teammate, episode_uuid=episodes["mine"].uuid)
    assert AuditEvent.objects.filter(
        action="read",
        object_id=str(episode.uuid),
        person_uuid=episode.person.uuid,
        actor=world.teammate,
    ).exists()


@pytest.mark.parametrize(
    "persona", ["outsider", "referrer", "provider", "volunteer", "commissioner"]
)
def test_others_get_not_found(world, episodes, persona):
    with pytest.raises(NotFound):
        episode_get_for_user(user=getattr(world, persona), episode_uuid=episodes["mine"].uuid)
    assert list(episode_list_for_user(user=world.outsider)) == [episodes["elsewhere"]]


def test_inactive_staff_see_nothing(world, episodes):
    world.link_worker.is_active = False
    world.link_worker.save()
    with pytest.raises(NotFound):
        episode_get_for_user(user=world.link_worker, episode_uuid=episodes["mine"].uuid)


def test_admin_of_another_organisation_sees_nothing(world, episodes):
    other_admin = UserFactory(role="admin", organisation=world.other_team.organisation)
    with pytest.raises(NotFound):
        episode_get_for_user(user=other_admin, episode_uuid=episodes["mine"].uuid)


def test_bad_uuid_is_not_found(world):
    with pytest.raises(NotFound):
        episode_get_for_user(user=world.link_worker, episode_uuid="nope")
