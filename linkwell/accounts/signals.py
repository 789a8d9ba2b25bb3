"""Sign-in, sign-out and failed sign-in go to the audit log, whichever view or backend did them."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from linkwell.audit.models import AuditAction
from linkwell.audit.services import audit_log


@receiver(user_logged_in, dispatch_uid="linkwell_audit_login")
def audit_login(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    audit_log(action=AuditAction.LOGIN, obj=user, actor=user, detail={"stage": "password"})


@receiver(user_logged_out, dispatch_uid="linkwell_audit_logout")
def audit_logout(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is None:  # signing out without being signed in
        return
    audit_log(action=AuditAction.LOGOUT, obj=user, actor=user)


@receiver(user_login_failed, dispatch_uid="linkwell_audit_login_failed")
def audit_login_failed(sender: Any, credentials: dict[str, Any], **kwargs: Any) -> None:
    # Django has already masked the password in ``credentials``; only the username is kept.
    username = str(credentials.get("username") or "")[:150]
    audit_log(
        action=AuditAction.LOGIN_FAILED,
        object_type="User",
        detail={"username": username},
    )
