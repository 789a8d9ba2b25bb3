"""Background work for sessions (huey): reminders every quarter of an hour."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from .reminders import reminders_send_due


@db_periodic_task(crontab(minute="*/15"))
def session_reminders() -> dict[str, int]:
    return reminders_send_due()
