"""API authentication: a session (browser, with CSRF) or `Authorization: Bearer <token>`."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja.security import HttpBearer, SessionAuth

from linkwell.audit.context import get_context, set_context

from .models import ApiToken


class BearerTokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        api_token = (
            # The organisation comes along: referral intake reads it on every request.
            ApiToken.objects.select_related("user", "user__organisation")
            .filter(key_hash=ApiToken.hash_key(token), revoked_at__isnull=True)
            .first()
        )
        if api_token is None or not api_token.user.is_active:
            return None
        # One write per minute at most: last_used_at is for administrators, not an audit trail.
        now = timezone.now()
        if api_token.last_used_at is None or (now - api_token.last_used_at).total_seconds() > 60:
            ApiToken.objects.filter(pk=api_token.pk).update(last_used_at=now)
        request.user = api_token.user
        set_context(replace(get_context(), actor_id=api_token.user.pk))
        return api_token.user


class StaffSessionAuth(SessionAuth):
    """Session auth that also insists on the second factor where the user needs one."""

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        from .middleware import two_factor_required

        user = super().authenticate(request, key)
        if user is None:
            return None
        if two_factor_required(user) and not user.is_verified():
            return None
        return user


api_auth = [BearerTokenAuth(), StaffSessionAuth()]
