"""Text message (SMS) backends behind one interface, chosen by settings.SMS_BACKEND.

Adding one is "copy a sibling, change three things": subclass ``SmsBackend`` and implement
``send``. Email goes through Django's own EMAIL_BACKEND (``django.core.mail``).

- ``ConsoleBackend`` (default): writes the message to the log, for development.
- ``LocmemBackend``: keeps messages in ``LocmemBackend.outbox``, for tests.
- ``NotifyBackend``: GOV.UK Notify's HTTP API (``POST /v2/notifications/sms``), authenticated
  with a JWT signed by the API key's secret; NOTIFY_API_URL and NOTIFY_API_KEY in settings, and
  NOTIFY_SMS_TEMPLATE_ID naming a template whose whole text is ``((body))``.

Email to a person (reminders) has the same shape, chosen by settings.PERSON_EMAIL_BACKEND
(default ``DjangoMailBackend``): subclass ``EmailBackend`` and implement ``send``.

- ``DjangoMailBackend``: ``django.core.mail`` (SMTP in production, console/locmem elsewhere).
- ``LocmemEmailBackend``: keeps messages in ``LocmemEmailBackend.outbox``, for tests.
- ``NotifyEmailBackend``: ``POST /v2/notifications/email`` with the same JWT as the SMS backend;
  NOTIFY_EMAIL_TEMPLATE_ID names a template with subject ``((subject))`` and body ``((body))``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any, ClassVar

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


class SmsError(Exception):
    """The message could not be handed to the provider."""


@dataclass(frozen=True)
class SmsMessage:
    to: str
    body: str
    reference: str = ""


class SmsBackend:
    """Hand one text message to a provider; raise SmsError when it is refused."""

    def send(self, message: SmsMessage) -> None:
        raise NotImplementedError


class ConsoleBackend(SmsBackend):
    def send(self, message: SmsMessage) -> None:
        logger.warning("SMS to %s: %s", message.to, message.body)


class LocmemBackend(SmsBackend):
    outbox: ClassVar[list[SmsMessage]] = []

    def send(self, message: SmsMessage) -> None:
        self.outbox.append(message)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class _NotifyClient:
    """What the SMS and email Notify backends share: the key, the JWT and the POST."""

    timeout_seconds = 10
    template_setting = "NOTIFY_SMS_TEMPLATE_ID"

    def __init__(self) -> None:
        self.url = str(
            getattr(settings, "NOTIFY_API_URL", "") or "https://api.notifications.service.gov.uk"
        )
        key = str(getattr(settings, "NOTIFY_API_KEY", ""))
        self.template_id = str(getattr(settings, self.template_setting, ""))
        # A Notify key is "<name>-<service id: 36 chars>-<secret: 36 chars>".
        if len(key) < 74 or not self.template_id:
            raise ImproperlyConfigured(
                f"{type(self).__name__} needs NOTIFY_API_KEY (a GOV.UK Notify API key) and "
                f"{self.template_setting} (a template whose text is ((body)))."
            )
        self.service_id = key[-73:-37]
        self.secret = key[-36:]

    def token(self, *, now: float | None = None) -> str:
        header = _b64(json.dumps({"typ": "JWT", "alg": "HS256"}).encode())
        claims = _b64(json.dumps({"iss": self.service_id, "iat": int(now or time.time())}).encode())
        signing_input = f"{header}.{claims}".encode()
        signature = hmac.new(self.secret.encode(), signing_input, hashlib.sha256).digest()
        return f"{header}.{claims}.{_b64(signature)}"

    def post(self, path: str, body: dict[str, Any], error: type[Exception]) -> None:
        request = urllib.request.Request(  # noqa: S310  # https URL from settings
            self.url.rstrip("/") + path,
            data=json.dumps(body).encode(),
            headers={
                "Content-Type": "application/json",
                "Authorization": f"Bearer {self.token()}",
            },
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout_seconds) as response:  # noqa: S310
                if response.status >= 300:
                    raise error(f"Notify answered {response.status}.")
        except urllib.error.HTTPError as exc:
            raise error(f"Notify refused the message ({exc.code}).") from exc
        except (urllib.error.URLError, TimeoutError) as exc:
            raise error(f"Could not reach Notify: {exc}.") from exc


class NotifyBackend(_NotifyClient, SmsBackend):
    def send(self, message: SmsMessage) -> None:
        body: dict[str, Any] = {
            "phone_number": message.to,
            "template_id": self.template_id,
            "personalisation": {"body": message.body},
        }
        if message.reference:
            body["reference"] = message.reference
        self.post("/v2/notifications/sms", body, SmsError)


def get_sms_backend() -> SmsBackend:
    backend_class = import_string(settings.SMS_BACKEND)
    if not (isinstance(backend_class, type) and issubclass(backend_class, SmsBackend)):
        raise ImproperlyConfigured(
            f"SMS_BACKEND must name a subclass of {SmsBackend.__module__}.SmsBackend."
        )
    return backend_class()


class EmailError(Exception):
    """The email could not be handed to the provider."""


@dataclass(frozen=True)
class PersonEmail:
    to: str
    subject: str
    body: str
    reference: str = ""


class EmailBackend:
    """Hand one email to a provider; raise EmailError when it is refused."""

    def send(self, message: PersonEmail) -> None:
        raise NotImplementedError


class DjangoMailBackend(EmailBackend):
    def send(self, message: PersonEmail) -> None:
        from django.core.mail import send_mail

        try:
            send_mail(message.subject, message.body, None, [message.to], fail_silently=False)
        except OSError as exc:  # smtplib's errors are OSErrors
            raise EmailError(f"The mail server refused the message: {exc}.") from exc


class LocmemEmailBackend(EmailBackend):
    outbox: ClassVar[list[PersonEmail]] = []

    def send(self, message: PersonEmail) -> None:
        self.outbox.append(message)


class NotifyEmailBackend(_NotifyClient, EmailBackend):
    template_setting = "NOTIFY_EMAIL_TEMPLATE_ID"

    def send(self, message: PersonEmail) -> None:
        body: dict[str, Any] = {
            "email_address": message.to,
            "template_id": self.template_id,
            "personalisation": {"subject": message.subject, "body": message.body},
        }
        if message.reference:
            body["reference"] = message.reference
        self.post("/v2/notifications/email", body, EmailError)


def get_email_backend() -> EmailBackend:
    path = getattr(
        settings, "PERSON_EMAIL_BACKEND", "linkwell.notifications.backends.DjangoMailBackend"
    )
    backend_class = import_string(path)
    if not (isinstance(backend_class, type) and issubclass(backend_class, EmailBackend)):
        raise ImproperlyConfigured(
            f"PERSON_EMAIL_BACKEND must name a subclass of {EmailBackend.__module__}.EmailBackend."
        )
    return backend_class()
