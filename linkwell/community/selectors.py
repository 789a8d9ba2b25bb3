"""Reads for community: feedback for staff, the public you said/we did list, and the before/after
report of a practice's referrals around its training."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from linkwell.accounts.models import Organisation, Role
from linkwell.common.errors import NotFound
from linkwell.referrals.models import Referral

from .models import Feedback, PracticeTrainingSession, YouSaidWeDid
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
