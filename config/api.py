"""The JSON API under /api/v1/: one error shape, {"message", "extra"}, for every failure."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from linkwell.accounts.auth import api_auth
from linkwell.common.errors import ApplicationError, cut

api = NinjaAPI(
    title="Linkwell API",
    version="1",
    urls_namespace="api",
    auth=api_auth,
    description="Social prescribing: referrals, people, episodes, directory and outcomes.",
)


def _error(
    request: HttpRequest, status: int, message: str, extra: dict | None = None
) -> HttpResponse:
    extra = dict(extra or {})
    fields = extra.get("fields")
    if isinstance(fields, dict):
        extra["fields"] = {
            cut(str(name)): [cut(str(m)) for m in messages] for name, messages in fields.items()
        }
    return api.create_response(request, {"message": cut(message), "extra": extra}, status=status)


@api.exception_handler(ApplicationError)
def _application_error(request: HttpRequest, exc: ApplicationError) -> HttpResponse:
    return _error(request, exc.status_code, exc.message, exc.extra)


@api.exception_handler(DjangoValidationError)
def _django_validation_error(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
    if hasattr(exc, "error_dict"):
        extra = {field: [str(m) for m in msgs] for field, msgs in exc.message_dict.items()}
        first = next(iter(extra.values()))[0] if extra else "Invalid data."
        return _error(request, 400, first, {"fields": extra})
    return _error(request, 400, " ".join(exc.messages), {})


@api.exception_handler(NinjaValidationError)
def _schema_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    fields: dict[str, list[str]] = {}
    for err in exc.errors:
        loc = ".".join(str(p) for p in err.get("loc", []) if p not in ("body", "payload"))
        message = err.get("msg", "Invalid value.")
        # pydantic puts "Value error, " before the message of a check of our own.
        message = message.removeprefix("Value error, ")
        fields.setdefault(loc or "body", []).append(message)
    first_field, msgs = next(iter(fields.items()), ("body", ["Invalid request."]))
    return _error(request, 400, f"{first_field}: {msgs[0]}", {"fields": fields})


@api.exception_handler(PermissionDenied)
def _permission_denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return _error(request, 403, str(exc) or "You do not have access to this.")


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return _error(request, 404, "Not found.")


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return _error(request, 401, "Sign in or send a valid API token.")


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return _error(request, exc.status_code, str(exc))


@api.get("/me", tags=["accounts"], summary="Who am I")
def me(request: HttpRequest) -> dict:
    user = request.user
    return {
        "uuid": str(user.uuid),  # type: ignore[union-attr]
        "username": user.username,  # type: ignore[union-attr]
        "role": user.role,  # type: ignore[union-attr]
    }


def _register_routers() -> None:
    """Each app's api.py exposes `router`; mounted here so the OpenAPI document covers them all."""
    from importlib import import_module

    for app, prefix in [
        ("accounts", "/accounts"),
        ("people", "/people"),
        ("referrals", "/referrals"),
        ("cases", "/episodes"),
        ("audit", "/audit"),
        ("directory", "/directory"),
        ("outcomes", "/outcomes"),
        ("connections", "/connections"),
        ("volunteers", "/volunteers"),
        ("community", "/community"),
        ("reports", "/reports"),
        ("sessions", "/sessions"),
    ]:
        module = import_module(f"linkwell.{app}.api")
        api.add_router(prefix, module.router, tags=[app])
    # The outcome instruments are a top-level resource, served by the outcomes app.
    instruments = import_module("linkwell.outcomes.instruments_api")
    api.add_router("/instruments", instruments.router, tags=["instruments"])
    # Conversations, plans and matches hang under /episodes/{uuid}/ and /needs/: full paths.
    for app in ("conversations", "matching"):
        api.add_router("", import_module(f"linkwell.{app}.api").router, tags=[app])


_register_routers()
