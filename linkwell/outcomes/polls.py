"""A service's own short polls, adapted to the instrument interface.

A poll has one question; each answer option is scored as its value. Stored responses use the
instrument code ``poll-<uuid>`` so polls sit beside validated measures in the same tables.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from uuid import UUID

from linkwell.common.errors import NotFound, quoted

from .instruments import Instrument, Item, Option, get_instrument

if TYPE_CHECKING:
    from .models import Poll

POLL_PREFIX = "poll-"


class PollInstrument(Instrument):
    """One poll as an instrument: the score is the chosen option's value."""

    short_name = "Poll"
    min_total = None
    max_total = None
    licence = "Written by the service."
    attribution = "A short poll written by the service."

    def __init__(self, poll: Poll) -> None:
        self.poll = poll
        self.code = f"{POLL_PREFIX}{poll.uuid}"  # type: ignore[misc]  # per poll, not per class
        self.name = poll.question  # type: ignore[misc]
        opts = tuple(Option(int(o["value"]), str(o["label"])) for o in poll.options)
        self.items = (Item(link_id="poll", text=poll.question, options=opts),)  # type: ignore[misc]
        values = [o.value for o in opts]
        self.min_total = min(values)  # type: ignore[misc]
        self.max_total = max(values)  # type: ignore[misc]


def instrument_for_code(code: str) -> Instrument:
    """A validated instrument by code, or a service's poll by ``poll-<uuid>``."""
    if not code.startswith(POLL_PREFIX):
        return get_instrument(code)
    from .models import Poll

    try:
        poll_uuid = UUID(code.removeprefix(POLL_PREFIX))
    except ValueError:
        raise NotFound(f"No instrument with the code {quoted(code)}.") from None
    poll = Poll.objects.filter(uuid=poll_uuid).first()
    if poll is None:
        raise NotFound(f"No instrument with the code {quoted(code)}.")
    return PollInstrument(poll)
