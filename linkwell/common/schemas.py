"""Field types the JSON API's request schemas share."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator

# The furthest any place's clock is from UTC (Kiribati +14:00, Baker Island -12:00): an offset
# beyond this is a typing slip, and PostgreSQL refuses offsets past 15:59.
MAX_UTC_OFFSET = dt.timedelta(hours=14)


def _text_only(message: str) -> BeforeValidator:
    """Refuses a number: pydantic would read one as seconds since 1970 (32768 became a moment
    in 1970)."""

    def check(value: Any) -> Any:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            raise ValueError(message)
        return value

    return BeforeValidator(check)


def _storable(value: dt.datetime) -> dt.datetime:
    offset = value.utcoffset()
    if offset is not None and abs(offset) > MAX_UTC_OFFSET:
        raise ValueError("The time zone offset must be between -14:00 and +14:00.")
    try:
        # Stored as UTC: 0001-01-01T00:00+01:00 is before the first moment a date can hold.
        utc = value if offset is None else value.astimezone(dt.UTC).replace(tzinfo=None)
    except OverflowError:
        utc = dt.datetime.min
    if not _FIRST <= utc <= _LAST:
        raise ValueError("Give a date and time from 0001-01-02 to 9999-12-30.")
    return value


# A day inside the calendar's ends: a time without an offset is the service's local time, which
# may be up to a day off UTC when it is stored.
_FIRST = dt.datetime(1, 1, 2)
_LAST = dt.datetime(9999, 12, 30, 23, 59, 59, 999999)


ApiDate = Annotated[dt.date, _text_only("Give a date as text, like 2026-11-25.")]
"""A date sent to the API: ISO 8601 text, not a number (which pydantic would read as seconds
since 1970: a date of birth of 1e-320 became 1 January 1970)."""

ApiDateTime = Annotated[
    dt.datetime,
    _text_only("Give a date and time as text, like 2026-11-25T14:30:00Z."),
    AfterValidator(_storable),
]
"""A date and time sent to the API: ISO 8601 text (not a number of seconds), with a UTC offset
no further than any real place's, and a day inside the calendar's ends."""


def _an_object(value: Any) -> Any:
    # ninja reads a nested schema from any value's attributes, so a number or a string became a
    # schema of defaults, and what the client meant was dropped without a word.
    if not isinstance(value, dict):
        raise ValueError("Give an object here ({...} with the fields described).")
    return value


AnObject = BeforeValidator(_an_object)
"""For a field whose type is a nested schema: the value must be a JSON object. Use as
``Annotated[PreferencesIn, AnObject]``."""
