"""Account pages: the security page (two-factor sign-in, API tokens) and two-factor sign-in."""

from __future__ import annotations

import base64
from typing import Any

import django_otp
import qrcode
import qrcode.image.svg
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django_otp import user_has_device
from django_otp.plugins.otp_totp.models import TOTPDevice

from linkwell.common.errors import ApplicationError, NotFound

from .forms import ApiTokenForm, CodeForm
from .middleware import two_factor_required
from .models import User
from .selectors import api_token_get_for_user, api_token_list_for_user, two_factor_status_for_user
from .services import (
    api_token_create,
    api_token_revoke,
    two_factor_backup_codes_create,
    two_factor_device_confirm,
    two_factor_device_start,
    two_factor_disable,
    two_factor_verify,
)


def _safe_next(request: HttpRequest, default: str = "home") -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse(default)


def _add_errors(form: Any, exc: ValidationError | ApplicationError, field: str) -> None:
    if isinstance(exc, ApplicationError):
        form.add_error(None, exc.message)
    elif hasattr(exc, "error_dict"):
        for name, errors in exc.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(field, exc.messages)


def _qr_svg(data: str) -> str:
    # Drawn on the server as inline SVG: no image requests, no third-party QR service sees the key.
    image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, box_size=16, border=2)
    svg = image.to_string(encoding="unicode")
    return svg.replace(
        "<svg ", '<svg role="img" aria-label="QR code to scan with your authenticator app" ', 1
    )


def _spaced_secret(device: TOTPDevice) -> str:
    secret = base64.b32encode(device.bin_key).decode()
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


# --- the security page -------------------------------------------------------------------------


def _security_page(
    request: HttpRequest,
    *,
    token_form: ApiTokenForm | None = None,
    new_token: str | None = None,
    backup_codes: list[str] | None = None,
    status: int = 200,
) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    return render(
        request,
        "accounts/security.html",
        {
            "two_factor": two_factor_status_for_user(user=user),
            "tokens": api_token_list_for_user(user=user),
            "token_form": token_form or ApiTokenForm(),
            "new_token": new_token,
            "backup_codes": backup_codes,
        },
        status=status,
    )


@never_cache
@login_required
def security_view(request: HttpRequest) -> HttpResponse:
    return _security_page(request)


@never_cache
@login_required
@require_POST
def api_token_create_view(request: HttpRequest) -> HttpResponse:
    form = ApiTokenForm(request.POST)
    if form.is_valid():
        try:
            token, raw = api_token_create(
                user=request.user,  # type: ignore[arg-type]
                name=form.cleaned_data["name"],
                actor=request.user,  # type: ignore[arg-type]
            )
        except (ValidationError, ApplicationError) as exc:
            _add_errors(form, exc, "name")
        else:
            # The raw token goes into this one response only: never into the session or messages.
            return _security_page(request, new_token=raw)
    return _security_page(request, token_form=form)


@login_required
@require_POST
def api_token_revoke_view(request: HttpRequest, token_uuid: str) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    try:
        token = api_token_get_for_user(user=user, token_uuid=token_uuid)
        api_token_revoke(token=token, actor=user)
    except NotFound as exc:
        raise Http404(exc.message) from None
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"The token “{token.name}” is revoked. It no longer works.")
    return redirect("accounts:security")


@login_required
@require_POST
def two_factor_disable_view(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    try:
        two_factor_disable(user=user, actor=user)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "Two-factor sign-in is off. You can turn it on again here.")
    return redirect("accounts:security")


@never_cache
@login_required
@require_POST
def two_factor_backup_codes_view(request: HttpRequest) -> HttpResponse:
    try:
        codes = two_factor_backup_codes_create(user=request.user)  # type: ignore[arg-type]
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("accounts:security")
    return _security_page(request, backup_codes=codes)


# --- two-factor sign-in ------------------------------------------------------------------------


@never_cache
@login_required
def two_factor_setup_view(request: HttpRequest) -> HttpResponse:
    """Show a new authenticator-app secret (QR code and text) and confirm it with a code."""
    user: User = request.user  # type: ignore[assignment]
    next_url = _safe_next(request)
    verified = user.is_verified()  # type: ignore[attr-defined]  # added by OTPMiddleware
    # Someone holding only the password must not replace a second factor that already exists.
    if not verified and user_has_device(user, confirmed=True):
        return redirect(f"{reverse('accounts:two_factor_verify')}?{urlencode({'next': next_url})}")
    try:
        device = two_factor_device_start(user=user)
    except ApplicationError as exc:
        messages.info(request, exc.message)
        return redirect("accounts:security")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device = two_factor_device_confirm(user=user, code=form.cleaned_data["code"])
        except (ValidationError, ApplicationError) as exc:
            _add_errors(form, exc, "code")
        else:
            django_otp.login(request, device)
            codes = two_factor_backup_codes_create(user=user)
            return render(
                request,
                "accounts/two_factor_done.html",
                {"backup_codes": codes, "next": next_url},
            )
    return render(
        request,
        "accounts/two_factor_setup.html",
        {
            "form": form,
            "qr_svg": _qr_svg(device.config_url),
            "secret": _spaced_secret(device),
            "next": next_url,
            "required": two_factor_required(user),
        },
    )


@never_cache
@login_required
def two_factor_verify_view(request: HttpRequest) -> HttpResponse:
    """The second step of signing in: a code from the app (or a backup code)."""
    user: User = request.user  # type: ignore[assignment]
    next_url = _safe_next(request)
    if user.is_verified():  # type: ignore[attr-defined]  # added by OTPMiddleware
        return redirect(next_url)
    if not user_has_device(user, confirmed=True):
        return redirect(f"{reverse('accounts:two_factor_setup')}?{urlencode({'next': next_url})}")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device = two_factor_verify(user=user, code=form.cleaned_data["code"])
        except (ValidationError, ApplicationError) as exc:
            _add_errors(form, exc, "code")
        else:
            django_otp.login(request, device)
            return redirect(next_url)
    return render(request, "accounts/two_factor_verify.html", {"form": form, "next": next_url})
