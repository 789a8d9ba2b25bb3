"""One error family for the whole application.

Services raise these; the API turns them into ``{"message": str, "extra": {...}}`` with the
status code below, and views show the message to the person. Bad input changes nothing, because
every service that raises runs inside a transaction.
"""

from __future__ import annotations

from typing import Any


class ApplicationError(Exception):
    status_code = 400

    def __init__(self, message: str, *, extra: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.extra = extra or {}


class NotFound(ApplicationError):
    """Also raised for records the user may not see, so their existence is not revealed."""

    status_code = 404


class Forbidden(ApplicationError):
    status_code = 403


class Conflict(ApplicationError):
    status_code = 409


class InvalidTransition(ApplicationError):
    status_code = 409


# The longest error message the APIs send: some come from Django or pydantic with the value
# that was sent inside them ("Value '...' is not a valid choice."), and 100,000 characters sent
# came back.
MESSAGE_LIMIT = 300


def cut(text: str, limit: int = MESSAGE_LIMIT) -> str:
    """``text``, ending in "…" at ``limit`` characters if it is longer."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def quoted(value: Any, limit: int = 40) -> str:
    """A value someone sent, as a message about it shows it (text in quotes, anything else as
    Python writes it), cut short past ``limit`` characters: a message that repeats 100,000
    characters back helps nobody."""
    text = cut(value if isinstance(value, str) else repr(value), limit)
    return repr(text) if isinstance(value, str) else text
