"""Requests carrying characters no text can hold are refused before any view sees them.

A null character (U+0000) is never part of a name, a reason or a search, and PostgreSQL cannot
store one in text: let through, it failed the request with a server error on PostgreSQL and was
stored as it came on SQLite. So a null character anywhere a view could read it (the path, a query
parameter, a form field, a JSON string, a header) gets a 400 that says where it was, in the shape
the caller expects (the API's ``{"message", "extra"}``, FHIR's OperationOutcome, or a page), and
nothing is read or written. Uploaded files are not looked at: a spreadsheet may hold any byte.

A lone surrogate (U+D800 to U+DFFF on its own: half of a pair that spells one character beyond
U+FFFF) is not a character at all and cannot be written as UTF-8, so neither database can store
one. Only a JSON string can bring one (``"\\ud800"``); a path, query, form or header is decoded
from UTF-8 bytes, which cannot spell one. It is refused the same way.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

NUL = "\x00"
_JSON_NUL = b"\\u0000"
# How JSON spells a surrogate (a pair, which is a character, or a lone one, which is not).
_JSON_SURROGATE = re.compile(rb"\\u[dD][89a-fA-F]")
_SURROGATE = re.compile("[\ud800-\udfff]")
_FORMS = ("application/x-www-form-urlencoded", "multipart/form-data")
_JSON_APIS = ("/api/", "/fhir/", "/hsds/")


class RefuseBadCharactersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        found = bad_character_in(request)
        if found is not None:
            return _refusal(request, *found)
        return self.get_response(request)


def bad_character_in(request: HttpRequest) -> tuple[str, str, str] | None:
    """(what, where, name) of the first null character or lone surrogate in what a view could
    read, or None."""
    if NUL in request.path:
        return _NULL, "path", ""
    query = request.META.get("QUERY_STRING", "")
    if "%00" in query or NUL in query:
        for key, values in request.GET.lists():
            if NUL in key or any(NUL in value for value in values):
                return _NULL, "query parameter", key.replace(NUL, "")
    for key, value in request.META.items():
        if key.startswith("HTTP_") and isinstance(value, str) and NUL in value:
            return _NULL, "header", key[5:].replace("_", "-").title()
    if request.method not in ("POST", "PUT", "PATCH"):
        return None
    content_type = request.content_type or ""
    if content_type == "application/json" or content_type.endswith("+json"):
        # A JSON text spells a null character \u0000 and a surrogate \ud800 and the like (a
        # bare one is not JSON, nor valid UTF-8; the parser refuses it). Looked for in the bytes
        # first, so a body without one is not parsed twice.
        body = request.body
        if _JSON_NUL not in body and _JSON_SURROGATE.search(body) is None:
            return None
        try:
            data = json.loads(body)
        except (ValueError, RecursionError):
            return None  # not JSON (or nested past any use): the view's own parser says so
        return _json_bad(data)
    if content_type in _FORMS:
        if content_type == "multipart/form-data" and not _body_kept(request):
            return None
        for key, values in request.POST.lists():
            if NUL in key or any(NUL in value for value in values):
                return _NULL, "field", key.replace(NUL, "")
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


def _json_bad(data: Any) -> tuple[str, str, str] | None:
    """(what, "field", where) of the first null character or lone surrogate in a parsed JSON
    text's strings and keys, or None. Walked without recursion: a body nested as deep as the
    parser allows must not exhaust the stack here."""
    stack: list[tuple[Any, str]] = [(data, "")]
    while stack:
        value, at = stack.pop()
        if isinstance(value, str):
            found = _bad_text(value)
            if found is not None:
                return found, "field", at
        elif isinstance(value, dict):
            inner = []
            for key, item in value.items():
                name = f"{at}.{key}" if at else str(key)
                found = _bad_text(key)
                if found is not None:
                    return found, "field", _printable(name)
                inner.append((item, name))
            stack.extend(reversed(inner))
        elif isinstance(value, list):
            stack.extend(reversed([(item, f"{at}[{i}]") for i, item in enumerate(value)]))
    return None


def _bad_text(text: str) -> str | None:
    if NUL in text:
        return _NULL
    if _SURROGATE.search(text) is not None:
        return _LONE_SURROGATE
    return None


def _printable(name: str) -> str:
    return _SURROGATE.sub("\ufffd", name.replace(NUL, ""))


_NULL = "a null character"
_LONE_SURROGATE = "a lone surrogate (half of a pair that spells one character)"


def _refusal(request: HttpRequest, what: str, where: str, name: str) -> HttpResponse:
    place = f"the {where} {name!r}" if name else f"the {where}"
    if what == _NULL:
        message = (
            f"The request has a null character in {place}. Linkwell does not accept null "
            "characters: send it again without it."
        )
    else:
        message = (
            f"The request has {what} in {place}: it is not a character, and no text can hold "
            "it. Send the text as UTF-8, or escape a character beyond U+FFFF as both halves "
            "of its pair."
        )
    path = request.path
    if path.startswith("/fhir/"):
        from linkwell.fhir.api import _outcome  # the FHIR API's own failure, made the same way

        return _outcome(400, message, code="invalid")
    if path.startswith(_JSON_APIS):
        extra = {"where": where, "name": name}
        return JsonResponse({"message": message, "extra": extra}, status=400)
    return render(request, "common/bad_request.html", {"message": message}, status=400)
