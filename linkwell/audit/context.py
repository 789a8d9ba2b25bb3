"""Who is acting and in which request, for audit rows written deep inside services."""

from __future__ import annotations

import contextvars
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestContext:
    request_id: str = ""
    ip_address: str | None = None
    actor_id: int | None = None


_current: contextvars.ContextVar[RequestContext] = contextvars.ContextVar(
    "linkwell_request_context",
    default=RequestContext(),  # noqa: B039  # a frozen dataclass: immutable, safe to share
)


def get_context() -> RequestContext:
    return _current.get()


def set_context(ctx: RequestContext) -> contextvars.Token[RequestContext]:
    return _current.set(ctx)


def reset_context(token: contextvars.Token[RequestContext]) -> None:
    _current.reset(token)
