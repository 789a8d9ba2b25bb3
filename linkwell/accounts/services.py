"""Writes for accounts: organisations, teams and users, passwords, API tokens, two-factor sign-in.

Every function changes the data and writes its audit row in one transaction. ``actor=None`` means
the system itself (a management command or a data load), recorded as such in the audit log.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from linkwell.audit.models import AuditAction
from linkwell.audit.services import audit_log
from linkwell.common.errors import ApplicationError, Conflict, Forbidden, NotFound

from .middleware import two_factor_policy_reason
from .models import ApiToken, Organisation, Role, Team, User

TOKEN_PREFIX = "lw_"  # noqa: S105  # a public marker that makes leaked tokens easy to scan for
# "lw_" plus the first 8 characters of the secret: enough to tell tokens apart, useless to guess.
TOKEN_DISPLAY_LENGTH = len(TOKEN_PREFIX) + 8
TOTP_DEVICE_NAME = "Authenticator app"
BACKUP_DEVICE_NAME = "Backup codes"
BACKUP_CODE_COUNT = 10


def user_is_account_admin(user: User | None) -> bool:
    """Administrators manage other people's accounts: the admin role or a superuser."""
    return bool(
        user is not None and user.is_active and (user.is_superuser or user.role == Role.ADMIN)
    )


def _changed(fields: Iterable[str]) -> dict[str, list[str]]:
    # Field names only: values of passwords, phone numbers and e-mail addresses stay out of the log.
    names = sorted(set(fields))
    return {"changed": names} if names else {}


# --- organisations, teams, users ---------------------------------------------------------------


@transaction.atomic
def organisation_save(
    *, organisation: Organisation, actor: User | None, changed_fields: Iterable[str] = ()
) -> Organisation:
    """Create or update an organisation (GP practices need a valid ODS code)."""
    creating = organisation._state.adding
    organisation.full_clean()
    organisation.save()
    audit_log(
        action=AuditAction.CREATE if creating else AuditAction.UPDATE,
        obj=organisation,
        actor=actor,
        detail=_changed(changed_fields),
    )
    return organisation


@transaction.atomic
def team_save(*, team: Team, actor: User | None, changed_fields: Iterable[str] = ()) -> Team:
    creating = team._state.adding
    team.full_clean()
    team.save()
    audit_log(
        action=AuditAction.CREATE if creating else AuditAction.UPDATE,
        obj=team,
        actor=actor,
        detail=_changed(changed_fields),
    )
    return team


@transaction.atomic
def user_save(*, user: User, actor: User | None, changed_fields: Iterable[str] = ()) -> User:
    """Create or update a user. Administrators (the role) are staff so they can reach /admin/."""
    creating = user._state.adding
    if user.role == Role.ADMIN:
        user.is_staff = True
    user.full_clean()
    user.save()
    audit_log(
        action=AuditAction.CREATE if creating else AuditAction.UPDATE,
        obj=user,
        actor=actor,
        detail=_changed(changed_fields),
    )
    return user


def user_create(
    *,
    username: str,
    role: str,
    actor: User | None,
    email: str = "",
    first_name: str = "",
    last_name: str = "",
    organisation: Organisation | None = None,
    team: Team | None = None,
    password: str | None = None,
    require_two_factor: bool = False,
) -> User:
    """Create a user; without a password the account can only be reached by a password reset."""
    user = User(
        username=username,
        role=role,
        email=email,
        first_name=first_name,
        last_name=last_name,
        organisation=organisation,
        team=team,
        require_two_factor=require_two_factor,
    )
    if password is None:
        user.set_unusable_password()
    else:
        validate_password(password, user)
        user.set_password(password)
    return user_save(user=user, actor=actor, changed_fields=["username", "role"])


@transaction.atomic
def user_set_password(*, user: User, password: str, actor: User | None) -> User:
    """Set a new password (after the password rules) and lift any sign-in lockout for the user:
    they have just proved they hold the account's e-mail address or are signed in."""
    from axes.utils import reset as axes_reset

    validate_password(password, user)
    user.set_password(password)
    user.save(update_fields=["password"])
    axes_reset(username=user.get_username())
    audit_log(action=AuditAction.UPDATE, obj=user, actor=actor, detail={"changed": ["password"]})
    return user


# --- API tokens --------------------------------------------------------------------------------


@transaction.atomic
def api_token_create(*, user: User, name: str, actor: User | None) -> tuple[ApiToken, str]:
    """Create a bearer token for ``user``. Returns the token row and the raw token, which is not
    stored anywhere (only its SHA-256) and so can be shown only this once."""
    if actor is not None and actor.pk != user.pk and not user_is_account_admin(actor):
        raise Forbidden("You can only create API tokens for yourself.")
    if not user.is_active:
        raise ApplicationError(f"The account {user.username} is inactive: it cannot have tokens.")
    name = (name or "").strip()
    if not name:
        raise ValidationError(
            {"name": "Give the token a name, such as the system that will use it."}
        )
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user=user, name=name, prefix=raw[:TOKEN_DISPLAY_LENGTH], key_hash=ApiToken.hash_key(raw)
    )
    token.full_clean()
    token.save()
    audit_log(
        action=AuditAction.CREATE,
        obj=token,
        actor=actor,
        detail={"name": name, "prefix": token.prefix, "user": str(user.uuid)},
    )
    return token, raw


@transaction.atomic
def api_token_revoke(*, token: ApiToken, actor: User | None) -> ApiToken:
    """Revoke a token at once; requests carrying it get 401 from then on. Only its owner or an
    administrator may revoke it; anyone else is told it does not exist."""
    if actor is not None and actor.pk != token.user_id and not user_is_account_admin(actor):
        raise NotFound("No such API token.")
    locked = ApiToken.objects.select_for_update().get(pk=token.pk)
    if locked.revoked_at is not None:
        raise Conflict("This token was already revoked.")
    locked.revoked_at = timezone.now()
    locked.save(update_fields=["revoked_at", "updated_at"])
    audit_log(
        action=AuditAction.UPDATE,
        obj=locked,
        actor=actor,
        detail={"changed": ["revoked_at"], "prefix": locked.prefix},
    )
    token.revoked_at = locked.revoked_at
    return locked


# --- two-factor sign-in ------------------------------------------------------------------------
# A wrong code must count toward django-otp's throttling even though it is an error, so the
# verifying functions commit the attempt first and raise afterwards, outside the transaction.

WRONG_CODE = "That code did not match. Enter the newest 6-digit code from your authenticator app."
_WRONG_BACKUP = (
    "That code did not match. Enter a 6-digit code from your app or an unused backup code."
)
THROTTLED = "Too many wrong codes. Wait a minute, then enter the newest code."


def _totp_confirmed(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


@transaction.atomic
def two_factor_device_start(*, user: User) -> TOTPDevice:
    """The unconfirmed authenticator-app device to show as a QR code, created on first use and
    reused after that so reloading the page does not change the secret."""
    if _totp_confirmed(user) is not None:
        raise Conflict("Two-factor sign-in is already set up for this account.")
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-id").first()
    if device is None:
        device = TOTPDevice(user=user, name=TOTP_DEVICE_NAME, confirmed=False)
        device.full_clean()
        device.save()
    return device


def two_factor_device_confirm(*, user: User, code: str) -> TOTPDevice:
    """Confirm the pending device with a code from the app; from then on the user is asked for a
    code at every sign-in (``require_two_factor`` is switched on)."""
    with transaction.atomic():
        device = (
            TOTPDevice.objects.select_for_update()
            .filter(user=user, confirmed=False)
            .order_by("-id")
            .first()
        )
        if device is None:
            raise ApplicationError("Start setting up two-factor sign-in first.")
        if not device.verify_is_allowed()[0]:
            raise ApplicationError(THROTTLED)
        ok = device.verify_token(code.strip().replace(" ", ""))
        if ok:
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            TOTPDevice.objects.filter(user=user, confirmed=False).delete()
            if not user.require_two_factor:
                user.require_two_factor = True
                user.save(update_fields=["require_two_factor"])
            audit_log(
                action=AuditAction.UPDATE,
                obj=user,
                actor=user,
                detail={"changed": ["two_factor"], "two_factor": "on"},
            )
    if not ok:
        raise ValidationError({"code": WRONG_CODE})
    return device


def two_factor_verify(*, user: User, code: str) -> Device:
    """Check a sign-in code against the user's authenticator app, or a one-use backup code.
    Returns the device that accepted it; the caller passes it to ``django_otp.login``."""
    code = code.strip().replace(" ", "").lower()
    with transaction.atomic():
        devices: list[Device] = [
            *TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True),
            *StaticDevice.objects.select_for_update().filter(user=user, confirmed=True),
        ]
        if not devices:
            raise ApplicationError("Set up two-factor sign-in first.")
        if not any(d.verify_is_allowed()[0] for d in devices):
            raise ApplicationError(THROTTLED)
        # A 6-digit code is for the app; anything else can only be a backup code.
        kind = TOTPDevice if code.isdigit() and len(code) == 6 else StaticDevice
        matched = next(
            (d for d in devices if isinstance(d, kind) and d.verify_token(code)),
            None,
        )
        audit_log(
            action=AuditAction.LOGIN if matched else AuditAction.LOGIN_FAILED,
            obj=user,
            actor=user,
            detail={"stage": "second_factor", "method": "app" if kind is TOTPDevice else "backup"},
        )
    if matched is None:
        raise ValidationError({"code": WRONG_CODE if kind is TOTPDevice else _WRONG_BACKUP})
    return matched


@transaction.atomic
def two_factor_backup_codes_create(*, user: User) -> list[str]:
    """Replace the user's backup codes with a new set and return them (shown once). Each works
    once, for when the phone with the authenticator app is lost."""
    if _totp_confirmed(user) is None:
        raise ApplicationError("Set up two-factor sign-in before making backup codes.")
    device, _ = StaticDevice.objects.get_or_create(
        user=user, name=BACKUP_DEVICE_NAME, defaults={"confirmed": True}
    )
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(BACKUP_CODE_COUNT)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=c) for c in codes])
    audit_log(
        action=AuditAction.UPDATE,
        obj=user,
        actor=user,
        detail={"changed": ["two_factor_backup_codes"]},
    )
    return codes


def _remove_devices(user: User) -> None:
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()


@transaction.atomic
def two_factor_disable(*, user: User, actor: User) -> User:
    """A user turns off two-factor sign-in they chose; refused where their role or organisation
    requires it."""
    if actor.pk != user.pk:
        raise Forbidden("Only the account holder can turn off their two-factor sign-in.")
    reason = two_factor_policy_reason(user)
    if reason is not None:
        raise Forbidden(f"Two-factor sign-in cannot be turned off: {reason}.")
    _remove_devices(user)
    user.require_two_factor = False
    user.save(update_fields=["require_two_factor"])
    audit_log(
        action=AuditAction.UPDATE,
        obj=user,
        actor=actor,
        detail={"changed": ["two_factor"], "two_factor": "off"},
    )
    return user


@transaction.atomic
def two_factor_reset(*, user: User, actor: User | None) -> User:
    """An administrator removes a user's devices (a lost phone). The user's requirement stays, so
    they set up a new app at their next sign-in."""
    if actor is not None and not user_is_account_admin(actor):
        raise Forbidden("Only an administrator can reset someone's two-factor sign-in.")
    _remove_devices(user)
    audit_log(
        action=AuditAction.UPDATE,
        obj=user,
        actor=actor,
        detail={"changed": ["two_factor"], "two_factor": "reset"},
    )
    return user
