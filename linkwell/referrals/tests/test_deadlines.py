import datetime as dt

import pytest
import time_machine

from linkwell.notifications.models import Alert, AlertKind
from linkwell.referrals.services import (
    referral_assign,
    referral_deadline_sweep_run,
    referral_transition,
    self_referral_attempts_prune,
)
from linkwell.referrals.tasks import at_london_time, referral_deadline_sweep

pytestmark = pytest.mark.django_db

D = dt.date
# Monday 2 November 2026: working day 6 is Tue 10 Nov, day 9 is Fri 13 Nov, due Mon 16 Nov.
MADE = dt.datetime(2026, 11, 2, 10, tzinfo=dt.UTC)


@pytest.fixture
def referral(make_referral):
    with time_machine.travel(MADE, tick=False):
        return make_referral()


def reminders():
    return Alert.objects.filter(kind=AlertKind.DEADLINE_REMINDER)


def test_the_deadline_is_ten_working_days(referral):
    assert referral.response_due == D(2026, 11, 16)


def test_nothing_happens_before_working_day_six(referral):
    result = referral_deadline_sweep_run(today=D(2026, 11, 9))
    assert result == {"checked": 1, "reminders": 0, "escalations": 0}
    assert Alert.objects.count() == 0


def test_day_six_reminds_the_team_once(referral, world):
    result = referral_deadline_sweep_run(today=D(2026, 11, 10))
    assert result["reminders"] == 1
    assert {a.recipient for a in reminders()} == {world.link_worker, world.teammate}
    referral.refresh_from_db()
    assert referral.reminders_sent == 1
    again = referral_deadline_sweep_run(today=D(2026, 11, 10))
    assert again["reminders"] == 0
    assert reminders().count() == 2


def test_day_nine_reminds_again(referral):
    referral_deadline_sweep_run(today=D(2026, 11, 10))
    result = referral_deadline_sweep_run(today=D(2026, 11, 13))
    assert result["reminders"] == 1
    referral.refresh_from_db()
    assert referral.reminders_sent == 2
    assert referral_deadline_sweep_run(today=D(2026, 11, 16))["reminders"] == 0


def test_reminder_goes_only_to_the_assignee(referral, world):
    referral_assign(referral=referral, link_worker=world.teammate, actor=world.supervisor)
    referral_deadline_sweep_run(today=D(2026, 11, 10))
    assert [a.recipient for a in reminders()] == [world.teammate]
    assert referral.reference in reminders().get().message


def test_escalates_to_supervisor_once_after_the_deadline(referral, world):
    assert referral_deadline_sweep_run(today=D(2026, 11, 16))["escalations"] == 0
    result = referral_deadline_sweep_run(today=D(2026, 11, 17))
    assert result["escalations"] == 1
    escalation = Alert.objects.get(kind=AlertKind.ESCALATION)
    assert escalation.recipient == world.supervisor
    referral.refresh_from_db()
    assert referral.escalated_at is not None
    assert referral_deadline_sweep_run(today=D(2026, 11, 18))["escalations"] == 0


def test_a_missed_week_catches_up_with_one_reminder_and_the_escalation(referral):
    result = referral_deadline_sweep_run(today=D(2026, 11, 18))
    assert result == {"checked": 1, "reminders": 1, "escalations": 1}
    referral.refresh_from_db()
    assert referral.reminders_sent == 2


def test_answered_referrals_are_left_alone(referral, world):
    referral_transition(referral=referral, to_status="accepted", actor=world.link_worker)
    assert referral_deadline_sweep_run(today=D(2026, 11, 20)) == {
        "checked": 0,
        "reminders": 0,
        "escalations": 0,
    }


def test_urgent_referral_skips_reminders_and_escalates_after_two_days(make_referral, world):
    with time_machine.travel(MADE, tick=False):
        urgent = make_referral(urgency="urgent")
    assert urgent.response_due == D(2026, 11, 4)
    result = referral_deadline_sweep_run(today=D(2026, 11, 10))
    assert result == {"checked": 1, "reminders": 0, "escalations": 1}


def test_bank_holidays_push_the_reminder_day(make_referral):
    # Made Mon 21 Dec 2026: day 6 skips Christmas, Boxing Day (observed) and the weekend.
    with time_machine.travel(dt.datetime(2026, 12, 21, 10, tzinfo=dt.UTC), tick=False):
        make_referral()
    assert referral_deadline_sweep_run(today=D(2026, 12, 30))["reminders"] == 0
    assert referral_deadline_sweep_run(today=D(2026, 12, 31))["reminders"] == 1


def test_the_periodic_task_runs_the_sweep(referral):
    with time_machine.travel(dt.datetime(2026, 11, 10, 7, tzinfo=dt.UTC), tick=False):
        result = referral_deadline_sweep.call_local()
    assert result["reminders"] == 1


def test_the_sweep_runs_at_seven_in_london_in_winter_and_summer():
    seven = at_london_time(7)
    assert seven(dt.datetime(2026, 1, 15, 7, 0))  # GMT: 07:00 UTC
    assert not seven(dt.datetime(2026, 1, 15, 6, 0))
    assert seven(dt.datetime(2026, 7, 15, 6, 0))  # BST: 06:00 UTC
    assert not seven(dt.datetime(2026, 7, 15, 7, 0))
    assert not seven(dt.datetime(2026, 7, 15, 6, 1))


def test_old_rate_limit_rows_are_pruned(world):
    from linkwell.referrals.models import SelfReferralAttempt

    now = dt.datetime(2026, 11, 2, 10, tzinfo=dt.UTC)
    SelfReferralAttempt.objects.create(client_hash="a", at=now - dt.timedelta(days=2))
    SelfReferralAttempt.objects.create(client_hash="a", at=now - dt.timedelta(minutes=5))
    with time_machine.travel(now, tick=False):
        assert self_referral_attempts_prune() == 1
    assert SelfReferralAttempt.objects.count() == 1
