"""Background work: remind volunteers and supervisors of checks and training running out."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from . import services


@db_periodic_task(crontab(hour="7", minute="30"))
def volunteer_compliance_daily() -> int:
    return services.compliance_reminders_send()
