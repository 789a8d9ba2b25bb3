import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from linkwell.cases.models import EpisodeStatus
from linkwell.common.errors import Forbidden
from linkwell.notifications.models import Alert
from linkwell.sessions.models import DnaActionTaken
from linkwell.sessions.services import (
    appointment_book,
    appointment_record_outcome,
    dna_exempt_reason_add,
    dna_policy_set,
)

pytestmark = pytest.mark.django_db


def _miss(world, episode, when, dna_reason=""):
    a = appointment_book(episode=episode, actor=world.link_worker, starts_at=when, mode="video")
    return appointment_record_outcome(
        appointment=a,
        actor=world.link_worker,
        outcome="did_not_attend",
        reason="Did not join",
        dna_reason=dna_reason,
    )


def _actions(episode):
    return list(DnaActionTaken.objects.filter(episode=episode).values_list("action", flat=True))


def test_default_thresholds_fire_each_action_once_and_never_discharge(world, episode, past):
    for i in range(5):
        _miss(world, episode, past - dt.timedelta(days=i))
    assert _actions(episode) == ["contact_attempt", "welfare_call", "supervisor_review"]
    assert Alert.objects.filter(recipient=world.link_worker).count() == 2
    assert Alert.objects.filter(recipient=world.supervisor).count() == 1
    episode.refresh_from_db()
    assert episode.status != EpisodeStatus.CLOSED


def test_exempt_reasons_never_count(world, episode, past):
    _miss(world, episode, past, dna_reason="hospital_admission")
    _miss(world, episode, past - dt.timedelta(days=1), dna_reason="bereavement")
    assert _actions(episode) == []


def test_service_added_reason_never_counts_and_unknown_reason_is_refused(world, episode, past):
    dna_exempt_reason_add(
        team=world.service_team, actor=world.supervisor, code="court_date", label="Court date"
    )
    _miss(world, episode, past, dna_reason="court_date")
    assert _actions(episode) == []
    with pytest.raises(ValidationError):
        _miss(world, episode, past, dna_reason="overslept")


def test_discharge_only_when_the_service_configures_it(world, episode, past):
    with pytest.raises(Forbidden):
        dna_policy_set(
            team=world.service_team,
            actor=world.link_worker,
            contact_attempt_after=1,
            welfare_call_after=1,
            supervisor_review_after=2,
            discharge_after=2,
        )
    dna_policy_set(
        team=world.service_team,
        actor=world.supervisor,
        contact_attempt_after=1,
        welfare_call_after=1,
        supervisor_review_after=2,
        discharge_after=2,
    )
    _miss(world, episode, past)
    _miss(world, episode, past - dt.timedelta(days=1))
    episode.refresh_from_db()
    assert episode.status == EpisodeStatus.CLOSED
    assert episode.discharge_reason == "no_contact"
    assert "discharge" in _actions(episode)
