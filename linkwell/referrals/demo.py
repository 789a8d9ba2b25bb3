"""Demo builder for referrals and episodes: 18 months of the Northside front door.

Every person planned by the people builder arrives through ``referral_create`` (which makes their
record and records their consent to support), from every source: GP practices, NHS Talking
Therapies, the job centre, housing, the hospital discharge team, community organisations and
self-referral. Referrals end in every Gravity status; accepted ones open episodes
(``referral_transition``), which move through open, active, closing and closed
(``episode_transition``). Some people come back: their new referral makes a second record, which
the link worker merges into the first (``person_merge``), so their next episode is number 2, 3 or
4: the revolving door the reports show.

Services stamp "now"; this builder then moves each row's own dates back to when the demo says it
happened (``created_at``, ``status_changed_at``, history ``at``, ``opened_at``...) with
queryset updates. That back-dating is for the demo only. The audit log keeps the real load time:
it is append-only, and its rows say truthfully when they were written.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings

from linkwell.accounts.models import Organisation, OrganisationKind, Role, Team, User
from linkwell.cases.models import DischargeReason, Episode, EpisodeStatus, EpisodeStatusChange
from linkwell.cases.services import episode_transition
from linkwell.common.demo import HISTORY_DAYS, DemoContext
from linkwell.common.statuses import TaskStatus
from linkwell.common.working_days import add_working_days
from linkwell.notifications.models import Alert
from linkwell.notifications.services import alert_mark_read
from linkwell.people.demo import Profile, record_consents
from linkwell.people.models import Consent, ConsentMethod, Person
from linkwell.people.services import person_merge, person_update

from .models import Referral, ReferralSource, ReferralStatusChange, Urgency
from .services import URGENCY_RESPONSE_WORKING_DAYS, referral_assign, referral_create

S = TaskStatus


@dataclass(frozen=True)
class Reason:
    text: str
    needs: tuple[str, ...]
    urgency: str = Urgency.ROUTINE


# In people's own words, as a referrer writes them down.
REASONS: tuple[Reason, ...] = (
    Reason(
        "I lost my job in March and the debts are piling up. I can't sleep for worrying.",
        ("employment", "money", "mental_wellbeing"),
    ),
    Reason(
        "Since my husband died I don't see anyone from one week to the next.",
        ("bereavement", "loneliness"),
    ),
    Reason(
        "The flat is damp and the kids keep getting chesty. The landlord won't do anything.",
        ("housing",),
    ),
    Reason(
        "I look after my mum who has dementia and I'm exhausted. I haven't had a day off in two "
        "years.",
        ("caring", "mental_wellbeing"),
    ),
    Reason(
        "I've been signed off work with stress and I'm scared I'll lose my job.",
        ("employment", "mental_wellbeing"),
    ),
    Reason(
        "Universal Credit got stopped and I've had to use the food bank twice this month.",
        ("money", "food"),
        Urgency.SOON,
    ),
    Reason(
        "My back pain means I can't get out much any more and I miss people.",
        ("long_term_condition", "loneliness"),
    ),
    Reason(
        "I came here from Syria last year and I don't know anyone. I want to learn English.",
        ("immigration", "learning", "loneliness"),
    ),
    Reason(
        "I'm drinking more than I should since the divorce.",
        ("substance_use", "relationships"),
    ),
    Reason(
        "The doctor says my sugar is high and I should get fitter, but I don't know where to "
        "start.",
        ("physical_activity", "long_term_condition"),
    ),
    Reason(
        "I get letters I don't understand and I haven't got a computer to sort things out online.",
        ("digital", "money"),
    ),
    Reason(
        "I'm 82 and my daughter lives in Australia. Some days I don't speak to a soul.",
        ("loneliness",),
    ),
    Reason(
        "Since I retired I don't know what to do with myself. I used to be busy all the time.",
        ("purpose", "loneliness"),
    ),
    Reason(
        "We've been told to leave the house by the end of the month and I've nowhere to go with "
        "the children.",
        ("housing", "money"),
        Urgency.URGENT,
    ),
    Reason(
        "My partner checks my phone and won't let me see my friends. I'm frightened of him.",
        ("safety", "relationships"),
        Urgency.URGENT,
    ),
    Reason(
        "I've been feeling really low and sometimes I think everyone would be better off without "
        "me. I've thought about how I'd end my life.",
        ("mental_wellbeing",),
        Urgency.URGENT,
    ),
    Reason(
        "The gas bill has tripled and I'm sitting in the dark to save money.",
        ("money",),
    ),
    Reason("Lost my wife in January. The house is so quiet.", ("bereavement", "loneliness")),
    Reason(
        "I've got COPD and I'm scared to go out in case I can't get my breath.",
        ("long_term_condition", "transport"),
    ),
    Reason(
        "I want to get back to work now the kids are at school but I've lost all my confidence.",
        ("employment", "mental_wellbeing"),
    ),
    Reason(
        "I care for my son who has autism and I've got nobody to talk to about it.",
        ("caring", "loneliness"),
    ),
    Reason(
        "I can't afford the bus to get to my hospital appointments.",
        ("transport", "money"),
    ),
    Reason(
        "I've been gambling on my phone and now I owe thousands. My wife doesn't know.",
        ("substance_use", "money"),
    ),
    Reason(
        "Came out of hospital after my fall and I'm nervous on my own at home.",
        ("long_term_condition", "loneliness"),
    ),
    Reason(
        "I'd like to do some volunteering, something to get me out of the house.",
        ("purpose",),
    ),
    Reason(
        "My English is not good and I need help with forms and with the doctor.",
        ("learning", "immigration"),
    ),
    Reason(
        "Since the baby I don't feel like myself and I don't go out.",
        ("mental_wellbeing", "loneliness"),
    ),
    Reason(
        "I was made redundant at 58 and nobody wants to know.",
        ("employment",),
    ),
    Reason(
        "My son died last year and I can't seem to get going.",
        ("bereavement", "mental_wellbeing"),
    ),
    Reason(
        "I'm sleeping on my sister's settee since we split up.",
        ("housing", "relationships"),
        Urgency.SOON,
    ),
    Reason(
        "Arthritis in both knees. I used to love walking and I want to get back to it.",
        ("physical_activity", "long_term_condition"),
    ),
    Reason(
        "On my own with three kids and the money never stretches to the end of the month.",
        ("money", "food"),
    ),
    Reason(
        "The neighbours make my life a misery and I don't feel safe going out at night.",
        ("housing", "safety"),
    ),
    Reason(
        "Off sick with long covid for a year and work are talking about letting me go.",
        ("employment", "long_term_condition", "legal"),
    ),
    Reason(
        "I'm waiting for my asylum decision and I'm not allowed to work. I sit in my room all day.",
        ("immigration", "purpose", "loneliness"),
    ),
    Reason(
        "I left the army three years ago and I've never really settled.",
        ("purpose", "mental_wellbeing"),
    ),
    Reason(
        "Anxious all the time since I lost my job. My heart races and I can't face the shops.",
        ("mental_wellbeing", "employment"),
    ),
    Reason(
        "Looking after my husband since his stroke, I never get out of the house.",
        ("caring", "loneliness"),
    ),
    Reason(
        "Behind on the rent and the council tax and the letters keep coming.",
        ("money", "housing"),
    ),
    Reason(
        "I've put on a lot of weight since I stopped work and I'd like to join something.",
        ("physical_activity", "purpose"),
    ),
)

# Who refers, and how often (most referrals come from GP practices).
SOURCE_WEIGHTS: tuple[tuple[str, float], ...] = (
    (ReferralSource.GP_PRACTICE, 52),
    (ReferralSource.TALKING_THERAPIES, 8),
    (ReferralSource.JOB_CENTRE, 8),
    (ReferralSource.HOUSING, 7),
    (ReferralSource.HOSPITAL, 5),
    (ReferralSource.COMMUNITY, 7),
    (ReferralSource.SELF, 11),
    (ReferralSource.OTHER, 2),
)
# How the latest referral of each person stands today, and how long ago (days) it was made.
STATUS_PLAN: tuple[tuple[str, float, tuple[int, int]], ...] = (
    (S.DRAFT, 2, (0, 4)),
    (S.REQUESTED, 11, (0, 24)),
    (S.ACCEPTED, 6, (2, 20)),
    (S.REJECTED, 6, (10, 500)),
    (S.CANCELLED, 4, (10, 500)),
    (S.IN_PROGRESS, 25, (20, 200)),
    (S.ON_HOLD, 5, (65, 200)),
    (S.COMPLETED, 28, (150, 530)),
    (S.FAILED, 5, (40, 500)),
    (S.ENTERED_IN_ERROR, 2, (5, 400)),
)
# How many referrals a person has had (the last one follows STATUS_PLAN; earlier ones completed).
REFERRAL_COUNT_WEIGHTS: tuple[tuple[int, float], ...] = ((1, 76), (2, 14), (3, 7), (4, 3))

REJECT_REASONS = (
    "Needs are clinical: referred back to the GP for a mental health assessment.",
    "Lives outside the Northside area; passed to the neighbouring service.",
    "Already supported by the community mental health team, who will link in directly.",
    "Asked for housing only; referred straight to the housing options team.",
)
CANCEL_REASONS = (
    "The person phoned to say they no longer want support.",
    "Referred by mistake: meant for NHS Talking Therapies.",
    "The person has moved away.",
)
HOLD_REASONS = (
    "In hospital for an operation; will pick up again when home.",
    "Caring for a relative through a crisis; asked to pause for a month.",
    "Away visiting family abroad until next month.",
)
FAIL_REASONS = (
    "No answer to three calls, two texts and a letter.",
    "Phone number not in use and no reply to the letter.",
)
ERROR_REASONS = (
    "Entered against the wrong person; re-entered correctly.",
    "Duplicate of a referral sent the same day by fax.",
)
CLOSE_REASONS: tuple[tuple[str, float, str], ...] = (
    (DischargeReason.GOALS_MET, 35, "Feeling more settled; knows where to go if things change."),
    (DischargeReason.CONNECTED, 40, "Going to the group every week and the debt plan is in place."),
    (DischargeReason.PERSON_CHOSE, 10, "Feels ready to carry on without us for now."),
    (DischargeReason.NO_CONTACT, 7, "Stopped answering after the third session."),
    (DischargeReason.MOVED_AWAY, 4, "Moved to be nearer their daughter."),
    (DischargeReason.NEEDS_OTHER_SERVICE, 4, "Needs specialist support; referred on."),
)
SOURCE_ORGANISATION_KINDS: dict[str, str] = {
    ReferralSource.GP_PRACTICE: OrganisationKind.GP_PRACTICE,
    ReferralSource.TALKING_THERAPIES: OrganisationKind.TALKING_THERAPIES,
    ReferralSource.JOB_CENTRE: OrganisationKind.JOB_CENTRE,
    ReferralSource.HOUSING: OrganisationKind.HOUSING_PROVIDER,
    ReferralSource.COMMUNITY: OrganisationKind.COMMUNITY_PROVIDER,
}
REFERRER_NAMES = (
    "Dr A. Patel",
    "Dr S. Holroyd",
    "Nurse J. Kerr",
    "K. Mistry, care coordinator",
    "L. Barnes, work coach",
    "P. Quinn, housing officer",
    "T. Adeyemi, discharge coordinator",
)
# Outward codes served by each team.
EAST_OUTWARD = ("LS7", "LS8", "LS9", "LS14", "LS15")


class _Clock:
    """Moves the dates services stamp as "now" back to when the demo says a step happened."""

    def __init__(self, ctx: DemoContext) -> None:
        self.ctx = ctx
        # Rows stamped after this moment were stamped by the load itself.
        self.load_started = ctx.now
        self.latest = ctx.now - dt.timedelta(minutes=5)

    def at(self, moment: dt.datetime) -> dt.datetime:
        return min(moment, self.latest)

    def stamp(self, referral: Referral, moment: dt.datetime, episode_id: int | None) -> None:
        """Date the referral's newest history rows (and its status change) at ``moment``."""
        ReferralStatusChange.objects.filter(referral=referral, at__gte=self.load_started).update(
            at=moment
        )
        Referral.objects.filter(pk=referral.pk).update(status_changed_at=moment)
        if episode_id is not None:
            EpisodeStatusChange.objects.filter(
                episode_id=episode_id, at__gte=self.load_started
            ).update(at=moment)


def _staff(ctx: DemoContext, team: Team) -> tuple[list[User], list[User]]:
    workers = [u for u in ctx.users.values() if u.team_id == team.pk and u.role == Role.LINK_WORKER]
    supervisors = [
        u for u in ctx.users.values() if u.team_id == team.pk and u.role == Role.SUPERVISOR
    ]
    return workers, supervisors


def _team_for(ctx: DemoContext, postcode: str) -> Team:
    outward = postcode.split()[0] if postcode else ""
    return ctx.teams["team_east" if outward in EAST_OUTWARD else "team_west"]


def _referrer(ctx: DemoContext, source: str, team: Team, gp: Organisation | None) -> dict[str, Any]:
    """actor, referring organisation and the referrer's name for one referral; a GP referral
    comes from the practice the person is registered with."""
    kind = SOURCE_ORGANISATION_KINDS.get(source)
    if source == ReferralSource.SELF:
        return {"actor": None, "referrer_name": "Self-referral"}
    if source in (ReferralSource.HOSPITAL, ReferralSource.OTHER):
        org = ctx.organisations.get("hospital") if source == ReferralSource.HOSPITAL else None
        workers, _ = _staff(ctx, team)
        return {
            "actor": ctx.pick(workers),
            "referring_organisation": org,
            "referrer_name": ctx.pick(REFERRER_NAMES)
            if org
            else "Community pharmacist, Larkspur Parade",
            "referrer_contact": ctx.drama_landline(),
        }
    orgs: list[Organisation] = ctx.organisations_of_kind(kind) if kind else []
    org = gp if source == ReferralSource.GP_PRACTICE and gp is not None else ctx.pick(orgs)
    accounts = [u for u in ctx.users.values() if u.role == Role.REFERRER and u.organisation == org]
    if accounts:
        # A referrer with an account refers through their own page: their organisation is theirs.
        return {"actor": ctx.pick(accounts)}
    # Phoned or emailed in: a link worker takes it down for them.
    workers, _ = _staff(ctx, team)
    return {
        "actor": ctx.pick(workers),
        "referring_organisation": org,
        "referrer_name": ctx.pick(REFERRER_NAMES),
        "referrer_contact": ctx.drama_landline(),
    }


@dataclass
class _Plan:
    profile: Profile
    # Days ago each referral was made, oldest first; the last follows ``final_status``.
    starts: list[float]
    final_status: str


def _plan(ctx: DemoContext, profile: Profile, status: str | None = None) -> _Plan:
    """When and how a person's referrals happen; ``status`` forces the latest one's outcome."""
    row = next((r for r in STATUS_PLAN if r[0] == status), None)
    status, _, (low, high) = row or ctx.weighted([(r, r[1]) for r in STATUS_PLAN])
    last = ctx.rng.uniform(low, high)
    count = ctx.weighted(REFERRAL_COUNT_WEIGHTS) if profile.duplicate_of is None else 1
    starts = [last]
    for _ in range(count - 1):
        earlier = starts[0] + ctx.rng.uniform(150, 220)
        if earlier > HISTORY_DAYS:
            break
        starts.insert(0, earlier)
    return _Plan(profile, starts, status)


def _after(ctx: DemoContext, moment: dt.datetime, low: float, high: float) -> dt.datetime:
    return moment + dt.timedelta(days=ctx.rng.uniform(low, high))


class _Builder:
    def __init__(self, ctx: DemoContext) -> None:
        self.ctx = ctx
        self.clock = _Clock(ctx)
        # Person record of each profile, once made (index into the profiles list).
        self.records: dict[int, Person] = {}

    def referral(
        self, index: int, profile: Profile, days_ago: float, final_status: str, *, repeat: bool
    ) -> None:
        ctx = self.ctx
        reason = ctx.pick(REASONS)
        source = ctx.weighted(SOURCE_WEIGHTS)
        team = _team_for(ctx, profile.fields.get("postcode", ""))
        workers, _ = _staff(ctx, team)
        worker = ctx.pick(workers)
        made = self.clock.at(ctx.days_ago(days_ago))
        referrer = _referrer(ctx, source, team, profile.fields.get("gp_practice"))
        risk_details = ""
        flagged_by_referrer = ctx.chance(0.04)
        if flagged_by_referrer:
            risk_details = "Referrer's note: seemed very low at the appointment; please call soon."
        details = dict(profile.fields)
        details.pop("deprivation_decile", None)
        details.pop("gp_practice", None)
        referral = referral_create(
            source=source,
            reason=reason.text,
            person_details=details,
            team=team,
            suggested_needs=list(reason.needs),
            urgency=reason.urgency,
            risk_of_harm=flagged_by_referrer,
            risk_details=risk_details,
            consent_confirmed=True,
            **referrer,
        )
        person = referral.person
        returning = repeat and index in self.records
        if not returning:
            # What the referrer does not send: the practice the person is registered with (when
            # someone else referred) and the deprivation decile of their postcode, which the
            # link worker adds to the record.
            person = person_update(
                person=person,
                actor=worker,
                gp_practice=profile.fields.get("gp_practice"),
                deprivation_decile=profile.fields.get("deprivation_decile"),
            )
        Person.objects.filter(pk=person.pk).update(created_at=made)
        Consent.objects.filter(person=person).update(recorded_at=made)
        ctx.count("referrals")
        ctx.count(f"referrals from {ReferralSource(source).label.lower()}")
        if referral.risk_of_harm or referral.safeguarding_concern:
            ctx.count("referrals flagged for risk")
        rules: dict[str, Any] = settings.LINKWELL  # a plain settings dict of mixed values
        standard = int(rules["REFERRAL_RESPONSE_WORKING_DAYS"])
        days = min(URGENCY_RESPONSE_WORKING_DAYS.get(Urgency(reason.urgency), standard), standard)
        due = add_working_days(made.date(), days)
        Referral.objects.filter(pk=referral.pk).update(
            created_at=made, status_changed_at=made, response_due=due
        )
        ReferralStatusChange.objects.filter(referral=referral).update(at=made)
        self._date_alerts(referral, made, days_ago)

        if returning:
            # The returning person's new record is merged into their first one at triage.
            person_merge(keep=self.records[index], merge=person, actor=worker)
            referral.refresh_from_db()
            ctx.count("records merged at triage")
        elif profile.duplicate_of is None:
            self.records[index] = person
            ctx.people.append(person)
        else:
            ctx.people.append(person)

        self.walk(referral, final_status, made, worker)

    def _date_alerts(self, referral: Referral, made: dt.datetime, days_ago: float) -> None:
        alerts = list(Alert.objects.filter(object_uuid=referral.uuid).select_related("recipient"))
        if not alerts:
            return
        Alert.objects.filter(pk__in=[a.pk for a in alerts]).update(created_at=made)
        if days_ago > 3:
            # Older alerts were seen at the time; only this week's are still unread.
            for alert in alerts:
                alert_mark_read(alert=alert, user=alert.recipient)
            Alert.objects.filter(pk__in=[a.pk for a in alerts]).update(read_at=made)

    def step(
        self,
        referral: Referral,
        moment: dt.datetime,
        action: Callable[[], object],
        episode: Episode | None = None,
    ) -> dt.datetime:
        moment = self.clock.at(moment)
        action()
        self.clock.stamp(referral, moment, episode.pk if episode else None)
        return moment

    def walk(
        self,
        referral: Referral,
        final: str,
        made: dt.datetime,
        worker: User,
    ) -> None:
        """Take the referral from requested to ``final`` through the services, dating each step."""
        from .services import referral_transition

        ctx = self.ctx
        ctx.count(f"referrals now {TaskStatus(final).label.lower()}")

        episode: Episode | None = None

        def move(to: str, when: dt.datetime, reason: str = "") -> dt.datetime:
            return self.step(
                referral,
                when,
                lambda: referral_transition(
                    referral=referral, to_status=to, actor=worker, reason=reason
                ),
                episode,
            )

        if final == S.DRAFT:
            self._make_draft(referral, made)
            return
        if final == S.REQUESTED:
            if ctx.chance(0.5):
                self.step(
                    referral,
                    _after(ctx, made, 0, 1),
                    lambda: referral_assign(referral=referral, link_worker=worker, actor=worker),
                )
            return
        if final == S.ENTERED_IN_ERROR:
            move(S.ENTERED_IN_ERROR, _after(ctx, made, 0, 2), ctx.pick(ERROR_REASONS))
            return
        if final == S.REJECTED:
            move(S.REJECTED, _after(ctx, made, 1, 8), ctx.pick(REJECT_REASONS))
            return
        if final == S.CANCELLED:
            move(S.CANCELLED, _after(ctx, made, 1, 6), ctx.pick(CANCEL_REASONS))
            return

        accepted = move(S.ACCEPTED, _after(ctx, made, 1, 8))
        episode = Episode.objects.get(referral=referral)
        EpisodeStatusChange.objects.filter(episode=episode).update(at=accepted)
        Episode.objects.filter(pk=episode.pk).update(opened_at=accepted, created_at=accepted)
        ctx.count("episodes")
        person = referral.person
        record_consents(ctx, person, accepted, worker, method=ConsentMethod.VERBAL)
        if final == S.ACCEPTED:
            return
        if final == S.FAILED:
            failed = move(S.FAILED, _after(ctx, accepted, 10, 30), ctx.pick(FAIL_REASONS))
            self._close(referral, episode, failed, worker, DischargeReason.NO_CONTACT)
            return

        active = self.step(
            referral,
            _after(ctx, accepted, 3, 14),
            lambda: episode_transition(
                episode=episode, to_status=EpisodeStatus.ACTIVE, actor=worker
            ),
            episode,
        )
        Episode.objects.filter(pk=episode.pk).update(first_contact_at=active)
        if final == S.IN_PROGRESS:
            if ctx.chance(0.15):
                self.step(
                    referral,
                    _after(ctx, active, 30, 90),
                    lambda: episode_transition(
                        episode=episode,
                        to_status=EpisodeStatus.CLOSING,
                        actor=worker,
                        reason="Agreed to start winding down: the last two sessions are booked.",
                    ),
                    episode,
                )
                ctx.count("episodes closing")
            return
        if final == S.ON_HOLD:
            move(S.ON_HOLD, _after(ctx, active, 10, 40), ctx.pick(HOLD_REASONS))
            return
        # Completed: often a closing conversation first; then the episode closes and the referral
        # completes with it.
        ending = _after(ctx, active, 40, 100)
        if ctx.chance(0.5):
            ending = self.step(
                referral,
                ending,
                lambda: episode_transition(
                    episode=episode,
                    to_status=EpisodeStatus.CLOSING,
                    actor=worker,
                    reason="Talked about ending support and what comes next.",
                ),
                episode,
            )
            ending = _after(ctx, ending, 7, 21)
        discharge = ctx.weighted([((code, note), w) for code, w, note in CLOSE_REASONS])
        self._close(referral, episode, ending, worker, *discharge)

    def _close(
        self,
        referral: Referral,
        episode: Episode,
        when: dt.datetime,
        worker: User,
        discharge: str,
        note: str = "",
    ) -> None:
        closed = self.step(
            referral,
            when,
            lambda: episode_transition(
                episode=episode,
                to_status=EpisodeStatus.CLOSED,
                actor=worker,
                reason=note,
                discharge_reason=discharge,
            ),
            episode,
        )
        Episode.objects.filter(pk=episode.pk).update(closed_at=closed)

    def _make_draft(self, referral: Referral, made: dt.datetime) -> None:
        """A referral started and not yet sent. Linkwell's services only make referrals that are
        sent (status requested): the demo turns a few back into drafts so the status can be
        seen, with its history row saying so."""
        Referral.objects.filter(pk=referral.pk).update(
            status=S.DRAFT, status_changed_at=made, response_due=None
        )
        ReferralStatusChange.objects.filter(referral=referral).update(to_status=S.DRAFT)


def build(ctx: DemoContext) -> None:
    profiles: list[Profile] = ctx.extra.get("person_profiles", [])
    # The first few people cover every status once, so even a small demo shows them all.
    forced = [r[0] for r in STATUS_PLAN]
    plans = [
        _plan(ctx, profile, forced[i] if i < len(forced) else None)
        for i, profile in enumerate(profiles)
    ]
    for plan in plans:
        original = plan.profile.duplicate_of
        if original is not None:
            # Entered again by someone else after the original: waiting in the inbox, with the
            # possible duplicate flagged for the link worker who opens it.
            plan.starts = [ctx.rng.uniform(0, min(20.0, plans[original].starts[0]))]
            plan.final_status = S.REQUESTED
    # Every referral in the order it happened, so a returning person's earlier episode is closed
    # before their next referral arrives, and each original is made before its near-duplicate.
    events: list[tuple[float, int, int]] = []
    for index, plan in enumerate(plans):
        for number, days in enumerate(plan.starts):
            events.append((days, index, number))
    events.sort(key=lambda e: (-e[0], plans[e[1]].profile.duplicate_of is not None))
    builder = _Builder(ctx)
    with ctx.progress("Referrals and episodes", len(events)) as bar:
        for days, index, number in events:
            plan = plans[index]
            last = number == len(plan.starts) - 1
            builder.referral(
                index,
                plan.profile,
                days,
                plan.final_status if last else S.COMPLETED,
                repeat=number > 0,
            )
            bar.update()
    ctx.counts["people"] = len(ctx.people)
    ctx.counts["people on their 3rd or later episode"] = (
        Episode.objects.filter(number__gte=3).values("person").distinct().count()
    )
