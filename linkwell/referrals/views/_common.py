"""What the referral pages share: role gates, the htmx check and error text."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse

from linkwell.accounts.models import Role
from linkwell.common.errors import ApplicationError, Forbidden, NotFound

# Staff of a social prescribing team: they work the inbox and act on referrals.
STAFF_ROLES = (Role.LINK_WORKER, Role.SUPERVISOR, Role.ADMIN)
# Who may use the referrer's page (DESIGN.md: referrers refer; staff take referrals by phone).
INTAKE_ROLES = (Role.REFERRER, Role.LINK_WORKER, Role.SUPERVISOR)
# Who may open a referral's page: its referrer's organisation or the receiving team's staff.
REFERRAL_PAGE_ROLES = (Role.REFERRER, *STAFF_ROLES)

PAGE_SIZE = 50
# The session key that carries a self-referral's reference to its confirmation page.
SELF_REFERRAL_SESSION_KEY = "linkwell_self_referral"
# Map the service's ValidationError keys onto the form's fields.
SERVICE_FIELD_MAP = {
    "person_details": "given_name",
    "person": "given_name",
    "consent": "consent_confirmed",
    "risk_of_harm": "risk_of_harm",
}


def roles_required(
    *roles: str,
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Signed in with one of the roles (otherwise 403); selectors' refusals become 404/403."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @login_required
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if request.user.role not in roles:  # type: ignore[union-attr]
                raise PermissionDenied("Your role does not give access to this page.")
            try:
                return view(request, *args, **kwargs)
            except NotFound as exc:
                raise Http404(exc.message) from exc
            except Forbidden as exc:
                raise PermissionDenied(exc.message) from exc

        return wrapped

    return decorator


def is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def error_text(exc: ValidationError | ApplicationError) -> str:
    if isinstance(exc, ApplicationError):
        return exc.message
    return " ".join(exc.messages)
