"""Community API: the before/after training report for a practice (aggregates only)."""

from __future__ import annotations

import datetime as dt
from uuid import UUID

from django.http import HttpRequest
from ninja import Router, Schema

from linkwell.accounts.models import Organisation
from linkwell.common.errors import NotFound

from . import selectors

router = Router()


class WindowOut(Schema):
    start: dt.date
    end: dt.date
    total: int
    sources: dict[str, int]
    needs: dict[str, int]


class ReportOut(Schema):
    practice: str
    trained_on: dt.date
    days: int
    before: WindowOut
    after: WindowOut


@router.get("/training-report/{practice_uuid}", response=ReportOut)
def training_report(request: HttpRequest, practice_uuid: UUID, days: int = 90) -> dict:
    practice = Organisation.objects.filter(uuid=practice_uuid).first()
    if practice is None:
        raise NotFound("No such practice.")
    report = selectors.training_before_after_report(user=request.user, practice=practice, days=days)
    return {
        "practice": str(practice.uuid),
        "trained_on": report.trained_on,
        "days": report.days,
        "before": report.before.__dict__,
        "after": report.after.__dict__,
    }
