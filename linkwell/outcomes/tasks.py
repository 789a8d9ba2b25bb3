"""Background work: keep due measures up to date and remind link workers, every morning."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from . import services


@db_periodic_task(crontab(hour="7", minute="15"))
def outcome_measures_daily() -> tuple[int, int]:
    created = services.due_measures_generate_all()
    reminded = services.due_measure_reminders_send()
    return created, reminded
