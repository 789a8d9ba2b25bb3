"""Writing outcome measures: responses, schedule, links, risk flags, reminders, polls."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from linkwell.audit.models import AuditEvent
from linkwell.cases.models import EpisodeStatus
from linkwell.common.errors import ApplicationError, Conflict, Forbidden, NotFound
from linkwell.notifications.models import Alert
from linkwell.outcomes import services
from linkwell.outcomes.instruments import InvalidAnswers
from linkwell.outcomes.models import (
    DueMeasure,
    DueStatus,
    Occasion,
    QuestionnaireResponse,
    RiskFlag,
    RiskFlagStatus,
    SelfCompletionLink,
)
from linkwell.outcomes.selectors import LinkUnusable

pytestmark = pytest.mark.django_db


def test_staff_entry_stores_the_answers_with_their_score(world, episode):
    response = services.response_record(
        episode=episode,
        instrument_code="swemwbs",
        answers=[3, 3, 3, 3, 3, 3, 4],
        occasion=Occasion.BASELINE,
        actor=world.link_worker,
    )
    response.refresh_from_db()
    assert response.total == 22
    assert response.metric == Decimal("19.98")
    assert response.complete
    assert response.entered_by == world.link_worker
    assert not response.self_completed
    assert AuditEvent.objects.filter(
        action="create", object_type="QuestionnaireResponse", person_uuid=episode.person.uuid
    ).exists()


def test_an_incomplete_form_is_stored_unscored(world, episode):
    response = services.response_record(
        episode=episode,
        instrument_code="phq9",
        answers=[1, 1, None, 1, 1, 1, 1, 1, 0],
        actor=world.link_worker,
    )
    assert not response.complete
    assert response.total is None


def test_bad_answers_store_nothing(world, episode):
    with pytest.raises(InvalidAnswers):
        services.response_record(
            episode=episode, instrument_code="gad7", answers=[1] * 6, actor=world.link_worker
        )
    assert not QuestionnaireResponse.objects.exists()


def test_a_form_with_no_answers_is_refused(world, episode):
    with pytest.raises(ApplicationError, match="No questions were answered"):
        services.response_record(
            episode=episode, instrument_code="gad7", answers=[None] * 7, actor=world.link_worker
        )


def test_an_outsider_cannot_enter_a_response(world, episode):
    with pytest.raises(Forbidden):
        services.response_record(
            episode=episode, instrument_code="gad7", answers=[1] * 7, actor=world.outsider
        )
    assert not QuestionnaireResponse.objects.exists()


def test_an_unknown_occasion_is_refused(world, episode):
    with pytest.raises(ValidationError):
        services.response_record(
            episode=episode,
            instrument_code="gad7",
            answers=[1] * 7,
            occasion="whenever",
            actor=world.link_worker,
        )


def test_recording_a_due_measure_completes_it_and_takes_its_occasion(world, episode):
    services.due_measures_generate(episode=episode)
    due = DueMeasure.objects.get(episode=episode, occasion=Occasion.BASELINE)
    response = services.response_record(
        episode=episode,
        instrument_code="swemwbs",
        answers=[2] * 7,
        actor=world.teammate,
        due=due,
    )
    due.refresh_from_db()
    assert due.status == DueStatus.COMPLETED
    assert response.occasion == Occasion.BASELINE
    with pytest.raises(Conflict):
        services.response_record(
            episode=episode, instrument_code="swemwbs", answers=[2] * 7, actor=world.teammate,
            due=due,
        )  # fmt: skip


def test_phq9_item9_raises_a_risk_flag_and_alerts_the_supervisor(world, episode):
    response = services.response_record(
        episode=episode,
        instrument_code="phq9",
        answers=[0, 0, 0, 0, 0, 0, 0, 0, 1],
        actor=world.link_worker,
    )
    flag = RiskFlag.objects.get(response=response)
    assert flag.kind == "phq9_item9"
    assert flag.status == RiskFlagStatus.OPEN
    assert "several days" in flag.detail
    alert = Alert.objects.get(recipient=world.supervisor)
    assert alert.kind == "risk"
    assert str(flag.uuid) in alert.url
    # The alert leaves the system by email, so it names no one.
    assert episode.person.family_name not in alert.message


def test_phq9_item9_of_zero_raises_no_flag(world, episode):
    services.response_record(
        episode=episode, instrument_code="phq9", answers=[3] * 8 + [0], actor=world.link_worker
    )
    assert not RiskFlag.objects.exists()
    assert not Alert.objects.exists()


def test_a_team_without_a_supervisor_alerts_the_link_worker(world):
    from linkwell.accounts.tests.factories import TeamFactory, UserFactory
    from linkwell.cases.tests.factories import EpisodeFactory

    team = TeamFactory()
    worker = UserFactory(team=team)
    episode = EpisodeFactory(team=team, link_worker=worker)
    services.response_record(
        episode=episode, instrument_code="phq9", answers=[0] * 8 + [2], actor=worker
    )
    assert Alert.objects.get().recipient == worker


def test_a_supervisor_records_the_response_to_a_flag(world, episode):
    response = services.response_record(
        episode=episode, instrument_code="phq9", answers=[1] * 9, actor=world.link_worker
    )
    flag = RiskFlag.objects.get(response=response)
    services.risk_flag_respond(
        flag=flag, actor=world.supervisor, response_text="Called today; safety plan agreed."
    )
    flag.refresh_from_db()
    assert flag.status == RiskFlagStatus.RESPONDED
    assert flag.responded_by == world.supervisor
    assert flag.responded_at is not None
    with pytest.raises(Conflict):
        services.risk_flag_respond(flag=flag, actor=world.supervisor, response_text="Again")


def test_only_a_supervisor_of_the_team_responds_to_a_flag(world, episode):
    response = services.response_record(
        episode=episode, instrument_code="phq9", answers=[1] * 9, actor=world.link_worker
    )
    flag = RiskFlag.objects.get(response=response)
    with pytest.raises(Forbidden):
        services.risk_flag_respond(flag=flag, actor=world.link_worker, response_text="Done")
    with pytest.raises(ValidationError):
        services.risk_flag_respond(flag=flag, actor=world.supervisor, response_text="   ")
    flag.refresh_from_db()
    assert flag.status == RiskFlagStatus.OPEN


def test_the_default_schedule_asks_for_a_baseline_and_a_review_while_support_runs(world, episode):
    episode.first_contact_at = timezone.make_aware(dt.datetime(2026, 3, 2, 10, 0))
    episode.save()
    services.due_measures_generate(episode=episode)
    due = {d.occasion: d.due_on for d in DueMeasure.objects.filter(episode=episode)}
    assert due == {Occasion.BASELINE: dt.date(2026, 3, 2), Occasion.REVIEW: dt.date(2026, 4, 13)}
    # Running again creates nothing new.
    assert services.due_measures_generate(episode=episode) == []


def test_closing_adds_discharge_and_follow_ups_and_cancels_an_open_review(world, episode):
    episode.first_contact_at = timezone.make_aware(dt.datetime(2026, 1, 5, 10, 0))
    episode.save()
    services.due_measures_generate(episode=episode)
    episode.status = EpisodeStatus.CLOSED
    episode.discharge_reason = "goals_met"
    episode.closed_at = timezone.make_aware(dt.datetime(2026, 1, 31, 12, 0))
    episode.save()
    services.due_measures_generate(episode=episode)
    due = {d.occasion: d for d in DueMeasure.objects.filter(episode=episode)}
    assert due[Occasion.DISCHARGE].due_on == dt.date(2026, 1, 31)
    assert due[Occasion.FOLLOW_UP_3M].due_on == dt.date(2026, 4, 30)
    assert due[Occasion.FOLLOW_UP_6M].due_on == dt.date(2026, 7, 31)
    assert due[Occasion.REVIEW].status == DueStatus.CANCELLED


def test_a_supervisor_configures_the_team_schedule(world, episode):
    services.outcome_schedule_set(
        team=world.service_team,
        actor=world.supervisor,
        instruments=["swemwbs", "phq9"],
        review_after_weeks=0,
        follow_up_6m=False,
    )
    services.due_measures_generate(episode=episode)
    pairs = set(DueMeasure.objects.values_list("instrument_code", "occasion"))
    assert pairs == {("swemwbs", "baseline"), ("phq9", "baseline")}


def test_schedule_changes_are_refused_for_link_workers_and_bad_codes(world):
    with pytest.raises(Forbidden):
        services.outcome_schedule_set(
            team=world.service_team, actor=world.link_worker, review_after_weeks=4
        )
    with pytest.raises(ValidationError):
        services.outcome_schedule_set(
            team=world.service_team, actor=world.supervisor, instruments=["hads"]
        )
    with pytest.raises(Forbidden):
        services.outcome_schedule_set(
            team=world.service_team, actor=world.outsider, review_after_weeks=4
        )


def _due(episode):
    services.due_measures_generate(episode=episode)
    return DueMeasure.objects.get(episode=episode, occasion=Occasion.BASELINE)


def test_a_self_completion_link_works_once(world, episode):
    issued = services.self_completion_link_create(due=_due(episode), actor=world.link_worker)
    response = services.self_completion_submit(token=issued.token, answers=[4] * 7)
    assert response.self_completed
    assert response.entered_by is None
    assert response.occasion == Occasion.BASELINE
    with pytest.raises(LinkUnusable) as excinfo:
        services.self_completion_submit(token=issued.token, answers=[4] * 7)
    assert excinfo.value.reason == "used"
    assert QuestionnaireResponse.objects.count() == 1


def test_an_expired_link_stores_nothing(world, episode):
    issued = services.self_completion_link_create(due=_due(episode), actor=world.link_worker)
    with (
        time_machine.travel(timezone.now() + dt.timedelta(days=15)),
        pytest.raises(LinkUnusable) as excinfo,
    ):
        services.self_completion_submit(token=issued.token, answers=[4] * 7)
    assert excinfo.value.reason == "expired"
    assert not QuestionnaireResponse.objects.exists()


def test_a_tampered_token_is_invalid(world, episode):
    issued = services.self_completion_link_create(due=_due(episode), actor=world.link_worker)
    with pytest.raises(LinkUnusable) as excinfo:
        services.self_completion_submit(token=issued.token[:-2] + "xx", answers=[4] * 7)
    assert excinfo.value.reason == "invalid"


def test_bad_answers_through_a_link_leave_it_usable(world, episode):
    issued = services.self_completion_link_create(due=_due(episode), actor=world.link_worker)
    with pytest.raises(InvalidAnswers):
        services.self_completion_submit(token=issued.token, answers=[9] * 7)
    assert SelfCompletionLink.objects.get().used_at is None
    services.self_completion_submit(token=issued.token, answers=[3] * 7)


def test_a_link_for_a_measure_already_entered_by_staff_says_it_is_done(world, episode):
    due = _due(episode)
    issued = services.self_completion_link_create(due=due, actor=world.link_worker)
    services.response_record(
        episode=episode, instrument_code="swemwbs", answers=[3] * 7, actor=world.link_worker,
        due=due,
    )  # fmt: skip
    with pytest.raises(LinkUnusable) as excinfo:
        services.self_completion_submit(token=issued.token, answers=[4] * 7)
    assert excinfo.value.reason == "used"


def test_an_outsider_cannot_create_a_link(world, episode):
    with pytest.raises(Forbidden):
        services.self_completion_link_create(due=_due(episode), actor=world.outsider)


def test_a_self_completed_phq9_item9_raises_the_flag_too(world, episode):
    services.outcome_schedule_set(
        team=world.service_team, actor=world.supervisor, instruments=["phq9"]
    )
    due = _due(episode)
    issued = services.self_completion_link_create(due=due, actor=world.link_worker)
    services.self_completion_submit(token=issued.token, answers=[0] * 8 + [3])
    assert RiskFlag.objects.get().detail.count("nearly every day") == 1
    assert Alert.objects.filter(recipient=world.supervisor, kind="risk").exists()


def test_reminders_go_to_the_link_worker_once_a_week(
    world, episode, django_capture_on_commit_callbacks
):
    services.due_measures_generate(episode=episode)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.due_measure_reminders_send() == 1
    alert = Alert.objects.get(recipient=world.link_worker)
    assert "1 outcome questionnaire is due" in alert.message
    assert len(mail.outbox) == 1
    assert episode.person.family_name not in mail.outbox[0].body
    # Not again the same week...
    assert services.due_measure_reminders_send() == 0
    # ...but again a week later if still due.
    later = timezone.now() + dt.timedelta(days=7, minutes=1)
    assert services.due_measure_reminders_send(now=later) == 1


def test_reminders_skip_measures_not_yet_due(world, episode):
    episode.first_contact_at = timezone.now() + dt.timedelta(days=3)
    episode.save()
    services.due_measures_generate(episode=episode)
    assert services.due_measure_reminders_send() == 0


def test_the_daily_task_generates_and_reminds(world, episode):
    from linkwell.outcomes.tasks import outcome_measures_daily

    result = outcome_measures_daily.call_local()
    assert result == (2, 1)


def test_a_poll_is_scored_as_the_chosen_option(world, episode):
    poll = services.poll_create(
        team=world.service_team,
        actor=world.link_worker,
        question="How connected do you feel after today's group?",
        options=[(1, "Not at all"), (2, "A little"), (3, "A lot")],
    )
    response = services.response_record(
        episode=episode, instrument_code=f"poll-{poll.uuid}", answers=[3], actor=world.link_worker
    )
    assert response.total == 3


def test_a_poll_needs_two_distinct_options(world):
    with pytest.raises(ValidationError):
        services.poll_create(
            team=world.service_team, actor=world.link_worker, question="Q?", options=[(1, "Yes")]
        )
    with pytest.raises(ValidationError):
        services.poll_create(
            team=world.service_team,
            actor=world.link_worker,
            question="Q?",
            options=[(1, "Yes"), (1, "No")],
        )


def test_another_teams_poll_cannot_be_used(world, episode, other_episode):
    poll = services.poll_create(
        team=world.other_team,
        actor=world.outsider,
        question="Elsewhere?",
        options=[(0, "No"), (1, "Yes")],
    )
    with pytest.raises(NotFound):
        services.response_record(
            episode=episode,
            instrument_code=f"poll-{poll.uuid}",
            answers=[1],
            actor=world.link_worker,
        )


def test_a_link_for_a_cancelled_measure_says_it_is_no_longer_needed(world, episode):
    due = _due(episode)
    issued = services.self_completion_link_create(due=due, actor=world.link_worker)
    DueMeasure.objects.filter(pk=due.pk).update(status=DueStatus.CANCELLED)
    with pytest.raises(LinkUnusable) as excinfo:
        services.self_completion_submit(token=issued.token, answers=[4] * 7)
    assert excinfo.value.reason == "withdrawn"
    assert not QuestionnaireResponse.objects.exists()


def test_measure_summary_keeps_first_and_latest_complete_scores(world, episode):
    from linkwell.outcomes.models import MeasureSummary

    now = timezone.now()
    # Stored out of time order: the summary follows completion time, not the order of entry.
    for days_ago, answers in ((10, [2] * 7), (30, [1] * 7), (20, [4] * 7)):
        services.response_record(
            episode=episode,
            instrument_code="swemwbs",
            answers=answers,
            actor=world.link_worker,
            completed_at=now - dt.timedelta(days=days_ago),
        )
    # An incomplete form has no score to compare and is left out.
    services.response_record(
        episode=episode,
        instrument_code="swemwbs",
        answers=[5, 5, None, None, None, None, None],
        actor=world.link_worker,
    )
    summary = MeasureSummary.objects.get(episode=episode, instrument_code="swemwbs")
    first = QuestionnaireResponse.objects.get(episode=episode, answers=[1] * 7)
    latest = QuestionnaireResponse.objects.get(episode=episode, answers=[2] * 7)
    assert summary.responses == 3
    assert summary.first_score == float(first.metric)
    assert summary.latest_score == float(latest.metric)
