"""Demo data: community groups, practice training, and the voice of the people who use the service.

- Six community groups the service's development workers helped start (peer support, a walking
  group, knit and natter, a men's shed, a Black and Asian women's group, a grief cafe), each with
  facilitators (some trained), where and when they meet, their funding, and attendance over the
  months: some groups growing, some shrinking, some steady.
- The practice training programme "Poverty-related distress", delivered to two GP practices
  half-way through the demo's history, with its trainers, attendance and feedback, so the
  before/after report compares the practices' referrals on either side of it.
- Feedback and ideas, named and anonymous, some about a directory service or a community group;
  three meetings of the service-user board with their actions (most done); and the published
  "you said, we did" entries.

Everything goes through the services, as the service's staff or the public would; the rows are then
dated to when the demo says each step happened.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils import timezone

from linkwell.accounts.models import Organisation, OrganisationKind
from linkwell.common.demo import HISTORY_DAYS, DemoContext
from linkwell.directory.models import Service
from linkwell.referrals.models import Referral

from .groups import (
    attendance_record,
    board_action_done,
    board_meeting_record,
    facilitator_add,
    group_save,
)
from .models import (
    BoardAction,
    BoardMeeting,
    CommunityGroup,
    Feedback,
    FeedbackKind,
    Funding,
    GroupAttendance,
    GroupFacilitator,
    GroupKind,
    PracticeTrainingSession,
    TrainingProgramme,
    YouSaidWeDid,
)
from .services import (
    feedback_submit,
    training_programme_create,
    training_session_record,
    you_said_we_did_create,
)


@dataclass(frozen=True)
class GroupSpec:
    name: str
    kind: str
    description: str
    place: str
    times: str
    funding: str
    # Days between meetings, how long ago it started, attendance at the start and now.
    every: int
    started_days: int
    first: int
    latest: int
    # (name, trained)
    facilitators: tuple[tuple[str, bool], ...]
    worker: str


GROUPS: tuple[GroupSpec, ...] = (
    GroupSpec(
        "Talk It Through Tuesdays",
        GroupKind.PEER_SUPPORT,
        "A peer support group for anyone finding life hard going. Tea, biscuits, no pressure "
        "to talk.",
        "Harehills Community Centre, small hall",
        "Tuesdays 1pm to 2.30pm",
        Funding.SECURED,
        7,
        500,
        5,
        14,
        (("Yusuf Ali", True), ("Donna Pearce", True), ("Mick Shaw", False)),
        "a.begum",
    ),
    GroupSpec(
        "Moorside Monday Walkers",
        GroupKind.ACTIVITY,
        "A gentle hour's walk round the park and back for a cuppa. All paces welcome.",
        "Meet at the park gates on Moorside Road",
        "Mondays 10am",
        Funding.NONE,
        7,
        420,
        6,
        15,
        (("Kwame Asante", True), ("Pat Roberts", False)),
        "d.kowalski",
    ),
    GroupSpec(
        "Knit and Natter",
        GroupKind.ACTIVITY,
        "Bring your knitting or crochet, or learn. Wool and needles provided.",
        "Chapeltown Library, meeting room",
        "Thursdays 2pm to 4pm",
        Funding.SHORT_TERM,
        7,
        460,
        12,
        5,
        (("Brenda Marsh", True), ("Irene Walsh", False)),
        "a.begum",
    ),
    GroupSpec(
        "Canal Side Men's Shed",
        GroupKind.ACTIVITY,
        "Make, mend and have a brew. Woodwork, bike repairs and the odd bit of gardening.",
        "The old boathouse, Canal Side Lane",
        "Wednesdays and Fridays 10am to 1pm",
        Funding.SECURED,
        7,
        380,
        9,
        10,
        (("Steve Hirst", True), ("Dev Patel", True)),
        "s.rahman",
    ),
    GroupSpec(
        "Sisters Together: Black and Asian Women's Wellbeing Group",
        GroupKind.PEER_SUPPORT,
        "A safe space for Black and Asian women to share, cook and support each other. "
        "Urdu, Punjabi, Somali and English spoken; creche on request.",
        "Sahara Centre, Roundhay Road",
        "Every other Saturday 11am to 1pm",
        Funding.SHORT_TERM,
        14,
        340,
        6,
        13,
        (("Fatima Noor", False), ("Nasreen Akhtar", True)),
        "d.kowalski",
    ),
    GroupSpec(
        "Grief Cafe",
        GroupKind.PEER_SUPPORT,
        "Coffee and cake with people who understand what losing someone is like.",
        "St Aidan's church hall",
        "First and third Wednesday of the month, 10.30am",
        Funding.NONE,
        14,
        300,
        9,
        4,
        (("Joan Firth", False),),
        "s.rahman",
    ),
)

PROGRAMME_TITLE = "Poverty-related distress: a one-hour session for the whole practice team"
PROGRAMME_DESCRIPTION = (
    "How money worries, debt and insecure housing show up in the consulting room and at the front "
    "desk; what social prescribing can do about them; how to refer, and what to say to a patient "
    "who is struggling. For GPs, nurses, receptionists and practice managers."
)
TRAINERS = (
    ("Helen Okafor", "Priya Sandhu"),
    ("Helen Okafor", "Imran Hussain (Money Matters Debt Advice)"),
    ("Priya Sandhu", "Tom Walsh"),
)
TRAINING_NOTES = (
    "Reception staff said they now know what to say when someone mentions bills. Asked for the "
    "referral form link on the practice intranet.",
    "Lively session. GPs wanted more on Universal Credit sanctions; the slides went round "
    "afterwards.",
    "Catch-up session for staff who missed the first one; two locums came too.",
)

# (kind, text, rating, about: "group", "service" or "", named)
FEEDBACK: tuple[tuple[str, str, int | None, str, bool], ...] = (
    ("feedback", "My link worker listened properly for the first time in years.", 5, "", True),
    ("feedback", "I waited three weeks for a first call. It felt like a long time.", 2, "", False),
    (
        "feedback",
        "The walking group got me out of the house. I look forward to Mondays.",
        5,
        "group",
        True,
    ),
    ("feedback", "The debt advice saved my tenancy. Thank you.", 5, "service", False),
    ("feedback", "The group was nice but the room was cold and hard to find.", 3, "group", False),
    ("feedback", "I was passed between three people before anyone helped.", 2, "", False),
    (
        "feedback",
        "Being able to meet at the library rather than the surgery made a difference.",
        4,
        "",
        True,
    ),
    (
        "feedback",
        "The food bank volunteers were kind and didn't make me feel ashamed.",
        5,
        "service",
        False,
    ),
    ("feedback", "I couldn't get through on the phone in the mornings.", 2, "", False),
    (
        "feedback",
        "The men's shed is the best thing that's happened to my dad since Mum died.",
        5,
        "group",
        True,
    ),
    ("feedback", "Would like the letters in Polish please.", 3, "", False),
    ("feedback", "Very helpful with my PIP form.", 4, "service", True),
    ("feedback", "The grief cafe helped me feel less alone.", 5, "group", False),
    ("feedback", "Text reminders are really useful, I forget otherwise.", 4, "", False),
    (
        "feedback",
        "The employment adviser didn't seem to understand my health condition.",
        2,
        "service",
        False,
    ),
    ("feedback", "Sisters Together feels like family now.", 5, "group", True),
    ("feedback", "Nobody told me my link worker had left.", 1, "", False),
    ("feedback", "Good service, friendly staff.", 4, "", False),
    ("idea", "Could you run a group in the evening for people who work?", None, "", True),
    ("idea", "A drop-in at the mosque on Fridays would reach more people.", None, "", False),
    ("idea", "Put bus directions on the appointment letters.", None, "", False),
    (
        "idea",
        "The walking group could do a shorter route for people with bad knees.",
        None,
        "group",
        False,
    ),
    ("idea", "Please have someone who speaks Urdu at the Tuesday group.", None, "group", True),
    ("idea", "Text me instead of ringing, I can't always answer at work.", None, "", False),
)
NAMES = ("Sandra K.", "Mohammed R.", "Jean", "Tariq Hussain", "Ann-Marie", "Pawel N.", "Rita")

BOARD_MEETINGS: tuple[tuple[int, str, tuple[tuple[str, str, bool], ...]], ...] = (
    (
        400,
        "First meeting of the service-user board. Members shared what helped and what did not; "
        "waiting times and letters came up most.",
        (
            (
                "Rewrite the first letter in plain English and test it with members",
                "Helen Okafor",
                True,
            ),
            ("Find out why first calls take more than two weeks", "Michael Osei", True),
            ("Ask the library about a second venue for meetings", "Aisha Begum", True),
        ),
    ),
    (
        220,
        "Members reviewed the new letter (approved with small changes) and heard about the "
        "practice training. Asked for evening and weekend options.",
        (
            ("Pilot an evening session of Managing worries", "Priya Sandhu", True),
            ("Add bus routes to appointment letters", "Karen Whitaker", True),
            ("Offer text reminders in Polish and Urdu", "Samir Rahman", False),
        ),
    ),
    (
        45,
        "The board met the commissioner to talk about next year's contract. Members asked that "
        "community groups without funding get help to apply for grants.",
        (
            ("Run a grant-writing workshop for group facilitators", "Dominika Kowalski", False),
            (
                "Tell people when their link worker changes, by letter and text",
                "Michael Osei",
                False,
            ),
            ("Share the 'you said, we did' page at every group", "Aisha Begum", True),
        ),
    ),
)

YOU_SAID: tuple[tuple[str, str, int], ...] = (
    (
        "The first letter was hard to understand and felt official and cold.",
        "We rewrote it with the service-user board in plain English. It now says who will ring "
        "you and when.",
        330,
    ),
    (
        "You waited too long for a first call.",
        "We changed how referrals are shared between the teams. Most people now hear from us "
        "within five working days.",
        260,
    ),
    (
        "You work during the day and could not come to the groups.",
        "Managing worries now runs on Tuesday evenings as well as Thursday mornings.",
        150,
    ),
    (
        "Appointment letters did not say how to get to the venue.",
        "Every letter now has the bus routes and a map link.",
        90,
    ),
)


def _stamp(model: type[Any], pk: int, moment: dt.datetime, **fields: Any) -> None:
    model.objects.filter(pk=pk).update(created_at=moment, updated_at=moment, **fields)


class _Community:
    def __init__(self, ctx: DemoContext) -> None:
        self.ctx = ctx
        self.today = timezone.localdate()
        self.service: Organisation = ctx.organisations["service"]
        self.supervisor = ctx.users["supervisor"]
        self.groups: list[CommunityGroup] = []

    def day(self, days_ago: int) -> dt.date:
        return self.today - dt.timedelta(days=days_ago)

    def moment(self, day: dt.date) -> dt.datetime:
        return self.ctx.days_ago((self.today - day).days)

    def group(self, spec: GroupSpec) -> None:
        ctx = self.ctx
        worker = ctx.users[spec.worker]
        group = group_save(
            actor=worker,
            name=spec.name,
            kind=spec.kind,
            meeting_place=spec.place,
            meeting_times=spec.times,
            description=spec.description,
            funding=spec.funding,
        )
        started = self.day(spec.started_days)
        _stamp(CommunityGroup, group.pk, self.moment(started))
        for name, trained in spec.facilitators:
            facilitator = facilitator_add(actor=worker, group=group, name=name, trained=trained)
            _stamp(GroupFacilitator, facilitator.pk, self.moment(started))
        ctx.count("community groups")
        # Attendance at each meeting: half the change drifts in over the months, the rest comes in
        # the last six meetings, which is what the sustainability check compares.
        dates: list[dt.date] = []
        met = started
        while met < self.today:
            dates.append(met)
            met += dt.timedelta(days=spec.every)
        middle = (spec.first + spec.latest) / 2
        recent_from = max(len(dates) - 6, 1)
        for n, met in enumerate(dates):
            if n < recent_from:
                expected = spec.first + (middle - spec.first) * n / recent_from
            else:
                share = (n - recent_from + 1) / (len(dates) - recent_from)
                expected = middle + (spec.latest - middle) * share
            attended = max(1, round(expected + ctx.rng.gauss(0, 1.0 if n < recent_from else 0.6)))
            # A few weeks are missed (holidays, a closed venue), never the latest ones.
            if n < recent_from - 6 and ctx.chance(0.06):
                continue
            row = attendance_record(actor=worker, group=group, met_on=met, attended=attended)
            _stamp(GroupAttendance, row.pk, self.moment(met))
            ctx.count("community group meetings recorded")
        self.groups.append(group)

    def training(self) -> None:
        """The programme, delivered to the two practices that refer most, half-way through."""
        ctx = self.ctx
        programme = training_programme_create(
            actor=self.supervisor, title=PROGRAMME_TITLE, description=PROGRAMME_DESCRIPTION
        )
        _stamp(TrainingProgramme, programme.pk, ctx.days_ago(HISTORY_DAYS // 2 + 40))
        ctx.count("practice training programmes")
        # The two practices that referred most in the months around then: the ones the service
        # would most want to reach, and the ones whose figures show a change.
        middle = ctx.now - dt.timedelta(days=HISTORY_DAYS // 2)
        window = (middle - dt.timedelta(days=90), middle + dt.timedelta(days=90))
        practices = ctx.organisations_of_kind(OrganisationKind.GP_PRACTICE)
        referred = {
            org.pk: Referral.objects.filter(
                referring_organisation=org, created_at__range=window
            ).count()
            for org in practices
        }
        practices.sort(key=lambda org: (-referred[org.pk], org.name))
        for index, practice in enumerate(practices[:2]):
            first = self.day(HISTORY_DAYS // 2 - 10 * index)
            deliveries = [(first, TRAINERS[index], TRAINING_NOTES[index])]
            if index == 0:
                deliveries.append((first + dt.timedelta(days=21), TRAINERS[2], TRAINING_NOTES[2]))
            for delivered, trainers, notes in deliveries:
                session = training_session_record(
                    actor=self.supervisor,
                    programme=programme,
                    practice=practice,
                    delivered_on=delivered,
                    trainers=list(trainers),
                    attendance=ctx.rng.randint(9, 22) if delivered == first else 6,
                    feedback_score=Decimal(ctx.pick(("4.2", "4.5", "4.6", "4.8"))),
                    feedback_notes=notes,
                )
                _stamp(PracticeTrainingSession, session.pk, self.moment(delivered))
                ctx.count("practice training sessions")

    def feedback(self) -> None:
        ctx = self.ctx
        services = list(
            Service.objects.filter(
                organization__name__in=[
                    "Money Matters Debt Advice",
                    "Northside Food Bank",
                    "Northside Welfare Rights Clinic",
                    "Work Ready Northside",
                ]
            ).order_by("name")
        )
        group_ids = {g.name: g.directory_service_id for g in self.groups}
        by_words = {
            "walking": "Moorside Monday Walkers",
            "men's shed": "Canal Side Men's Shed",
            "grief": "Grief Cafe",
            "sisters": "Sisters Together: Black and Asian Women's Wellbeing Group",
            "tuesday": "Talk It Through Tuesdays",
        }
        for index, (kind, text, rating, about, named) in enumerate(FEEDBACK):
            about_uuid: Any = None
            if about == "group":
                lowered = text.lower()
                chosen = next((g for w, g in by_words.items() if w in lowered), None)
                about_uuid = group_ids.get(chosen or "Knit and Natter")
            elif about == "service" and services:
                about_uuid = services[index % len(services)].id
            name = ctx.pick(NAMES) if named else ""
            item = feedback_submit(
                organisation=self.service,
                kind=FeedbackKind(kind),
                text=text,
                rating=rating,
                anonymous=not named,
                name=name,
                contact=f"{name.split()[0].lower()}@example.org" if named else "",
                about_service_uuid=about_uuid,
            )
            # Spread over the last year. Only the date is kept, so the row's own timestamps are
            # set to the start of that day: a time of day could single out an anonymous sender.
            submitted = self.day(ctx.rng.randint(3, 360))
            midnight = dt.datetime.combine(
                submitted, dt.time.min, tzinfo=timezone.get_current_timezone()
            )
            _stamp(Feedback, item.pk, midnight, submitted_on=submitted)
            ctx.count("feedback and ideas")

    def board(self) -> None:
        ctx = self.ctx
        for days, summary, actions in BOARD_MEETINGS:
            held = self.day(days)
            meeting = board_meeting_record(
                actor=self.supervisor,
                held_on=held,
                summary=summary,
                actions=[(text, owner) for text, owner, _ in actions],
            )
            _stamp(BoardMeeting, meeting.pk, self.moment(held))
            ctx.count("service-user board meetings")
            rows = list(meeting.actions.order_by("id"))
            for row, (_, _, done) in zip(rows, actions, strict=True):
                due = held + dt.timedelta(days=ctx.pick((28, 42, 56, 90)))
                fields: dict[str, Any] = {"due_on": due}
                if done:
                    board_action_done(actor=self.supervisor, action=row)
                    finished = min(
                        held + dt.timedelta(days=ctx.rng.randint(10, 60)),
                        self.today - dt.timedelta(days=1),
                    )
                    fields["done_on"] = finished
                _stamp(BoardAction, row.pk, self.moment(held), **fields)
                ctx.count("service-user board actions")

    def you_said(self) -> None:
        for you_said, we_did, days in YOU_SAID:
            entry = you_said_we_did_create(
                actor=self.supervisor, you_said=you_said, we_did=we_did, publish=True
            )
            published = self.day(days)
            _stamp(YouSaidWeDid, entry.pk, self.moment(published), published_on=published)
            self.ctx.count("you said, we did")
        # One waiting for the next board meeting to agree the wording.
        you_said_we_did_create(
            actor=self.supervisor,
            you_said="Nobody told you when your link worker changed.",
            we_did="From next month you will get a letter and a text naming your new link worker.",
            publish=False,
        )


def build(ctx: DemoContext) -> None:
    helper = _Community(ctx)
    with ctx.progress("Community: groups, training, feedback", len(GROUPS) + 4) as bar:
        for spec in GROUPS:
            helper.group(spec)
            bar.update()
        helper.training()
        bar.update()
        helper.feedback()
        bar.update()
        helper.board()
        bar.update()
        helper.you_said()
        bar.update()
