"""Turning directory records into plain words for the pages (opening times, distance)."""

from __future__ import annotations

import datetime as dt

from .models import Schedule

DAY_NAMES = {
    "MO": "Monday",
    "TU": "Tuesday",
    "WE": "Wednesday",
    "TH": "Thursday",
    "FR": "Friday",
    "SA": "Saturday",
    "SU": "Sunday",
}
KM_PER_MILE = 1.609344


def clock(text: str | None) -> str:
    """'09:00' or '13:30:00' as '9am' or '1:30pm'; anything else as given."""
    if not text:
        return ""
    try:
        moment = dt.time.fromisoformat(text[:8])
    except ValueError:
        return text
    hour = moment.hour % 12 or 12
    suffix = "am" if moment.hour < 12 else "pm"
    return f"{hour}{suffix}" if moment.minute == 0 else f"{hour}:{moment.minute:02d}{suffix}"


def _join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def opening_line(schedule: Schedule) -> str:
    days = [
        DAY_NAMES[d.strip().upper()]
        for d in (schedule.byday or "").split(",")
        if d.strip().upper() in DAY_NAMES
    ]
    parts = []
    if days:
        when = _join(days)
        if schedule.freq == "MONTHLY":
            when = f"Monthly on {when}"
        parts.append(when)
    if schedule.opens_at and schedule.closes_at:
        parts.append(f"{clock(schedule.opens_at)} to {clock(schedule.closes_at)}")
    line = ", ".join(parts)
    if schedule.description:
        line = f"{line}. {schedule.description}" if line else schedule.description
    return line


def how_far(distance_km: float | None, postcode: str) -> str:
    if distance_km is None:
        return ""
    miles = distance_km / KM_PER_MILE
    if miles < 0.25:
        return f"Less than a quarter of a mile from {postcode.upper()}"
    return f"About {miles:.1f} miles from {postcode.upper()}"
