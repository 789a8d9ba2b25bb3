"""Demo data: the support each episode got, from first contact to discharge.

For every episode that reached first contact, in the order the episodes opened: the "what matters
to you" conversation and the support plan, one-to-one sessions (mixed delivery modes, some missed
or cancelled with reasons, the next ones booked in the diary), questionnaires at the start, at
review and at the end (SWEMWBS and ONS4 for everyone, PHQ-9 and GAD-7 when NHS Talking Therapies
referred), and onward referrals to community services that meet the person's needs, answered by
the provider. Everything goes through the services, as a link worker's or provider's own steps
would; the rows are then dated to when the demo says each step happened. A closed episode's past is
written as it was while the episode was still open, then the episode is closed again.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db.models import Q
from django.utils import timezone

from linkwell.accounts.models import Role, User
from linkwell.cases.models import Episode, EpisodeStatus
from linkwell.common.demo import DemoContext
from linkwell.common.statuses import TaskStatus as S
from linkwell.connections.models import Connection, ConnectionStatusChange, DeclineReason
from linkwell.connections.services import connection_create, connection_transition
from linkwell.conversations.models import Conversation, PlanOption, SupportPlan
from linkwell.conversations.services import conversation_record, option_offer, plan_record
from linkwell.directory.models import Service
from linkwell.directory.selectors import services_visible
from linkwell.notifications.models import Alert
from linkwell.outcomes.models import Occasion, QuestionnaireResponse, RiskFlag
from linkwell.outcomes.services import response_record, risk_flag_respond
from linkwell.referrals.models import ReferralSource

from .models import Appointment, DeliveryMode, Outcome, VenueKind
from .services import appointment_book, appointment_record_outcome

# (mode, venue kind, venue detail, weight): home first for many, then a community venue; phone when
# travel is too much.
MODES: tuple[tuple[str, str, str, float], ...] = (
    (DeliveryMode.HOME_VISIT, VenueKind.HOME, "", 0.18),
    (DeliveryMode.TELEPHONE, VenueKind.NONE, "", 0.30),
    (DeliveryMode.FACE_TO_FACE, VenueKind.COMMUNITY_CENTRE, "Harehills Community Centre", 0.12),
    (DeliveryMode.FACE_TO_FACE, VenueKind.GP_SURGERY, "Meadow Lane Surgery, room 4", 0.08),
    (DeliveryMode.FACE_TO_FACE, VenueKind.LIBRARY, "Chapeltown Library", 0.05),
    (DeliveryMode.COMMUNITY_VENUE, VenueKind.FAITH_VENUE, "St Aidan's church hall", 0.06),
    (DeliveryMode.COMMUNITY_VENUE, VenueKind.COMMUNITY_CENTRE, "Bramley Community Hub", 0.09),
    (DeliveryMode.VIDEO, VenueKind.NONE, "", 0.07),
)
DNA_REASONS = ("hospital_admission", "caring_crisis", "medical_appointment", "bereavement")
CANCELLED_BY_PERSON = (
    "Felt too unwell to come out today.",
    "Their child was off school sick.",
    "Had a job interview at the same time.",
    "No bus fare until payday.",
)
CANCELLED_BY_SERVICE = (
    "Link worker off sick; rebooked for next week.",
    "Venue closed for a burst pipe.",
    "Link worker on training.",
)
UNEXPLAINED_DNA = "No answer at the door or on the phone."
# A goal per need, in the person's words.
GOALS: dict[str, str] = {
    "financial": "Get on top of my debts so I stop dreading the post.",
    "housing": "Stay in my flat and get the damp sorted.",
    "employment": "Find some work that fits around my health.",
    "loneliness": "Have somewhere to go and people to talk to each week.",
    "mental_wellbeing": "Sleep better and worry less.",
    "physical_activity": "Get out walking a couple of times a week.",
    "bereavement": "Talk to people who understand what losing Mum is like.",
    "carers": "Get a break from caring now and then.",
    "food": "Have enough food in for the kids every week.",
    "benefits": "Get the benefits I'm entitled to.",
    "education_skills": "Improve my English and computer skills.",
    "substance_use": "Cut down on drinking.",
    "digital": "Be able to do things online myself.",
    "legal": "Get advice about my immigration papers.",
    "safety": "Feel safe at home.",
}
ACTIONS = (
    ("Ring the debt advice line together", "Link worker"),
    ("Try the Tuesday walking group", "The person"),
    ("Send the housing repair request", "Link worker"),
    ("Look at the carers' centre leaflet", "The person"),
)
ANSWERED_ON_TIME = 0.85
FLAG_RESPONSE = (
    "Rang them the same afternoon: safe, not planning to act, agreed a safety plan and told "
    "their GP with consent. Link worker to check in tomorrow."
)


def _stamp(model: type[Any], pk: int, moment: dt.datetime, **fields: Any) -> None:
    model.objects.filter(pk=pk).update(created_at=moment, updated_at=moment, **fields)


@contextmanager
def _as_it_was(episode: Episode) -> Iterator[None]:
    """Work on a closed episode's past as it was while it was open, then close it again."""
    closed = episode.status == EpisodeStatus.CLOSED
    if closed:
        Episode.objects.filter(pk=episode.pk).update(status=EpisodeStatus.ACTIVE)
        episode.status = EpisodeStatus.ACTIVE
    try:
        yield
    finally:
        if closed:
            Episode.objects.filter(pk=episode.pk).update(status=EpisodeStatus.CLOSED)
            episode.status = EpisodeStatus.CLOSED


class _Support:
    def __init__(self, ctx: DemoContext) -> None:
        self.ctx = ctx
        self.load_started = timezone.now()
        self.latest = ctx.now - dt.timedelta(minutes=5)
        services = list(
            services_visible().prefetch_related("needs_met").select_related("organization")
        )
        self.by_need: dict[str, list[Service]] = {}
        for service in services:
            for need in service.needs_met.all():
                self.by_need.setdefault(need.need, []).append(service)
        self.supervisors: dict[int, list[User]] = {}
        for user in User.objects.filter(role=Role.SUPERVISOR, is_active=True, team__isnull=False):
            self.supervisors.setdefault(user.team_id, []).append(user)  # type: ignore[arg-type]
        self.providers: dict[int, list[User]] = {}
        for user in User.objects.filter(role=Role.PROVIDER, is_active=True):
            if user.organisation_id is not None:
                self.providers.setdefault(user.organisation_id, []).append(user)

    def at(self, moment: dt.datetime) -> dt.datetime:
        return min(moment, self.latest)

    # Questionnaire answers from a person's wellbeing on a 0 (low) to 1 (good) scale.
    def _answers(self, code: str, wellbeing: float) -> list[int]:
        rng = self.ctx.rng

        def around(low: int, high: int, level: float) -> int:
            value = low + (high - low) * level + rng.gauss(0, 0.7)
            return max(low, min(high, round(value)))

        if code == "swemwbs":
            return [around(1, 5, wellbeing) for _ in range(7)]
        if code == "ons4":
            anxious = around(0, 10, 1 - wellbeing)
            return [
                around(0, 10, wellbeing),
                around(0, 10, wellbeing + 0.1),
                around(0, 10, wellbeing),
                anxious,
            ]
        items = 9 if code == "phq9" else 7
        answers = [around(0, 3, 1 - wellbeing) for _ in range(items)]
        if code == "phq9":
            # Item 9 (thoughts of self-harm): rare, and then a supervisor is alerted.
            answers[8] = 1 if wellbeing < 0.25 and rng.random() < 0.15 else 0
        return answers

    def _questionnaires(
        self, episode: Episode, worker: User, when: dt.datetime, occasion: str, wellbeing: float
    ) -> None:
        codes = ["swemwbs", "ons4"]
        if episode.referral and episode.referral.source == ReferralSource.TALKING_THERAPIES:
            codes += ["phq9", "gad7"]
        for code in codes:
            self_completed = self.ctx.chance(0.35)
            response = response_record(
                episode=episode,
                instrument_code=code,
                answers=self._answers(code, wellbeing),
                occasion=occasion,
                actor=None if self_completed else worker,
                self_completed=self_completed,
                completed_at=when,
            )
            _stamp(QuestionnaireResponse, response.pk, when)
            for flag in RiskFlag.objects.filter(response=response):
                RiskFlag.objects.filter(pk=flag.pk).update(created_at=when, updated_at=when)
                supervisors = self.supervisors.get(episode.team_id, [])
                if supervisors and self.latest - when > dt.timedelta(days=2):
                    # Older flags were answered the same day.
                    risk_flag_respond(flag=flag, actor=supervisors[0], response_text=FLAG_RESPONSE)
                    RiskFlag.objects.filter(pk=flag.pk).update(
                        responded_at=when + dt.timedelta(hours=3)
                    )
                self.ctx.count("risk flags raised")
            self.ctx.count("questionnaires completed")

    def _sessions(
        self, episode: Episode, worker: User, start: dt.datetime, end: dt.datetime, still_open: bool
    ) -> None:
        ctx = self.ctx
        preferred = ctx.weighted([(m, w) for *m, w in MODES])
        moment = start
        n = 0
        while moment < end and n < 8:
            mode, venue, detail = (
                preferred if ctx.chance(0.7) else ctx.weighted([(m, w) for *m, w in MODES])
            )
            starts = timezone.localtime(moment).replace(
                hour=ctx.rng.choice((9, 10, 11, 13, 14, 15)),
                minute=ctx.pick((0, 30)),
                second=0,
                microsecond=0,
            )
            appointment = appointment_book(
                episode=episode,
                actor=worker,
                starts_at=starts,
                mode=mode,
                duration_minutes=ctx.pick((30, 45, 45, 60, 60, 90)),
                venue_kind=venue,
                venue_detail=detail,
            )
            booked = self.at(starts - dt.timedelta(days=ctx.rng.uniform(2, 7)))
            _stamp(Appointment, appointment.pk, booked)
            ctx.count("sessions booked")
            n += 1
            if starts < self.latest - dt.timedelta(hours=2):
                roll = ctx.rng.random()
                if roll < 0.80:
                    outcome, reason, dna = Outcome.ATTENDED, "", ""
                elif roll < 0.86:
                    outcome, reason, dna = Outcome.DID_NOT_ATTEND, UNEXPLAINED_DNA, ""
                elif roll < 0.90:
                    outcome = Outcome.DID_NOT_ATTEND
                    dna = ctx.pick(DNA_REASONS)
                    reason = "Told us afterwards why they missed it."
                elif roll < 0.96:
                    outcome, reason, dna = (
                        Outcome.CANCELLED_BY_PERSON,
                        ctx.pick(CANCELLED_BY_PERSON),
                        "",
                    )
                else:
                    outcome, reason, dna = (
                        Outcome.CANCELLED_BY_SERVICE,
                        ctx.pick(CANCELLED_BY_SERVICE),
                        "",
                    )
                appointment_record_outcome(
                    appointment=appointment,
                    actor=worker,
                    outcome=outcome,
                    reason=reason,
                    dna_reason=dna,
                )
                recorded = starts + dt.timedelta(minutes=appointment.duration_minutes + 20)
                Appointment.objects.filter(pk=appointment.pk).update(
                    outcome_recorded_at=recorded, updated_at=recorded
                )
                ctx.count(f"sessions {Outcome(outcome).label.lower()}")
            elif not still_open:
                break
            moment = starts + dt.timedelta(days=ctx.rng.uniform(6, 15))
            if still_open and moment > self.latest + dt.timedelta(days=14):
                break

    def _connections(
        self,
        episode: Episode,
        worker: User,
        needs: list[str],
        when: dt.datetime,
        ended: dt.datetime | None,
    ) -> None:
        ctx = self.ctx
        chosen: list[Service] = []
        for need in needs:
            options = [s for s in self.by_need.get(need, []) if s not in chosen]
            if options:
                chosen.append(ctx.pick(options))
            if len(chosen) == 2:
                break
        for service in chosen:
            offered = self.at(when + dt.timedelta(days=ctx.rng.uniform(0, 10)))
            option = option_offer(
                episode=episode,
                actor=worker,
                service_id=service.id,
                reasons="Meets a need they named",
            )
            _stamp(PlanOption, option.pk, offered)
            if not ctx.chance(0.75):
                continue
            made = self.at(offered + dt.timedelta(days=ctx.rng.uniform(0, 5)))
            connection = connection_create(
                episode=episode, service_id=service.id, actor=worker, note="They chose this one."
            )
            PlanOption.objects.filter(pk=option.pk).update(decided_at=made)
            moments = [made]
            provider = self.providers.get(connection.provider_id or 0, [])
            answerer = provider[0] if provider else worker
            age_days = (self.latest - made).days
            steps: list[tuple[str, dict[str, Any]]] = []
            if age_days > 3 and ctx.chance(ANSWERED_ON_TIME):
                if ctx.chance(0.12):
                    steps.append((S.REJECTED, {"decline_reason": ctx.pick(DeclineReason.values)}))
                else:
                    steps.append((S.ACCEPTED, {}))
                    if age_days > 14:
                        steps.append((S.IN_PROGRESS, {}))
                        if ended is not None or age_days > 90:
                            steps.append((S.COMPLETED, {}))
            for status, extra in steps:
                moment = self.at(moments[-1] + dt.timedelta(days=ctx.rng.uniform(1, 12)))
                if ended is not None:
                    moment = min(moment, ended)
                connection_transition(
                    connection=connection, to_status=status, actor=answerer, **extra
                )
                ConnectionStatusChange.objects.filter(
                    connection=connection, to_status=status, at__gte=self.load_started
                ).update(at=moment)
                moments.append(moment)
            ConnectionStatusChange.objects.filter(
                connection=connection, to_status=S.REQUESTED, at__gte=self.load_started
            ).update(at=made)
            fields: dict[str, Any] = {}
            started = [
                m
                for (status, _), m in zip(steps, moments[1:], strict=True)
                if status == S.IN_PROGRESS
            ]
            finished = [
                m
                for (status, _), m in zip(steps, moments[1:], strict=True)
                if status == S.COMPLETED
            ]
            if started:
                fields["support_started_at"] = started[0]
            if finished:
                fields["support_ended_at"] = finished[0]
            _stamp(Connection, connection.pk, made, **fields)
            ctx.count("onward referrals")

    def episode(self, episode: Episode) -> None:
        ctx = self.ctx
        worker = episode.link_worker
        if worker is None or episode.first_contact_at is None:
            return
        start = episode.first_contact_at
        ended = episode.closed_at
        end = ended or self.latest + dt.timedelta(days=14)
        referral = episode.referral
        needs = list(referral.suggested_needs if referral else []) or ["mental_wellbeing"]
        with _as_it_was(episode):
            conversation = conversation_record(
                episode=episode,
                actor=worker,
                needs=[
                    {
                        "code": code,
                        "priority": min(i + 1, 3),
                        "own_words": referral.reason if (i == 0 and referral) else "",
                    }
                    for i, code in enumerate(needs)
                ],
                strengths=ctx.pick(
                    (
                        "Close to their sister; good at cooking.",
                        "Used to run a football team; knows lots of people on the estate.",
                        "Determined, and good with numbers.",
                        "Loves gardening; has an allotment.",
                    )
                ),
                preferences={"delivery_modes": [DeliveryMode.HOME_VISIT, DeliveryMode.TELEPHONE]},
            )
            _stamp(Conversation, conversation.pk, start)
            plan = plan_record(
                episode=episode,
                actor=worker,
                goals=[GOALS.get(code, "Feel more like myself again.") for code in needs[:3]],
                actions=[
                    {"what": what, "who": who, "by": ""} for what, who in ctx.rng.sample(ACTIONS, 2)
                ],
                review_date=None,
            )
            review = (start + dt.timedelta(weeks=8)).date()
            _stamp(SupportPlan, plan.pk, start)
            if ended is None and review >= timezone.localdate():
                SupportPlan.objects.filter(pk=plan.pk).update(review_date=review)
            ctx.count("conversations and plans")

            wellbeing = ctx.rng.uniform(0.15, 0.5)
            self._questionnaires(episode, worker, start, Occasion.BASELINE, wellbeing)
            self._sessions(episode, worker, start, end, still_open=ended is None)
            self._connections(episode, worker, needs, start, ended)
            # Most people feel better by the end; some do not.
            better = wellbeing + ctx.rng.gauss(0.14, 0.13)
            if ended is not None:
                if ctx.chance(0.8):
                    self._questionnaires(
                        episode, worker, ended - dt.timedelta(days=1), Occasion.DISCHARGE, better
                    )
            elif self.latest - start > dt.timedelta(weeks=8) and ctx.chance(0.7):
                self._questionnaires(
                    episode,
                    worker,
                    start + dt.timedelta(weeks=8),
                    Occasion.REVIEW,
                    (wellbeing + better) / 2,
                )

    def date_alerts(self) -> None:
        """Alerts raised while writing the past were seen at the time; this week's stay unread."""
        week_ago = self.latest - dt.timedelta(days=7)
        recent_objects = set(
            Appointment.objects.filter(starts_at__gte=week_ago).values_list(
                "episode__uuid", flat=True
            )
        ) | set(Connection.objects.filter(created_at__gte=week_ago).values_list("uuid", flat=True))
        old = Alert.objects.filter(created_at__gte=self.load_started, read_at__isnull=True).filter(
            ~Q(object_uuid__in=recent_objects)
        )
        old.update(read_at=week_ago)


def build(ctx: DemoContext) -> None:
    episodes = list(
        Episode.objects.filter(first_contact_at__isnull=False)
        .select_related("link_worker", "team", "person", "referral")
        .order_by("opened_at", "pk")
    )
    support = _Support(ctx)
    with ctx.progress("Support: conversations, sessions, questionnaires", len(episodes)) as bar:
        for episode in episodes:
            support.episode(episode)
            bar.update()
    support.date_alerts()
