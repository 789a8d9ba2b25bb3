"""Background work for groups (huey): lapsed offers pass on, people offered a place are told,
and reminders go out."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from .offers import offer_notice_send, offer_notices_send_due
from .reminders import group_reminders_send_due
from .services import offers_expire


@db_periodic_task(crontab(minute="*/5"))
def group_offers_expire() -> int:
    return offers_expire()


@db_task()
def group_offer_notify(booking_id: int) -> str:
    """Tell the person of a place just offered (queued when the offer's transaction commits)."""
    return offer_notice_send(booking_id=booking_id)


@db_periodic_task(crontab(minute="*/5"))
def group_offer_notices() -> dict[str, int]:
    """Messages queued past quiet hours, and retries of failed ones."""
    return offer_notices_send_due()


@db_periodic_task(crontab(minute="*/15"))
def group_reminders() -> dict[str, int]:
    return group_reminders_send_due()
