"""Reads for accounts. API tokens are only ever visible to their owner here (administrators see
every token, read-only, in the admin site)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.db.models import QuerySet
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from linkwell.common.errors import NotFound

from .middleware import two_factor_policy_reason, two_factor_required
from .models import ApiToken, User


def api_token_list_for_user(*, user: User) -> QuerySet[ApiToken]:
    """The user's own tokens, newest first, revoked ones included (they show as revoked)."""
    return ApiToken.objects.filter(user=user).order_by("-created_at", "-id")


def api_token_get_for_user(*, user: User, token_uuid: uuid.UUID | str) -> ApiToken:
    """One of the user's own tokens; anyone else's, or a malformed id, is NotFound."""
    try:
        key = uuid.UUID(str(token_uuid))
    except ValueError:
        raise NotFound("No such API token.") from None
    token = ApiToken.objects.filter(user=user, uuid=key).first()
    if token is None:
        raise NotFound("No such API token.")
    return token


@dataclass(frozen=True)
class TwoFactorStatus:
    required: bool  # asked for a code at sign-in
    policy_reason: str | None  # set when the role or organisation requires it (cannot turn off)
    has_app: bool  # a confirmed authenticator app
    backup_codes_left: int

    @property
    def can_turn_off(self) -> bool:
        return self.policy_reason is None and (self.required or self.has_app)


def two_factor_status_for_user(*, user: User) -> TwoFactorStatus:
    return TwoFactorStatus(
        required=two_factor_required(user),
        policy_reason=two_factor_policy_reason(user),
        has_app=TOTPDevice.objects.filter(user=user, confirmed=True).exists(),
        backup_codes_left=StaticToken.objects.filter(
            device__user=user, device__confirmed=True
        ).count(),
    )
