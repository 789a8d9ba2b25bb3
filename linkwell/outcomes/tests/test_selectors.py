"""Reading outcome measures: access for team staff only, and an audit row per read."""

from __future__ import annotations

import pytest

from linkwell.audit.models import AuditEvent
from linkwell.common.errors import NotFound
from linkwell.outcomes import selectors, services
from linkwell.outcomes.models import RiskFlag

pytestmark = pytest.mark.django_db


def _flagged(world, episode):
    return services.response_record(
        episode=episode, instrument_code="phq9", answers=[1] * 9, actor=world.link_worker
    )


@pytest.mark.parametrize("persona", ["link_worker", "teammate", "supervisor", "admin"])
def test_team_staff_see_the_episode_outcomes(world, episode, persona):
    user = getattr(world, persona)
    data = selectors.episode_outcomes_get_for_user(user=user, episode_uuid=episode.uuid)
    assert data.episode == episode
    assert AuditEvent.objects.filter(
        action="read", actor=user, person_uuid=episode.person.uuid
    ).exists()


@pytest.mark.parametrize(
    "persona", ["outsider", "referrer", "provider", "volunteer", "commissioner"]
)
def test_everyone_else_is_told_the_episode_does_not_exist(world, episode, persona):
    with pytest.raises(NotFound):
        selectors.episode_outcomes_get_for_user(
            user=getattr(world, persona), episode_uuid=episode.uuid
        )


def test_a_malformed_uuid_is_not_found(world):
    with pytest.raises(NotFound):
        selectors.outcomes_episode_get_for_user(user=world.link_worker, episode_uuid="nope")


def test_responses_and_flags_are_refused_to_an_outsider(world, episode):
    response = _flagged(world, episode)
    flag = RiskFlag.objects.get()
    with pytest.raises(NotFound):
        selectors.response_get_for_user(user=world.outsider, response_uuid=response.uuid)
    with pytest.raises(NotFound):
        selectors.risk_flag_get_for_user(user=world.outsider, flag_uuid=flag.uuid)
    assert selectors.risk_flag_list_for_user(user=world.outsider) == []
    assert selectors.risk_flag_list_for_user(user=world.supervisor) == [flag]


def test_the_person_change_covers_only_episodes_the_user_may_see(world, episode):
    from linkwell.cases.tests.factories import EpisodeFactory

    elsewhere = EpisodeFactory(person=episode.person, team=world.other_team)
    result = selectors.person_change_for_user(
        user=world.link_worker, person_uuid=episode.person.uuid
    )
    assert [r.episode for r in result] == [episode]
    outsider_view = selectors.person_change_for_user(
        user=world.outsider, person_uuid=episode.person.uuid
    )
    assert [r.episode for r in outsider_view] == [elsewhere]
    with pytest.raises(NotFound):
        selectors.person_change_for_user(user=world.commissioner, person_uuid=episode.person.uuid)


def test_the_due_list_shows_a_link_worker_their_own_people(world, episode):
    from linkwell.cases.tests.factories import EpisodeFactory

    teammates = EpisodeFactory(team=world.service_team, link_worker=world.teammate)
    services.due_measures_generate(episode=episode)
    services.due_measures_generate(episode=teammates)
    mine = selectors.due_measure_list_for_user(user=world.link_worker)
    assert {d.episode for d in mine} == {episode}
    team = selectors.due_measure_list_for_user(user=world.supervisor)
    assert {d.episode for d in team} == {episode, teammates}
    assert selectors.due_measure_list_for_user(user=world.outsider) == []


def _transactions(read) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        read()
    return sum(q["sql"].startswith(("BEGIN", "SAVEPOINT")) for q in queries.captured_queries)


def test_the_due_and_risk_flag_lists_log_their_reads_in_one_transaction(world, episode):
    # Each row's audit "read" was a transaction of its own: up to 500 commits for one look at
    # the due list, 200 for the risk flags.
    from linkwell.audit.verification import audit_chain_verify
    from linkwell.cases.tests.factories import EpisodeFactory

    services.due_measures_generate(episode=episode)
    _flagged(world, episode)

    def due():
        return selectors.due_measure_list_for_user(user=world.supervisor)

    def flags():
        return selectors.risk_flag_list_for_user(user=world.supervisor)

    one = (_transactions(due), _transactions(flags))
    for _ in range(4):
        more = EpisodeFactory(team=world.service_team, link_worker=world.link_worker)
        services.due_measures_generate(episode=more)
        _flagged(world, more)
    assert (_transactions(due), _transactions(flags)) == one
    assert len({d.episode_id for d in due()}) == 5 and len(flags()) == 5
    reads = AuditEvent.objects.filter(action="read", actor=world.supervisor)
    assert reads.filter(object_type="RiskFlag").count() == 1 + 5 + 5
    assert audit_chain_verify().intact
