import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from linkwell.accounts.models import Role
from linkwell.accounts.tests.factories import UserFactory
from linkwell.common.errors import Conflict, Forbidden, InvalidTransition, NotFound
from linkwell.common.statuses import TaskStatus
from linkwell.common.working_days import add_working_days
from linkwell.connections.models import Connection
from linkwell.connections.services import (
    connection_create,
    connection_deadline_sweep_run,
    connection_transition,
)
from linkwell.conversations.models import PlanOption
from linkwell.conversations.services import conversation_record, option_offer
from linkwell.notifications.models import Alert, AlertKind
from linkwell.people.services import consent_record

pytestmark = pytest.mark.django_db


def refer(world, episode, service):
    return connection_create(episode=episode, service_id=service.id, actor=world.link_worker)


def test_referring_creates_a_requested_connection_with_a_deadline(world, episode, provider_service):
    option = option_offer(episode=episode, actor=world.link_worker, service_id=provider_service.id)
    c = refer(world, episode, provider_service)
    assert c.status == TaskStatus.REQUESTED
    assert c.provider == world.provider.organisation
    assert c.response_due == add_working_days(timezone.localdate(), 10)
    assert c.history.count() == 1
    option.refresh_from_db()
    assert option.status == "chosen"
    alert = Alert.objects.get(recipient=world.provider)
    assert "Bloggs" not in alert.message


def test_without_consent_the_provider_sees_only_a_first_name(world, episode, provider_service):
    c = refer(world, episode, provider_service)
    assert c.shared["consented"] is False
    assert set(c.shared) >= {"first_name", "note"}
    assert "family_name" not in c.shared and "phone" not in c.shared


def test_with_consent_the_provider_sees_contact_and_the_needs_it_meets(
    world, episode, provider_service
):
    consent_record(
        person=episode.person,
        purpose="share_providers",
        given=True,
        method="verbal",
        actor=world.link_worker,
    )
    conversation_record(
        episode=episode,
        actor=world.link_worker,
        needs=[
            {"code": "money", "priority": 1, "own_words": "Bills"},
            {"code": "safety", "priority": 1, "own_words": "Private"},
        ],
    )
    c = refer(world, episode, provider_service)
    assert c.shared["consented"] is True
    assert c.shared["family_name"] == "Bloggs"
    assert c.shared["needs"] == [{"need": "Money and debt", "in_their_words": "Bills"}]


def test_a_second_open_connection_to_the_same_service_is_refused(world, episode, provider_service):
    refer(world, episode, provider_service)
    with pytest.raises(Conflict):
        refer(world, episode, provider_service)


def test_an_unknown_or_hidden_service_is_refused(world, episode):
    from linkwell.directory.tests.factories import make_service

    hidden = make_service("Old listing", verified_days_ago=900)
    with pytest.raises(NotFound):
        connection_create(episode=episode, service_id=hidden.id, actor=world.link_worker)
    assert not Connection.objects.exists()


def test_provider_accepts_waitlists_starts_and_ends_support(world, episode, provider_service):
    c = refer(world, episode, provider_service)
    c = connection_transition(connection=c, to_status="accepted", actor=world.provider)
    c = connection_transition(
        connection=c, to_status="on-hold", actor=world.provider, waiting_list=True
    )
    assert c.on_waiting_list and c.status_reason == "On the waiting list."
    c = connection_transition(connection=c, to_status="in-progress", actor=world.provider)
    assert c.support_started_at is not None and not c.on_waiting_list
    c = connection_transition(connection=c, to_status="completed", actor=world.provider)
    assert c.support_ended_at is not None
    assert [h.to_status for h in c.history.all()] == [
        "requested",
        "accepted",
        "on-hold",
        "in-progress",
        "completed",
    ]
    assert Alert.objects.filter(recipient=world.link_worker).count() == 4


def test_declining_needs_a_reason(world, episode, provider_service):
    c = refer(world, episode, provider_service)
    with pytest.raises(ValidationError, match="why the referral is declined"):
        connection_transition(connection=c, to_status="rejected", actor=world.provider)
    c = connection_transition(
        connection=c, to_status="rejected", actor=world.provider, decline_reason="no_capacity"
    )
    assert c.status_reason == "No capacity"


def test_terminal_states_never_reopen(world, episode, provider_service):
    c = refer(world, episode, provider_service)
    c = connection_transition(
        connection=c, to_status="rejected", actor=world.provider, decline_reason="not_eligible"
    )
    with pytest.raises(InvalidTransition):
        connection_transition(connection=c, to_status="accepted", actor=world.provider)


def test_only_the_team_cancels(world, episode, provider_service):
    c = refer(world, episode, provider_service)
    with pytest.raises(Forbidden):
        connection_transition(connection=c, to_status="cancelled", actor=world.provider, reason="x")
    with pytest.raises(ValidationError):
        connection_transition(connection=c, to_status="cancelled", actor=world.link_worker)
    c = connection_transition(
        connection=c, to_status="cancelled", actor=world.link_worker, reason="Moved away"
    )
    assert c.status == "cancelled"


@pytest.mark.parametrize("persona", ["outsider", "referrer", "volunteer", "other_provider"])
def test_outsiders_cannot_answer(world, episode, provider_service, persona):
    from linkwell.accounts.tests.factories import OrganisationFactory

    other_provider = UserFactory(
        username="otherprov", role=Role.PROVIDER, organisation=OrganisationFactory()
    )
    actor = other_provider if persona == "other_provider" else getattr(world, persona)
    c = refer(world, episode, provider_service)
    with pytest.raises(Forbidden):
        connection_transition(connection=c, to_status="accepted", actor=actor)
    c.refresh_from_db()
    assert c.status == "requested"


def test_outsiders_cannot_refer(world, episode, provider_service):
    with pytest.raises(Forbidden):
        connection_create(episode=episode, service_id=provider_service.id, actor=world.outsider)


def test_reminders_then_escalation(world, episode, provider_service):
    c = refer(world, episode, provider_service)
    made = timezone.localdate()
    connection_deadline_sweep_run(today=add_working_days(made, 6))
    assert (
        Alert.objects.filter(recipient=world.provider, kind=AlertKind.DEADLINE_REMINDER).count()
        == 1
    )
    connection_deadline_sweep_run(today=add_working_days(made, 6))
    assert (
        Alert.objects.filter(recipient=world.provider, kind=AlertKind.DEADLINE_REMINDER).count()
        == 1
    )
    result = connection_deadline_sweep_run(today=c.response_due + dt.timedelta(days=1))
    assert result["escalations"] == 1
    assert Alert.objects.filter(recipient=world.supervisor, kind=AlertKind.ESCALATION).exists()


def test_refer_from_a_closed_episode_is_refused(world, episode, provider_service):
    from linkwell.cases.services import episode_transition

    episode_transition(
        episode=episode, to_status="closed", actor=world.link_worker, discharge_reason="goals_met"
    )
    with pytest.raises(Conflict):
        refer(world, episode, provider_service)
    assert not PlanOption.objects.exists()
