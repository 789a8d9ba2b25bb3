"""Demo data: the service's volunteers, from application to active, and the people they support.

Twelve volunteers of the demo service in every role (peer supporter, befriender, wellbeing
champion, group facilitator) and at every recruitment stage, with references, DBS checks (one
running out within 30 days, one already out of date, so that volunteer cannot take a new match),
training modules and completions, and supervision sessions. The demo login "volunteer" (Margaret
Holt) is an active befriender: link workers of the East team matched her with people who consent to
support, reviewed the matches, and ended one with a reason; she logged her hours month by month.

Everything goes through the services (a supervisor's, a link worker's or the volunteer's own
steps); the rows are then dated to when the demo says each step happened. Volunteers who can
facilitate groups are left in ``ctx.extra["group_facilitators"]`` for the groups builder.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils import timezone

from linkwell.accounts.models import Role, User
from linkwell.accounts.services import user_save
from linkwell.cases.models import Episode, EpisodeStatus
from linkwell.common.demo import DemoContext
from linkwell.people.models import ConsentPurpose, Person
from linkwell.people.selectors import consent_in_force

from .models import (
    HoursLog,
    Match,
    MatchEndReason,
    MatchReview,
    SupervisionSession,
    TrainingCompletion,
    TrainingModule,
    Volunteer,
    VolunteerRole,
    VolunteerStatus,
)
from .services import (
    dbs_record,
    hours_log,
    match_create,
    match_end,
    match_review_add,
    supervision_record,
    training_module_create,
    training_record,
    volunteer_create,
    volunteer_record_references,
    volunteer_set_status,
)

R = VolunteerRole
ST = VolunteerStatus

# name, roles it is required for, valid for (days; None = for good)
MODULES: tuple[tuple[str, tuple[str, ...], int | None], ...] = (
    ("Safeguarding adults", tuple(R.values), 730),
    ("Boundaries and confidentiality", (R.PEER_SUPPORTER, R.BEFRIENDER), None),
    ("Lone working and home visits", (R.BEFRIENDER,), 1095),
    ("Using your lived experience", (R.PEER_SUPPORTER,), None),
    ("Mental health first aid", (R.WELLBEING_CHAMPION, R.PEER_SUPPORTER), 1095),
    ("Running a group safely", (R.GROUP_FACILITATOR,), None),
)

# The order recruitment goes in: each status is reached through the ones before it.
PATH = (ST.APPLIED, ST.REFERENCES, ST.CHECKS, ST.TRAINING, ST.ACTIVE)


@dataclass(frozen=True)
class VolunteerSpec:
    username: str
    given: str
    family: str
    role: str
    status: str
    # How long ago they applied.
    applied_days: int
    languages: tuple[str, ...] = ("english",)
    interests: tuple[str, ...] = ()
    availability: tuple[str, ...] = ("mon_am", "wed_pm")
    area: str = "LS7"
    # "ok", "expiring" (within 30 days) or "expired".
    dbs: str = "ok"
    max_matches: int = 2


VOLUNTEERS: tuple[VolunteerSpec, ...] = (
    VolunteerSpec(
        "volunteer",
        "Margaret",
        "Holt",
        R.BEFRIENDER,
        ST.ACTIVE,
        470,
        interests=("gardening", "baking", "crosswords"),
        availability=("tue_am", "thu_am", "thu_pm"),
        area="LS8",
        max_matches=3,
    ),
    VolunteerSpec(
        "v.ali",
        "Yusuf",
        "Ali",
        R.PEER_SUPPORTER,
        ST.ACTIVE,
        520,
        languages=("english", "urdu", "punjabi"),
        interests=("football", "cooking"),
        area="LS9",
        dbs="expiring",
    ),
    VolunteerSpec(
        "v.marsh",
        "Brenda",
        "Marsh",
        R.BEFRIENDER,
        ST.ACTIVE,
        540,
        interests=("knitting", "bingo"),
        availability=("mon_pm", "fri_am"),
        area="LS14",
        dbs="expired",
    ),
    VolunteerSpec(
        "v.asante",
        "Kwame",
        "Asante",
        R.GROUP_FACILITATOR,
        ST.ACTIVE,
        400,
        languages=("english", "twi"),
        interests=("music", "walking"),
        area="LS7",
    ),
    VolunteerSpec(
        "v.kelly",
        "Siobhan",
        "Kelly",
        R.GROUP_FACILITATOR,
        ST.ACTIVE,
        330,
        interests=("yoga", "sleep", "mindfulness"),
        availability=("tue_pm", "thu_pm"),
        area="LS6",
    ),
    VolunteerSpec(
        "v.zielinska",
        "Ewa",
        "Zielinska",
        R.WELLBEING_CHAMPION,
        ST.ACTIVE,
        300,
        languages=("english", "polish"),
        interests=("running", "cooking"),
        area="LS11",
    ),
    VolunteerSpec(
        "v.gill",
        "Harpreet",
        "Gill",
        R.PEER_SUPPORTER,
        ST.TRAINING,
        75,
        languages=("english", "punjabi"),
        interests=("cricket",),
        area="LS12",
    ),
    VolunteerSpec(
        "v.brooks",
        "Daniel",
        "Brooks",
        R.BEFRIENDER,
        ST.CHECKS,
        40,
        interests=("fishing", "history"),
        area="LS15",
    ),
    VolunteerSpec(
        "v.noor",
        "Fatima",
        "Noor",
        R.WELLBEING_CHAMPION,
        ST.REFERENCES,
        25,
        languages=("english", "somali", "arabic"),
        area="LS8",
    ),
    VolunteerSpec(
        "v.price",
        "Gareth",
        "Price",
        R.PEER_SUPPORTER,
        ST.APPLIED,
        6,
        interests=("rugby", "computers"),
        area="LS6",
    ),
    VolunteerSpec(
        "v.adeyemi",
        "Joyce",
        "Adeyemi",
        R.BEFRIENDER,
        ST.PAUSED,
        500,
        languages=("english", "yoruba"),
        interests=("church choir",),
        area="LS7",
    ),
    VolunteerSpec(
        "v.doyle",
        "Liam",
        "Doyle",
        R.GROUP_FACILITATOR,
        ST.LEFT,
        510,
        interests=("walking",),
        area="LS9",
    ),
)

SUPERVISION_NOTES = (
    "Talked through a difficult visit; agreed to ring the duty link worker next time.",
    "Going well. Wants to try facilitating a group in the spring.",
    "Reflected on keeping boundaries when someone asks for a phone number.",
    "Tired after a busy month; agreed to take fewer hours for a while.",
    "Shared a success: the person they support joined a walking group.",
)
# What a person agreed their volunteer helps with (the only plan detail the volunteer sees).
PLAN_ITEMS = (
    ("A weekly cup of tea and a chat", "Getting to the shops on a Thursday"),
    ("Walking to the Tuesday coffee morning together", "Practising using the bus again"),
    ("A phone call every Monday", "Help finding a local lunch club"),
    ("Going to the library digital drop-in together",),
    ("Company on a short walk in the park", "Someone to talk to about Mum"),
)
REVIEW_NOTES = (
    "Both say the visits are the highlight of the week.",
    "Getting out more; has started going to the coffee morning on her own.",
    "Some missed calls in a bad week; agreed to keep going and check again next month.",
    "Confidence growing: took the bus to town for the first time in a year.",
)
HOURS_ACTIVITIES = (
    "Home visit",
    "Phone call",
    "Walk to the coffee morning",
    "Accompanied to the library",
    "Travel and visit",
)


def _stamp(model: type[Any], pk: int, moment: dt.datetime, **fields: Any) -> None:
    model.objects.filter(pk=pk).update(created_at=moment, updated_at=moment, **fields)


class _Volunteers:
    def __init__(self, ctx: DemoContext) -> None:
        self.ctx = ctx
        self.today = timezone.localdate()
        self.service = ctx.organisations["service"]
        self.supervisor = ctx.users["supervisor"]
        self.linkworker = ctx.users["linkworker"]
        self.modules: list[TrainingModule] = []
        self.matched: set[int] = set()

    def day(self, days_ago: float) -> dt.date:
        return self.today - dt.timedelta(days=int(days_ago))

    def moment(self, day: dt.date) -> dt.datetime:
        days = (self.today - day).days
        return self.ctx.days_ago(days)

    def make_modules(self) -> None:
        for name, roles, valid in MODULES:
            module = training_module_create(
                actor=self.supervisor, name=name, required_for=list(roles), valid_for_days=valid
            )
            _stamp(TrainingModule, module.pk, self.ctx.days_ago(600))
            self.modules.append(module)
            self.ctx.count("volunteer training modules")

    def user(self, spec: VolunteerSpec) -> User:
        existing = self.ctx.users.get(spec.username)
        if existing is not None:
            return existing
        user = User(
            username=spec.username,
            first_name=spec.given,
            last_name=spec.family,
            email=f"{spec.given.lower()}.{spec.family.lower()}@example.org",
            role=Role.VOLUNTEER,
            organisation=self.service,
            phone=self.ctx.drama_mobile(),
            is_active=spec.status != ST.LEFT,
        )
        # The demo's one password, already hashed for the demo logins.
        user.password = self.ctx.users["volunteer"].password
        user_save(user=user, actor=None, changed_fields=["username", "role", "password"])
        self.ctx.users[spec.username] = user
        self.ctx.count("users")
        return user

    def train(self, volunteer: Volunteer, started: dt.date, *, partly: bool) -> None:
        """Required modules completed over the weeks after the checks; ``partly`` stops early."""
        required = [m for m in self.modules if volunteer.role in m.required_for]
        if partly:
            required = required[: max(1, len(required) - 1)]
        done_on = started
        for module in required:
            done_on = min(done_on + dt.timedelta(days=self.ctx.rng.randint(3, 12)), self.today)
            done = training_record(
                volunteer=volunteer, actor=self.supervisor, module=module, completed_on=done_on
            )
            _stamp(TrainingCompletion, done.pk, self.moment(done_on))
            self.ctx.count("volunteer training completed")

    def dbs(self, volunteer: Volunteer, spec: VolunteerSpec, checked: dt.date) -> None:
        renew = checked + dt.timedelta(days=3 * 365)
        if spec.dbs == "expiring":
            # The service renews checks every year or two: this one is due within the month.
            renew = self.today + dt.timedelta(days=self.ctx.rng.randint(9, 24))
        dbs_record(volunteer=volunteer, actor=self.supervisor, checked_on=checked, renew_by=renew)

    def volunteer(self, spec: VolunteerSpec) -> Volunteer:
        ctx = self.ctx
        user = self.user(spec)
        applied = self.day(spec.applied_days)
        volunteer = volunteer_create(
            actor=self.supervisor,
            user=user,
            role=spec.role,
            languages=list(spec.languages),
            interests=list(spec.interests),
            availability=list(spec.availability),
            area=spec.area,
            max_matches=spec.max_matches,
        )
        target = ST.ACTIVE if spec.status in (ST.PAUSED, ST.LEFT) else spec.status
        reached = PATH[: PATH.index(target) + 1]
        step = applied
        for status in reached[1:]:
            step = min(step + dt.timedelta(days=ctx.rng.randint(7, 21)), self.today)
            if status == ST.CHECKS:
                volunteer_record_references(volunteer=volunteer, actor=self.supervisor, received=2)
            if status == ST.TRAINING:
                self.dbs(volunteer, spec, step)
            if status == ST.ACTIVE:
                self.train(volunteer, step, partly=False)
            volunteer = volunteer_set_status(
                volunteer=volunteer, actor=self.supervisor, status=status
            )
        if spec.status == ST.REFERENCES:
            volunteer_record_references(volunteer=volunteer, actor=self.supervisor, received=1)
        if spec.status == ST.TRAINING:
            self.train(volunteer, step, partly=True)
        if spec.status in (ST.PAUSED, ST.LEFT):
            volunteer = volunteer_set_status(
                volunteer=volunteer, actor=self.supervisor, status=spec.status
            )
        _stamp(Volunteer, volunteer.pk, self.moment(applied))
        volunteer.refresh_from_db()
        ctx.count("volunteers")
        if volunteer.status in (ST.ACTIVE, ST.PAUSED, ST.LEFT):
            self.supervise(volunteer, step)
        return volunteer

    def expire_dbs(self, volunteer: Volunteer) -> None:
        """The check ran out a few weeks ago and the renewal has not come back yet (dated after
        the volunteer's matches, which were made while it was in date)."""
        renew_by = self.today - dt.timedelta(days=self.ctx.rng.randint(12, 40))
        Volunteer.objects.filter(pk=volunteer.pk).update(dbs_renew_by=renew_by)

    def supervise(self, volunteer: Volunteer, since: dt.date) -> None:
        """Supervision every six to ten weeks from going active."""
        held = since + dt.timedelta(days=self.ctx.rng.randint(30, 60))
        stop = self.today - dt.timedelta(days=3)
        if volunteer.status != ST.ACTIVE:
            stop = self.today - dt.timedelta(days=90)
        while held <= stop:
            session = supervision_record(
                volunteer=volunteer,
                actor=self.supervisor,
                held_on=held,
                notes=self.ctx.pick(SUPERVISION_NOTES),
            )
            _stamp(SupervisionSession, session.pk, self.moment(held))
            self.ctx.count("volunteer supervision sessions")
            held += dt.timedelta(days=self.ctx.rng.randint(42, 70))


def _people_to_match(ctx: DemoContext, worker: User, n: int, taken: set[int]) -> list[Person]:
    """People with an open episode in the link worker's team who consent to support and have no
    volunteer yet."""
    episodes = (
        Episode.objects.filter(
            team=worker.team,
            status__in=(EpisodeStatus.OPEN, EpisodeStatus.ACTIVE),
            person__merged_into__isnull=True,
        )
        .select_related("person")
        .order_by("opened_at", "pk")
    )
    chosen: list[Person] = []
    seen = set(taken)
    for episode in episodes:
        person = episode.person
        if person.pk in seen or not consent_in_force(person=person, purpose=ConsentPurpose.SUPPORT):
            continue
        seen.add(person.pk)
        chosen.append(person)
        if len(chosen) == n:
            break
    return chosen


def _matches(ctx: DemoContext, helper: _Volunteers, volunteer: Volunteer, plan: list[int]) -> None:
    """Matches for one volunteer: ``plan`` lists how many days ago each started; the first one
    ends (with a reason) when there is more than one."""
    worker = helper.linkworker
    people = _people_to_match(ctx, worker, len(plan), helper.matched)
    helper.matched.update(p.pk for p in people)
    ending = len(people) > 1
    for index, (person, started_days) in enumerate(zip(people, plan, strict=False)):
        started = helper.day(started_days)
        match = match_create(
            actor=worker,
            volunteer=volunteer,
            person=person,
            agreed_plan_items=list(ctx.pick(PLAN_ITEMS)),
        )
        ctx.count("volunteer matches")
        ends = ending and index == 0
        ended = started + dt.timedelta(days=ctx.rng.randint(70, 120)) if ends else None
        last = ended or helper.today
        # Hours logged by the volunteer: a visit or call most weeks.
        worked = started + dt.timedelta(days=ctx.rng.randint(2, 6))
        while worked < last:
            entry = hours_log(
                actor=volunteer.user,
                worked_on=worked,
                hours=Decimal(ctx.pick(("1", "1.5", "1.5", "2", "2.5"))),
                match_uuid=str(match.uuid),
                activity=ctx.pick(HOURS_ACTIVITIES),
            )
            _stamp(HoursLog, entry.pk, helper.moment(worked))
            ctx.count("volunteer hours entries")
            worked += dt.timedelta(days=ctx.rng.choice((6, 7, 7, 7, 8, 14)))
        # Reviews at six weeks and then every three months or so.
        reviewed = started + dt.timedelta(days=42)
        while reviewed < last:
            review = match_review_add(
                match=match,
                actor=worker,
                going_well=ctx.chance(0.85),
                notes=ctx.pick(REVIEW_NOTES),
            )
            _stamp(MatchReview, review.pk, helper.moment(reviewed), reviewed_on=reviewed)
            ctx.count("volunteer match reviews")
            reviewed += dt.timedelta(days=ctx.rng.randint(80, 100))
        fields: dict[str, Any] = {"started_on": started}
        if ended is not None:
            match_end(
                match=match,
                actor=worker,
                reason=MatchEndReason.GOALS_MET,
                note="Now goes to the coffee morning and the walking group on her own.",
            )
            fields["ended_on"] = ended
        _stamp(Match, match.pk, helper.moment(started), **fields)


def build(ctx: DemoContext) -> None:
    helper = _Volunteers(ctx)
    with ctx.progress("Volunteers: recruitment, checks, training, matches", len(VOLUNTEERS)) as bar:
        helper.make_modules()
        made: dict[str, Volunteer] = {}
        for spec in VOLUNTEERS:
            made[spec.username] = helper.volunteer(spec)
            bar.update()
        # The demo volunteer: three people now, and one whose goals were met last year.
        _matches(ctx, helper, made["volunteer"], [300, 170, 95, 40])
        _matches(ctx, helper, made["v.ali"], [200])
        # Matched before the check ran out; no new match until it is renewed.
        _matches(ctx, helper, made["v.marsh"], [260])
        for spec in VOLUNTEERS:
            if spec.dbs == "expired":
                helper.expire_dbs(made[spec.username])
    ctx.extra["group_facilitators"] = [
        v.user for v in made.values() if v.role == R.GROUP_FACILITATOR and v.status == ST.ACTIVE
    ]
