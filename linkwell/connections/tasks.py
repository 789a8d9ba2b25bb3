"""Background work for connections (huey): the daily answer-deadline sweep."""

from __future__ import annotations

from huey.contrib.djhuey import db_periodic_task

from linkwell.referrals.tasks import at_london_time

from .services import connection_deadline_sweep_run


@db_periodic_task(at_london_time(7, 10))
def connection_deadline_sweep() -> dict[str, int]:
    """07:10 Europe/London every day: remind providers, escalate to supervisors after."""
    return connection_deadline_sweep_run()
