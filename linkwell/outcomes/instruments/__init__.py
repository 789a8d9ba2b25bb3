"""Validated outcome measures, one module each behind :class:`base.Instrument`.

Look one up by code with :func:`get_instrument`; a service's own short polls are adapted to the
same interface by ``linkwell.outcomes.polls``.
"""

from __future__ import annotations

from linkwell.common.errors import NotFound, quoted

from .base import Instrument, InvalidAnswers, Item, Option, Score
from .gad7 import Gad7
from .ons4 import Ons4
from .phq9 import Phq9
from .swemwbs import Swemwbs
from .wemwbs import Wemwbs

REGISTRY: dict[str, Instrument] = {
    instrument.code: instrument for instrument in (Swemwbs(), Wemwbs(), Ons4(), Phq9(), Gad7())
}


def get_instrument(code: str) -> Instrument:
    """The validated instrument with this code; ``NotFound`` (404) for an unknown code."""
    try:
        return REGISTRY[code]
    except KeyError:
        raise NotFound(
            f"No instrument with the code {quoted(code)}. Known codes: {', '.join(REGISTRY)}.",
            extra={"code": code, "known": list(REGISTRY)},
        ) from None


__all__ = [
    "REGISTRY",
    "Instrument",
    "InvalidAnswers",
    "Item",
    "Option",
    "Score",
    "get_instrument",
]
