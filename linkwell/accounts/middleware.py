"""Two-factor sign-in: required for the roles in TWO_FACTOR_REQUIRED_ROLES, for every user of an
organisation that switched it on, and for users who chose it."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode

# Paths a signed-in user may reach before finishing the second factor: signing in and out, password
# reset, the two-factor pages themselves, and parts of the site with their own authentication (the
# API insists on the second factor for sessions in its auth class) or none at all. The rest of
# /accounts/ (the security page with its API tokens) is not exempt.
_EXEMPT_PREFIXES = (
    "/accounts/login/",
    "/accounts/logout/",
    "/accounts/password-reset/",
    "/accounts/two-factor/",
    "/static/",
    "/api/",
    "/hsds/",
    "/fhir/",
    "/public/",
    "/r/",
)


def two_factor_policy_reason(user) -> str | None:  # type: ignore[no-untyped-def]
    """Why a rule outside the user's own choice makes them use two-factor sign-in, or None."""
    if user.is_superuser:
        return "it is required for administrators"
    if user.role in settings.TWO_FACTOR_REQUIRED_ROLES:
        return f"it is required for the {user.get_role_display().lower()} role"
    org = user.organisation
    if org is not None and org.require_two_factor_for_all:
        return f"{org.name} requires it for everyone"
    return None


def two_factor_required(user) -> bool:  # type: ignore[no-untyped-def]
    if not user.is_authenticated:
        return False
    return bool(user.require_two_factor) or two_factor_policy_reason(user) is not None


class RequireTwoFactorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            user.is_authenticated
            and not request.path.startswith(_EXEMPT_PREFIXES)
            and two_factor_required(user)
            and not user.is_verified()  # type: ignore[union-attr,attr-defined]  # added by OTPMiddleware
        ):
            from django_otp import devices_for_user

            has_device = any(True for _ in devices_for_user(user, confirmed=True))
            target = "accounts:two_factor_verify" if has_device else "accounts:two_factor_setup"
            return redirect(f"{reverse(target)}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)
