"""Reads for community: feedback for staff, the public you said/we did list, and the before/after
report of a practice's referrals around its training."""

from __future__ import annotations

import datetime as dt
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Avg, Count, Min, QuerySet
from django.utils import timezone

from linkwell.accounts.models import Organisation, OrganisationKind, Role
from linkwell.audit.services import audit_batch, audit_log
from linkwell.common.errors import NotFound
from linkwell.referrals.models import Referral

from .models import (
    CommunityGroup,
    Feedback,
    FeedbackKind,
    PracticeTrainingSession,
    TrainingProgramme,
    YouSaidWeDid,
)
from .services import is_service_staff


def feedback_list_for_user(*, user: Any, about_service_uuid: Any = None) -> QuerySet[Feedback]:
    """The service's feedback for its staff; optionally only what is about one service or group."""
    if not is_service_staff(user, getattr(user, "organisation_id", None)):
        raise NotFound("Not found.")
    rows = Feedback.objects.filter(organisation_id=user.organisation_id)
    if about_service_uuid is not None:
        rows = rows.filter(about_service_uuid=about_service_uuid)
    return rows.order_by("-submitted_on", "-id")


def you_said_we_did_public(*, organisation_uuid: Any) -> tuple[Organisation, list[YouSaidWeDid]]:
    organisation = Organisation.objects.filter(uuid=organisation_uuid).first()
    if organisation is None:
        raise NotFound("No such service.")
    entries = YouSaidWeDid.objects.filter(organisation=organisation, published=True)
    return organisation, list(entries.order_by("-published_on", "-id"))


@dataclass
class Window:
    start: dt.date
    end: dt.date
    total: int = 0
    sources: dict[str, int] = field(default_factory=dict)
    needs: dict[str, int] = field(default_factory=dict)


@dataclass
class PracticeReport:
    practice: Organisation
    trained_on: dt.date
    days: int
    before: Window
    after: Window


def _window(referrals: QuerySet[Referral], start: dt.date, end: dt.date) -> Window:
    """Referrals made on days start..end-1 (Europe/London dates)."""
    tz = timezone.get_current_timezone()
    lo = dt.datetime.combine(start, dt.time.min, tzinfo=tz)
    hi = dt.datetime.combine(end, dt.time.min, tzinfo=tz)
    rows = list(
        referrals.filter(created_at__gte=lo, created_at__lt=hi).values_list(
            "source", "suggested_needs"
        )
    )
    sources = Counter(source for source, _ in rows)
    needs: Counter[str] = Counter()
    for _, suggested in rows:
        for need in suggested or []:
            needs[str(need)] += 1
    return Window(
        start=start,
        end=end - dt.timedelta(days=1),
        total=len(rows),
        sources=dict(sorted(sources.items())),
        needs=dict(sorted(needs.items(), key=lambda kv: (-kv[1], kv[0]))),
    )


def training_before_after_report(
    *, user: Any, practice: Organisation, days: int = 90
) -> PracticeReport:
    """The practice's referrals to the user's service in the ``days`` before its first training
    session and in the ``days`` from that session on: numbers, sources and suggested needs.
    Aggregates only, so commissioners of the service may see it too."""
    allowed = is_service_staff(user, getattr(user, "organisation_id", None)) or (
        getattr(user, "role", None) == Role.COMMISSIONER
    )
    if not allowed:
        raise NotFound("Not found.")
    if not 7 <= days <= 365:
        raise NotFound("Choose a period from 7 to 365 days.")
    sessions = PracticeTrainingSession.objects.filter(practice=practice)
    if user.role != Role.COMMISSIONER:
        sessions = sessions.filter(programme__organisation_id=user.organisation_id)
    first = sessions.order_by("delivered_on").first()
    if first is None:
        raise NotFound("This practice has had no training yet.")
    trained_on = first.delivered_on
    referrals = Referral.objects.filter(
        referring_organisation=practice,
        team__organisation_id=first.programme.organisation_id,
    )
    before = _window(referrals, trained_on - dt.timedelta(days=days), trained_on)
    after = _window(referrals, trained_on, trained_on + dt.timedelta(days=days))
    return PracticeReport(
        practice=practice, trained_on=trained_on, days=days, before=before, after=after
    )


# ---------------------------------------------------------------------------------------------
# Staff pages: feedback with filters, feedback about one service or group, you said/we did,
# practice training.


@dataclass(frozen=True)
class FeedbackRow:
    """Feedback as staff see it: who sent it only when they chose to give their name."""

    feedback: Feedback
    sender: str
    contact: str
    about: str


def feedback_about_choices(*, user: Any) -> list[tuple[str, str]]:
    """What feedback can be filtered on: the service's community groups, and any directory
    service that feedback has been left about. (uuid, name) pairs, groups first."""
    from linkwell.directory.models import Service

    if not is_service_staff(user, getattr(user, "organisation_id", None)):
        raise NotFound("Not found.")
    groups = CommunityGroup.objects.filter(organisation_id=user.organisation_id).exclude(
        directory_service_id=""
    )
    choices = [(g.directory_service_id, f"{g.name} (group)") for g in groups.order_by("name")]
    seen = {value for value, _ in choices}
    about = (
        Feedback.objects.filter(
            organisation_id=user.organisation_id, about_service_uuid__isnull=False
        )
        .values_list("about_service_uuid", flat=True)
        .distinct()
    )
    services = Service.objects.filter(id__in=list(about)).order_by("name")
    choices += [(str(s.id), s.name) for s in services if str(s.id) not in seen]
    return choices


def feedback_rows_for_user(
    *,
    user: Any,
    about_service_uuid: Any = None,
    kind: str = "",
    identity: str = "",
    page: int = 1,
    per_page: int = 50,
) -> tuple[list[FeedbackRow], int]:
    """One page of the service's feedback, newest first, with the total count.

    ``identity`` is "named", "anonymous" or "" for both. Anonymous feedback is shown as
    "Anonymous": it holds no identity, and nothing here guesses one. Each named row shown is
    personal data, so one audit "read" row is written for it.
    """
    rows = feedback_list_for_user(user=user, about_service_uuid=about_service_uuid)
    if kind in FeedbackKind.values:
        rows = rows.filter(kind=kind)
    if identity == "named":
        rows = rows.filter(anonymous=False)
    elif identity == "anonymous":
        rows = rows.filter(anonymous=True)
    total = rows.count()
    start = (max(page, 1) - 1) * per_page
    shown = list(rows.select_related("submitted_by")[start : start + per_page])
    names = dict(feedback_about_choices(user=user))
    out: list[FeedbackRow] = []
    named: list[Feedback] = []
    for item in shown:
        about = names.get(str(item.about_service_uuid), "") if item.about_service_uuid else ""
        if item.about_service_uuid and not about:
            about = "A service no longer in the directory"
        if item.anonymous:
            out.append(FeedbackRow(feedback=item, sender="Anonymous", contact="", about=about))
            continue
        named.append(item)
        out.append(FeedbackRow(feedback=item, sender=item.name, contact=item.contact, about=about))
    if named:
        # One transaction for the page's audit rows (it was one per named row).
        with transaction.atomic(), audit_batch():
            for item in named:
                audit_log(action="read", obj=item, actor=user, detail={"named_feedback": 1})
    return out, total


@dataclass(frozen=True)
class FeedbackSummary:
    """Feedback about one directory service or community group, for its page: counts and the
    latest words, never who sent them."""

    about_uuid: str
    total: int
    ideas: int
    average_rating: float | None
    rated: int
    latest: list[Feedback]


def feedback_summary_for_service(*, user: Any, service_id: Any) -> FeedbackSummary | None:
    """The user's service's feedback about a directory service or group, or None when the user is
    not staff of a social prescribing service (the public directory page shows nothing then)."""
    organisation_id = getattr(user, "organisation_id", None)
    if organisation_id is None or not is_service_staff(user, organisation_id):
        return None
    try:
        about = uuid.UUID(str(service_id))
    except ValueError:
        return None
    rows = Feedback.objects.filter(organisation_id=organisation_id, about_service_uuid=about)
    figures = rows.aggregate(
        total=Count("id"),
        rated=Count("rating"),
        average=Avg("rating"),
    )
    ideas = rows.filter(kind=FeedbackKind.IDEA).count()
    average = figures["average"]
    return FeedbackSummary(
        about_uuid=str(about),
        total=figures["total"],
        ideas=ideas,
        average_rating=round(float(average), 1) if average is not None else None,
        rated=figures["rated"],
        latest=list(rows.order_by("-submitted_on", "-id")[:5]),
    )


def you_said_we_did_for_user(*, user: Any) -> list[YouSaidWeDid]:
    """Every entry of the user's service, drafts first, for curating the public page."""
    if not is_service_staff(user, getattr(user, "organisation_id", None)):
        raise NotFound("Not found.")
    entries = YouSaidWeDid.objects.filter(organisation_id=user.organisation_id)
    return list(entries.order_by("published", "-published_on", "-created_at"))


def you_said_we_did_get_for_user(*, user: Any, entry_uuid: Any) -> YouSaidWeDid:
    entry = YouSaidWeDid.objects.filter(uuid=entry_uuid).first()
    if entry is None or not is_service_staff(user, entry.organisation_id):
        raise NotFound("No such entry.")
    return entry


def training_programmes_for_user(*, user: Any) -> QuerySet[TrainingProgramme]:
    if not is_service_staff(user, getattr(user, "organisation_id", None)):
        raise NotFound("Not found.")
    return TrainingProgramme.objects.filter(organisation_id=user.organisation_id).order_by("title")


def training_sessions_for_user(*, user: Any) -> QuerySet[PracticeTrainingSession]:
    """Sessions of the user's service's programmes, latest first."""
    if not is_service_staff(user, getattr(user, "organisation_id", None)):
        raise NotFound("Not found.")
    return (
        PracticeTrainingSession.objects.filter(programme__organisation_id=user.organisation_id)
        .select_related("programme", "practice")
        .order_by("-delivered_on", "-id")
    )


@dataclass(frozen=True)
class TrainedPractice:
    practice: Organisation
    first_trained_on: dt.date
    sessions: int


def trained_practices_for_user(*, user: Any) -> list[TrainedPractice]:
    """Practices and partners the user's service has trained, with their first session's date
    (the date the before/after report turns on)."""
    rows = (
        training_sessions_for_user(user=user)
        .order_by()
        .values("practice_id")
        .annotate(first=Min("delivered_on"), sessions=Count("id"))
    )
    by_id = {r["practice_id"]: r for r in rows}
    practices = Organisation.objects.filter(pk__in=by_id).order_by("name")
    return [
        TrainedPractice(
            practice=p,
            first_trained_on=by_id[p.pk]["first"],
            sessions=by_id[p.pk]["sessions"],
        )
        for p in practices
    ]


def practice_choices(*, user: Any) -> QuerySet[Organisation]:
    """Organisations a session can be delivered to: GP practices and other partners (not social
    prescribing services)."""
    if not is_service_staff(user, getattr(user, "organisation_id", None)):
        raise NotFound("Not found.")
    return Organisation.objects.exclude(kind=OrganisationKind.SOCIAL_PRESCRIBING_SERVICE).order_by(
        "name"
    )


def practice_get(*, practice_uuid: Any) -> Organisation:
    """A practice by its public id; who may see its report is decided by the report selector."""
    practice = Organisation.objects.filter(uuid=practice_uuid).first()
    if practice is None:
        raise NotFound("No such practice.")
    return practice
