"""Background work for referrals (huey): the daily response-deadline sweep."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from huey.contrib.djhuey import HUEY, db_periodic_task

from .services import referral_deadline_sweep_run, self_referral_attempts_prune

LONDON = ZoneInfo("Europe/London")


def at_london_time(hour: int, minute: int = 0):  # type: ignore[no-untyped-def]
    """A huey schedule for a wall-clock time in London, right through the clock changes.

    huey hands the validator the current minute as a naive datetime in UTC (or in the server's
    local time when huey runs with utc=False); a plain crontab would drift by an hour in summer.
    """

    def validate(timestamp: dt.datetime) -> bool:
        aware = (
            timestamp.replace(tzinfo=dt.UTC) if HUEY.utc else timestamp.astimezone()
        ).astimezone(LONDON)
        return aware.hour == hour and aware.minute == minute

    return validate


@db_periodic_task(at_london_time(7))
def referral_deadline_sweep() -> dict[str, int]:
    """07:00 Europe/London every day: reminders on working days 6 and 9, escalation after."""
    return referral_deadline_sweep_run()


@db_periodic_task(at_london_time(3, 30))
def self_referral_attempts_cleanup() -> int:
    """Rate-limit rows older than a day no longer count; keep the table small."""
    return self_referral_attempts_prune()
