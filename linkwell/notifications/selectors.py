"""Reading alerts: each user sees only their own."""

from __future__ import annotations

from uuid import UUID

from django.db.models import QuerySet

from linkwell.accounts.models import User
from linkwell.common.errors import NotFound

from .models import Alert


def alerts_for_user(*, user: User, unread_only: bool = True) -> QuerySet[Alert]:
    """The user's alerts, newest first."""
    if not user.is_authenticated:
        return Alert.objects.none()
    qs = Alert.objects.filter(recipient=user)
    if unread_only:
        qs = qs.filter(read_at__isnull=True)
    return qs.order_by("-created_at", "-id")


def alert_get_for_user(*, user: User, alert_uuid: UUID | str) -> Alert:
    try:
        key = UUID(str(alert_uuid))
    except ValueError:
        raise NotFound("Alert not found.") from None
    alert = Alert.objects.filter(uuid=key, recipient=user).first()
    if alert is None:
        raise NotFound("Alert not found.")
    return alert
