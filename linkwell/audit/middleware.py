"""Give every request an id (echoed as X-Request-ID) and make it known to the audit log."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import replace

from django.http import HttpRequest, HttpResponse

from .context import RequestContext, get_context, reset_context, set_context

_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class RequestContextMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if _SAFE_ID.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id  # type: ignore[attr-defined]  # read by views and logs
        token = set_context(
            RequestContext(request_id=request_id, ip_address=request.META.get("REMOTE_ADDR"))
        )
        try:
            response = self.get_response(request)
        finally:
            reset_context(token)
        response["X-Request-ID"] = request_id
        return response


class RequestActorMiddleware:
    """After authentication: remember the signed-in user as the actor of this request's writes.

    API requests authenticated by bearer token set the actor in the API's auth class instead.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            set_context(replace(get_context(), actor_id=user.pk))
        return self.get_response(request)
