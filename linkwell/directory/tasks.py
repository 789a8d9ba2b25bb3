"""Background work for the directory (huey): the daily freshness sweep."""

from __future__ import annotations

from huey.contrib.djhuey import db_periodic_task

from linkwell.referrals.tasks import at_london_time

from .services.listings import directory_freshness_sweep


@db_periodic_task(at_london_time(6, 15))
def directory_freshness() -> dict[str, int]:
    """06:15 Europe/London daily: listings due for review, out of date, and provider reminders."""
    report = directory_freshness_sweep()
    return {"due": report.due, "expired": report.expired, "reminders": report.reminders}
