"""Writing outcome measures: schedules, due measures, responses, self-completion links, risk
flags, polls and reminders. Every function runs in one transaction with its audit rows."""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from linkwell.accounts.models import Role, Team, User
from linkwell.audit.services import audit_log
from linkwell.cases.models import Episode, EpisodeStatus
from linkwell.common.errors import ApplicationError, Conflict, Forbidden, NotFound, quoted
from linkwell.notifications.services import alert_create

from .instruments import REGISTRY
from .instruments.phq9 import ITEM9_FLAG
from .models import (
    DueMeasure,
    DueStatus,
    MeasureSummary,
    Occasion,
    OutcomeSchedule,
    Poll,
    QuestionnaireResponse,
    RiskFlag,
    RiskFlagStatus,
    SelfCompletionLink,
)
from .polls import PollInstrument, instrument_for_code
from .selectors import LINK_SALT, LinkUnusable, self_completion_link_resolve, user_is_team_staff

RISK_FLAG_DETAIL = {
    ITEM9_FLAG: (
        "PHQ-9 question 9 (thoughts of being better off dead or of self-harm) was answered "
        "'{label}'. A risk conversation is needed today."
    ),
}


def _require_team_staff(actor: Any, team: Team) -> None:
    if not user_is_team_staff(actor, team):
        raise Forbidden("Only staff of this episode's team can do this.")


def schedule_for_team(team: Team) -> OutcomeSchedule:
    """The team's schedule, or an unsaved one with the defaults."""
    return OutcomeSchedule.objects.filter(team=team).first() or OutcomeSchedule(team=team)


@transaction.atomic
def outcome_schedule_set(*, team: Team, actor: User, **fields: Any) -> OutcomeSchedule:
    """Create or change a team's schedule (supervisors and administrators)."""
    if actor.role not in (Role.SUPERVISOR, Role.ADMIN):
        raise Forbidden("Only a supervisor or administrator can change the outcome schedule.")
    _require_team_staff(actor, team)
    schedule = schedule_for_team(team)
    allowed = {
        "instruments",
        "baseline",
        "review_after_weeks",
        "at_discharge",
        "follow_up_3m",
        "follow_up_6m",
        "link_valid_days",
        "remind_every_days",
    }
    unknown = set(fields) - allowed
    if unknown:
        raise ApplicationError(f"Unknown schedule settings: {', '.join(sorted(unknown))}.")
    for name, value in fields.items():
        setattr(schedule, name, value)
    bad = [quoted(code) for code in schedule.instruments if code not in REGISTRY]
    if not schedule.instruments or bad:
        named = ", ".join(bad[:5]) + (f" and {len(bad) - 5} more" if len(bad) > 5 else "")
        raise ValidationError(
            {"instruments": f"Choose from {', '.join(REGISTRY)}; not {named or 'none'}."}
        )
    schedule.full_clean()
    schedule.save()
    audit_log(action="update", obj=schedule, actor=actor, detail={"fields": sorted(fields)})
    return schedule


def _add_months(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 + months
    year = day.year + month // 12
    month = month % 12 + 1
    return day.replace(
        year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1])
    )


def _local_date(moment: dt.datetime) -> dt.date:
    return timezone.localtime(moment).date()


def planned_occasions(*, episode: Episode, schedule: OutcomeSchedule) -> list[tuple[str, dt.date]]:
    """(occasion, due date) pairs the schedule asks for at the episode's current stage.

    Baseline at the first conversation (the first contact, or the opening while there is none);
    review N weeks after that; discharge and follow-ups once the episode is closing or closed."""
    start = _local_date(episode.first_contact_at or episode.opened_at)
    planned: list[tuple[str, dt.date]] = []
    if schedule.baseline:
        planned.append((Occasion.BASELINE, start))
    if schedule.review_after_weeks:
        planned.append((Occasion.REVIEW, start + dt.timedelta(weeks=schedule.review_after_weeks)))
    if episode.status in (EpisodeStatus.CLOSING, EpisodeStatus.CLOSED):
        end = _local_date(episode.closed_at or timezone.now())
        if schedule.at_discharge:
            planned.append((Occasion.DISCHARGE, end))
        if episode.status == EpisodeStatus.CLOSED:
            if schedule.follow_up_3m:
                planned.append((Occasion.FOLLOW_UP_3M, _add_months(end, 3)))
            if schedule.follow_up_6m:
                planned.append((Occasion.FOLLOW_UP_6M, _add_months(end, 6)))
    return planned


@transaction.atomic
def due_measures_generate(*, episode: Episode) -> list[DueMeasure]:
    """Create the due measures the schedule asks for and the episode does not have yet.

    Idempotent: run whenever an episode is looked at and daily for every open episode. A review
    still due when the episode closes is cancelled (the discharge measure replaces it)."""
    schedule = schedule_for_team(episode.team)
    existing = {
        (d.instrument_code, d.occasion): d
        for d in DueMeasure.objects.filter(episode=episode).exclude(occasion=Occasion.ADHOC)
    }
    created = []
    for occasion, due_on in planned_occasions(episode=episode, schedule=schedule):
        for code in schedule.instruments:
            if (code, occasion) in existing:
                continue
            due = DueMeasure(
                episode=episode, instrument_code=code, occasion=occasion, due_on=due_on
            )
            due.full_clean()
            due.save()
            created.append(due)
    if episode.status == EpisodeStatus.CLOSED:
        for (_, occasion), due in existing.items():
            if occasion == Occasion.REVIEW and due.status == DueStatus.DUE:
                due.status = DueStatus.CANCELLED
                due.save(update_fields=["status", "updated_at"])
    if created:
        audit_log(
            action="create",
            obj=episode,
            person=episode.person,
            object_type="DueMeasure",
            detail={"due": [f"{d.instrument_code}:{d.occasion}" for d in created]},
        )
    return created


@transaction.atomic
def response_record(
    *,
    episode: Episode,
    instrument_code: str,
    answers: Any,
    occasion: str = Occasion.ADHOC,
    actor: User | None = None,
    due: DueMeasure | None = None,
    self_completed: bool = False,
    completed_at: dt.datetime | None = None,
) -> QuestionnaireResponse:
    """Score and store one form. Staff entry needs ``actor`` (team staff); a self-completed form
    has none. A due measure passed in is marked completed. A risk answer raises a flag for the
    team's supervisors in the same transaction."""
    if self_completed == (actor is not None):
        raise ApplicationError("A response is either entered by staff or completed by the person.")
    if actor is not None:
        _require_team_staff(actor, episode.team)
    if due is not None:
        due = DueMeasure.objects.select_for_update().get(pk=due.pk)
        if due.episode_id != episode.pk or due.instrument_code != instrument_code:
            raise ApplicationError("That measure belongs to another episode or questionnaire.")
        if due.status != DueStatus.DUE:
            raise Conflict("This measure has already been completed.")
        occasion = due.occasion
    if occasion not in Occasion.values:
        raise ValidationError({"occasion": f"Choose one of {', '.join(Occasion.values)}."})
    instrument = instrument_for_code(instrument_code)
    if isinstance(instrument, PollInstrument) and instrument.poll.team_id != episode.team_id:
        raise NotFound(f"No instrument with the code {quoted(instrument_code)}.")
    score = instrument.score(answers)
    if score.answered == 0:
        raise ApplicationError("No questions were answered, so nothing was saved.")
    response = QuestionnaireResponse(
        episode=episode,
        due=due,
        instrument_code=instrument_code,
        occasion=occasion,
        answers=list(answers),
        complete=score.complete,
        total=score.total,
        metric=score.metric,
        bands=score.bands,
        severity=score.severity or "",
        flags=list(score.flags),
        completed_at=completed_at or timezone.now(),
        entered_by=actor,
        self_completed=self_completed,
    )
    response.full_clean()
    response.save()
    measure_summary_refresh(episode=episode, instrument_code=instrument_code)
    audit_log(
        action="create",
        obj=response,
        person=episode.person,
        actor=actor,
        detail={
            "instrument": instrument_code,
            "occasion": occasion,
            "self_completed": self_completed,
        },
    )
    if due is not None:
        due.status = DueStatus.COMPLETED
        due.full_clean()
        due.save(update_fields=["status", "updated_at"])
    for flag in score.flags:
        _risk_flag_raise(response=response, kind=flag)
    return response


@transaction.atomic
def measure_summary_refresh(*, episode: Episode, instrument_code: str) -> MeasureSummary | None:
    """Rebuild the episode's summary row for one measure from its complete scored responses.

    The episode row is locked first, so two responses stored at once for the same episode are
    summarised one after the other and the later one sees both (PostgreSQL); SQLite queues
    writers anyway. Derived data, so no audit row of its own: the response's row covers it.
    """
    Episode.objects.select_for_update().filter(pk=episode.pk).values_list("pk").first()
    scored = QuestionnaireResponse.objects.filter(
        Q(metric__isnull=False) | Q(total__isnull=False),
        episode=episode,
        instrument_code=instrument_code,
        complete=True,
    ).order_by("completed_at", "id")
    count = scored.count()
    if not count:
        MeasureSummary.objects.filter(episode=episode, instrument_code=instrument_code).delete()
        return None
    first, latest = scored.first(), scored.last()
    assert first is not None and latest is not None  # count > 0
    summary, _ = MeasureSummary.objects.update_or_create(
        episode=episode,
        instrument_code=instrument_code,
        defaults={
            "responses": count,
            "first_score": _score_of(first),
            "latest_score": _score_of(latest),
        },
    )
    return summary


def _score_of(response: QuestionnaireResponse) -> float:
    return float(response.metric if response.metric is not None else response.total or 0)


def _risk_flag_raise(*, response: QuestionnaireResponse, kind: str) -> RiskFlag:
    episode = response.episode
    answer = response.answers[8] if kind == ITEM9_FLAG else None
    label = REGISTRY["phq9"].items[8].label_for(answer) if kind == ITEM9_FLAG else ""
    flag = RiskFlag(
        episode=episode,
        response=response,
        kind=kind,
        detail=RISK_FLAG_DETAIL.get(kind, kind).format(label=label.lower()),
    )
    flag.full_clean()
    flag.save()
    audit_log(action="create", obj=flag, person=episode.person, detail={"kind": kind})
    supervisors = list(User.objects.filter(team=episode.team, role=Role.SUPERVISOR, is_active=True))
    recipients = supervisors
    if not recipients and episode.link_worker is not None:
        recipients = [episode.link_worker]
    # The alert is also emailed, so it names no one: the page behind the link does.
    alert_create(
        recipients=recipients,
        kind="risk",
        message="A questionnaire answer needs a risk response today.",
        url=reverse("outcomes:risk_flag", args=[flag.uuid]),
        obj=flag,
    )
    return flag


@transaction.atomic
def risk_flag_respond(*, flag: RiskFlag, actor: User, response_text: str) -> RiskFlag:
    """A supervisor of the episode's team records what was done."""
    if actor.role != Role.SUPERVISOR:
        raise Forbidden("Only a supervisor can respond to a risk flag.")
    _require_team_staff(actor, flag.episode.team)
    flag = RiskFlag.objects.select_for_update().get(pk=flag.pk)
    if flag.status == RiskFlagStatus.RESPONDED:
        raise Conflict("This risk flag already has a response.")
    text = (response_text or "").strip()
    if not text:
        raise ValidationError({"response_text": "Say what was done in response to this flag."})
    flag.status = RiskFlagStatus.RESPONDED
    flag.response_text = text
    flag.responded_by = actor
    flag.responded_at = timezone.now()
    flag.full_clean()
    flag.save()
    audit_log(action="update", obj=flag, person=flag.episode.person, actor=actor)
    return flag


@dataclass(frozen=True)
class IssuedLink:
    link: SelfCompletionLink
    token: str

    @property
    def path(self) -> str:
        return reverse("outcomes:self_complete", args=[self.token])


@transaction.atomic
def self_completion_link_create(*, due: DueMeasure, actor: User) -> IssuedLink:
    """A single-use link for the person to complete one due measure, valid for the team's
    ``link_valid_days``. The token is shown once; only the row's uuid is inside it, signed."""
    _require_team_staff(actor, due.episode.team)
    if due.status != DueStatus.DUE:
        raise Conflict("This measure has already been completed.")
    schedule = schedule_for_team(due.episode.team)
    link = SelfCompletionLink(
        due=due,
        expires_at=timezone.now() + dt.timedelta(days=schedule.link_valid_days),
        created_by=actor,
    )
    link.full_clean()
    link.save()
    audit_log(action="create", obj=link, person=due.episode.person, actor=actor)
    return IssuedLink(link=link, token=signing.dumps(str(link.uuid), salt=LINK_SALT))


@transaction.atomic
def self_completion_submit(*, token: str, answers: Any) -> QuestionnaireResponse:
    """Store the person's answers through a link, once. A used, expired or unknown link raises
    ``LinkUnusable`` and stores nothing; bad answers raise and leave the link usable."""
    link = self_completion_link_resolve(token=token)
    # Re-check under the row lock: two submissions of the same link must not both succeed.
    link = (
        SelfCompletionLink.objects.select_for_update()
        .select_related("due__episode__person", "due__episode__team")
        .get(pk=link.pk)
    )
    if link.used_at is not None:
        raise LinkUnusable("used")
    due = link.due
    response = response_record(
        episode=due.episode,
        instrument_code=due.instrument_code,
        answers=answers,
        due=due,
        self_completed=True,
    )
    link.used_at = timezone.now()
    link.save(update_fields=["used_at", "updated_at"])
    return response


# A response's total holds the chosen answer's value: a 32-bit integer column.
POLL_VALUE_MIN, POLL_VALUE_MAX = -(2**31), 2**31 - 1


@transaction.atomic
def poll_create(*, team: Team, actor: User, question: str, options: list[tuple[int, str]]) -> Poll:
    """A service's own one-question poll; each option is scored as its value."""
    _require_team_staff(actor, team)
    if len(options) < 2:
        raise ValidationError({"options": "A poll needs at least two answers to choose from."})
    values = [int(v) for v, _ in options]
    if len(set(values)) != len(values):
        raise ValidationError({"options": "Each answer needs its own value."})
    if any(not POLL_VALUE_MIN <= v <= POLL_VALUE_MAX for v in values):
        # An answer's value becomes the response's total (an integer column): a larger one made
        # every answer to the poll fail, with a message about a field nobody had sent.
        raise ValidationError(
            {
                "options": f"Each answer's value must be a whole number from {POLL_VALUE_MIN:,} "
                f"to {POLL_VALUE_MAX:,}."
            }
        )
    poll = Poll(
        team=team,
        question=question.strip(),
        options=[{"value": int(v), "label": str(label).strip()} for v, label in options],
    )
    poll.full_clean()
    poll.save()
    audit_log(action="create", obj=poll, actor=actor)
    return poll


def due_measures_generate_all() -> int:
    """Bring every open episode's due measures up to date (and those closed in the last 7 months,
    for their follow-ups). Returns the number created."""
    since = timezone.now() - dt.timedelta(days=214)
    episodes = Episode.objects.filter(
        Q(status__in=[EpisodeStatus.OPEN, EpisodeStatus.ACTIVE, EpisodeStatus.CLOSING])
        | Q(status=EpisodeStatus.CLOSED, closed_at__gte=since)
    )
    created = 0
    for episode in episodes.select_related("team", "person").iterator(chunk_size=500):
        created += len(due_measures_generate(episode=episode))
    return created


def due_measure_reminders_send(*, now: dt.datetime | None = None) -> int:
    """Alert each link worker (in Linkwell and by email) to their people's measures that are due
    or overdue, at most once every ``remind_every_days`` per measure. Returns the number of
    measures reminded. The alert names no one; its link leads to the worker's due list."""
    now = now or timezone.now()
    today = _local_date(now)
    due = (
        DueMeasure.objects.filter(status=DueStatus.DUE, due_on__lte=today)
        .exclude(episode__link_worker__isnull=True)
        .select_related("episode", "episode__link_worker", "episode__team")
        .order_by("episode__link_worker_id", "due_on")
    )
    by_worker: dict[int, list[DueMeasure]] = {}
    schedules: dict[int, OutcomeSchedule] = {}
    for measure in due:
        team = measure.episode.team
        schedule = schedules.setdefault(team.pk, schedule_for_team(team))
        recently = measure.reminded_at is not None and now - measure.reminded_at < dt.timedelta(
            days=schedule.remind_every_days
        )
        worker_id = measure.episode.link_worker_id
        if not recently and worker_id is not None:
            by_worker.setdefault(worker_id, []).append(measure)
    count = 0
    for measures in by_worker.values():
        worker = measures[0].episode.link_worker
        if worker is None:
            continue
        with transaction.atomic():
            ids = [m.pk for m in measures]
            DueMeasure.objects.filter(pk__in=ids).update(reminded_at=now)
            audit_log(
                action="update",
                object_type="DueMeasure",
                detail={"reminded": len(ids), "link_worker": worker.username},
            )
            plural = "questionnaire is" if len(ids) == 1 else "questionnaires are"
            alert_create(
                recipients=[worker],
                kind="other",
                message=f"{len(ids)} outcome {plural} due for people you support.",
                url=reverse("outcomes:due_list"),
            )
        count += len(measures)
    return count
