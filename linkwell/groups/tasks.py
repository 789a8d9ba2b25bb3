"""Background work for groups (huey): lapsed offers pass on, and reminders go out."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from .reminders import group_reminders_send_due
from .services import offers_expire


@db_periodic_task(crontab(minute="*/5"))
def group_offers_expire() -> int:
    return offers_expire()


@db_periodic_task(crontab(minute="*/15"))
def group_reminders() -> dict[str, int]:
    return group_reminders_send_due()
