"""Two-factor sign-in: required for the roles in TWO_FACTOR_REQUIRED_ROLES, for every user of an
organisation that switched it on, and for users who chose it."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

# Paths a signed-in user may reach before finishing the second factor.
_EXEMPT_PREFIXES = ("/accounts/", "/static/", "/api/", "/hsds/", "/fhir/", "/public/", "/r/")


def two_factor_required(user) -> bool:  # type: ignore[no-untyped-def]
    if not user.is_authenticated:
        return False
    if user.role in settings.TWO_FACTOR_REQUIRED_ROLES or user.is_superuser:
        return True
    if user.require_two_factor:
        return True
    org = user.organisation
    return bool(org and org.require_two_factor_for_all)


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
            return redirect(f"{reverse(target)}?next={request.get_full_path()}")
        return self.get_response(request)
