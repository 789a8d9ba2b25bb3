"""Working-day arithmetic for response deadlines and reminders.

A working day is Monday to Friday and not a bank holiday in England and Wales (England's calendar
from the ``holidays`` package; Wales shares it). Substitute days ("Boxing Day (observed)") count as
holidays, because offices are closed on them.

Counting convention, the one people use for "reply within 10 working days": the start day itself is
never counted; the first working day *after* it is day 1.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

import holidays


@lru_cache(maxsize=64)
def _bank_holidays(year: int) -> frozenset[dt.date]:
    return frozenset(holidays.UK(subdiv="ENG", years=year).keys())


def is_working_day(day: dt.date) -> bool:
    return day.weekday() < 5 and day not in _bank_holidays(day.year)


def add_working_days(start: dt.date, days: int) -> dt.date:
    """The date ``days`` working days after ``start`` (before it when ``days`` is negative).

    ``add_working_days(d, 0)`` is ``d`` itself, working day or not.
    """
    step = dt.timedelta(days=1 if days >= 0 else -1)
    remaining = abs(days)
    day = start
    while remaining:
        day += step
        if is_working_day(day):
            remaining -= 1
    return day


def working_days_between(start: dt.date, end: dt.date) -> int:
    """Working days in (start, end]: how many working days ``end`` is after ``start``.

    Negative when ``end`` is before ``start``. For ``n >= 0``,
    ``working_days_between(d, add_working_days(d, n)) == n``.
    """
    if end < start:
        return -working_days_between(end, start)
    count = 0
    day = start
    one = dt.timedelta(days=1)
    while day < end:
        day += one
        if is_working_day(day):
            count += 1
    return count
