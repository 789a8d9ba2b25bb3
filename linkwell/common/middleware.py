"""Requests carrying a null character are refused before any view sees them.

A null character (U+0000) is never part of a name, a reason or a search, and PostgreSQL cannot
store one in text: let through, it failed the request with a server error on PostgreSQL and was
stored as it came on SQLite. So a null character anywhere a view could read it (the path, a query
parameter, a form field, a JSON string, a header) gets a 400 that says where it was, in the shape
the caller expects (the API's ``{"message", "extra"}``, FHIR's OperationOutcome, or a page), and
nothing is read or written. Uploaded files are not looked at: a spreadsheet may hold any byte.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

NUL = "\x00"
_JSON_NUL = b"\\u0000"
_FORMS = ("application/x-www-form-urlencoded", "multipart/form-data")
_JSON_APIS = ("/api/", "/fhir/", "/hsds/")


class RefuseNullCharactersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        found = null_character_in(request)
        if found is not None:
            return _refusal(request, *found)
        return self.get_response(request)


def null_character_in(request: HttpRequest) -> tuple[str, str] | None:
    """(where, name) of the first null character in what a view could read, or None."""
    if NUL in request.path:
        return "path", ""
    query = request.META.get("QUERY_STRING", "")
    if "%00" in query or NUL in query:
        for key, values in request.GET.lists():
            if NUL in key or any(NUL in value for value in values):
                return "query parameter", key.replace(NUL, "")
    for key, value in request.META.items():
        if key.startswith("HTTP_") and isinstance(value, str) and NUL in value:
            return "header", key[5:].replace("_", "-").title()
    if request.method not in ("POST", "PUT", "PATCH"):
        return None
    content_type = request.content_type or ""
    if content_type == "application/json" or content_type.endswith("+json"):
        # A JSON text spells a null character \u0000 (a bare one is not JSON; the parser
        # refuses it). Looked for in the bytes first, so a body without one is not parsed twice.
        if _JSON_NUL not in request.body:
            return None
        try:
            data = json.loads(request.body)
        except ValueError:
            return None  # not JSON: the view's own parser says so
        name = _json_null(data, "")
        return None if name is None else ("field", name)
    if content_type in _FORMS:
        if content_type == "multipart/form-data" and not _body_kept(request):
            return None
        for key, values in request.POST.lists():
            if NUL in key or any(NUL in value for value in values):
                return "field", key.replace(NUL, "")
    return None


def _body_kept(request: HttpRequest) -> bool:
    """Whether a multipart form may be read here. Reading it consumes the request's stream, after
    which ``request.body`` raises, and the JSON APIs read ``request.body`` (a multipart request to
    one became a server error). So the body is read and kept first, where Django lets a body be
    read at all; a larger upload is looked at only on the pages, which read its form themselves."""
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return False
    if limit is not None and length <= limit:
        request.body  # noqa: B018  (read and kept for the view)
        return True
    return not request.path.startswith(_JSON_APIS)


def _json_null(data: Any, at: str) -> str | None:
    if isinstance(data, str):
        return at if NUL in data else None
    if isinstance(data, dict):
        for key, value in data.items():
            inner = f"{at}.{key}" if at else str(key)
            if NUL in key:
                return inner.replace(NUL, "")
            found = _json_null(value, inner)
            if found is not None:
                return found
    if isinstance(data, list):
        for index, value in enumerate(data):
            found = _json_null(value, f"{at}[{index}]")
            if found is not None:
                return found
    return None


def _refusal(request: HttpRequest, where: str, name: str) -> HttpResponse:
    place = f"the {where} {name!r}" if name else f"the {where}"
    message = (
        f"The request has a null character in {place}. Linkwell does not accept null "
        "characters: send it again without it."
    )
    path = request.path
    if path.startswith("/fhir/"):
        from linkwell.fhir.api import _outcome  # the FHIR API's own failure, made the same way

        return _outcome(400, message, code="invalid")
    if path.startswith(_JSON_APIS):
        extra = {"where": where, "name": name}
        return JsonResponse({"message": message, "extra": extra}, status=400)
    return render(request, "common/bad_request.html", {"message": message}, status=400)
