"""Random walks over the Gravity referral statuses and the episode statuses."""

import pytest
from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    rule,
    run_state_machine_as_test,
)

from linkwell.cases.models import EPISODE_ALLOWED_TRANSITIONS, Episode, EpisodeStatus
from linkwell.cases.services import episode_open, episode_transition
from linkwell.common.errors import InvalidTransition
from linkwell.common.statuses import (
    TASK_ALLOWED_TRANSITIONS,
    TASK_REASON_REQUIRED,
    TASK_TERMINAL_STATUSES,
    TaskStatus,
)
from linkwell.people.tests.factories import PersonFactory
from linkwell.referrals.models import Referral
from linkwell.referrals.services import referral_transition
from linkwell.referrals.tests.factories import ReferralFactory

pytestmark = pytest.mark.django_db

RUN = settings(
    max_examples=25,
    stateful_step_count=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def test_referral_random_walks_stay_on_the_gravity_graph(world):
    class ReferralWalk(RuleBasedStateMachine):
        def __init__(self):
            super().__init__()
            self.referral = ReferralFactory(team=world.service_team, status="requested")
            self.referral.history.create(to_status="requested", at=self.referral.created_at)
            self.expected_rows = 1
            self.seen_terminal = None

        @rule(
            to_status=st.sampled_from(TaskStatus.values),
            reason=st.sampled_from(["", "Person asked to wait"]),
        )
        def move(self, to_status, reason):
            before = Referral.objects.get(pk=self.referral.pk).status
            allowed = to_status in TASK_ALLOWED_TRANSITIONS[before]
            needs_reason = to_status in TASK_REASON_REQUIRED and not reason
            try:
                referral_transition(
                    referral=self.referral,
                    to_status=to_status,
                    actor=world.link_worker,
                    reason=reason,
                )
            except (InvalidTransition, ValidationError):
                assert not allowed or needs_reason
                assert Referral.objects.get(pk=self.referral.pk).status == before
            else:
                assert allowed and not needs_reason
                self.expected_rows += 1
                if to_status in TASK_TERMINAL_STATUSES:
                    self.seen_terminal = to_status

        @invariant()
        def one_history_row_per_accepted_change(self):
            assert self.referral.history.count() == self.expected_rows

        @invariant()
        def history_follows_the_graph(self):
            rows = list(self.referral.history.order_by("at", "id"))
            for row in rows[1:]:
                assert row.to_status in TASK_ALLOWED_TRANSITIONS[row.from_status]
            assert rows[-1].to_status == Referral.objects.get(pk=self.referral.pk).status

        @invariant()
        def terminal_stays_terminal(self):
            if self.seen_terminal:
                assert Referral.objects.get(pk=self.referral.pk).status == self.seen_terminal

        @invariant()
        def accepted_means_exactly_one_episode(self):
            statuses = set(self.referral.history.values_list("to_status", flat=True))
            assert Episode.objects.filter(referral=self.referral).count() == int(
                "accepted" in statuses
            )

    run_state_machine_as_test(ReferralWalk, settings=RUN)


def test_episode_random_walks_stay_on_the_graph(world):
    class EpisodeWalk(RuleBasedStateMachine):
        def __init__(self):
            super().__init__()
            self.episode = episode_open(
                person=PersonFactory(), team=world.service_team, actor=world.link_worker
            )
            self.rows = 1

        @rule(
            to_status=st.sampled_from(EpisodeStatus.values),
            discharge=st.sampled_from(["", "goals_met"]),
        )
        def move(self, to_status, discharge):
            before = Episode.objects.get(pk=self.episode.pk).status
            ok = to_status in EPISODE_ALLOWED_TRANSITIONS[before] and (
                to_status != "closed" or discharge
            )
            try:
                episode_transition(
                    episode=self.episode,
                    to_status=to_status,
                    actor=world.link_worker,
                    discharge_reason=discharge,
                )
            except (InvalidTransition, ValidationError):
                assert not ok
            else:
                assert ok
                self.rows += 1

        @invariant()
        def consistent(self):
            episode = Episode.objects.get(pk=self.episode.pk)
            assert episode.history.count() == self.rows
            if episode.status == "closed":
                assert episode.discharge_reason and episode.closed_at
            if episode.history.filter(to_status="active").exists():
                assert episode.first_contact_at is not None

    run_state_machine_as_test(EpisodeWalk, settings=RUN)
