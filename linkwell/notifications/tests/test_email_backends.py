import base64
import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.core import mail
from django.core.exceptions import ImproperlyConfigured

from linkwell.notifications.backends import (
    DjangoMailBackend,
    EmailError,
    NotifyBackend,
    NotifyEmailBackend,
    PersonEmail,
    SmsError,
    SmsMessage,
    get_email_backend,
)

SERVICE_ID = "26785a09-ab16-4eb0-8407-a37497a57506"
SECRET = "3d844edf-8d35-48ac-975b-e847b4f122b0"
KEY = f"linkwell_test-{SERVICE_ID}-{SECRET}"


class _NotifyStub(BaseHTTPRequestHandler):
    received: list[tuple[str, str, dict]] = []
    status = 201

    def do_POST(self):  # noqa: N802  # http.server's naming
        length = int(self.headers["Content-Length"])
        body = json.loads(self.rfile.read(length))
        type(self).received.append((self.path, self.headers["Authorization"], body))
        self.send_response(type(self).status)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b'{"id": "f1"}')

    def log_message(self, *args):
        pass


@pytest.fixture
def notify_server(settings):
    _NotifyStub.received = []
    _NotifyStub.status = 201
    server = HTTPServer(("127.0.0.1", 0), _NotifyStub)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.NOTIFY_API_URL = f"http://127.0.0.1:{server.server_port}"
    settings.NOTIFY_API_KEY = KEY
    settings.NOTIFY_SMS_TEMPLATE_ID = "f33517ff-2a88-4f6e-b855-c550268ce08a"
    settings.NOTIFY_EMAIL_TEMPLATE_ID = "a8b8c2a0-6d33-4c1b-9d7e-0c1d2e3f4a5b"
    yield _NotifyStub
    server.shutdown()
    server.server_close()


def _check_jwt(authorization: str) -> dict:
    token = authorization.removeprefix("Bearer ")
    header, claims, signature = token.split(".")
    expected = hmac.new(SECRET.encode(), f"{header}.{claims}".encode(), hashlib.sha256).digest()
    assert base64.urlsafe_b64decode(signature + "=" * (-len(signature) % 4)) == expected
    return json.loads(base64.urlsafe_b64decode(claims + "=" * (-len(claims) % 4)))


def test_notify_email_and_sms_reach_a_local_notify_with_a_signed_jwt(notify_server):
    NotifyEmailBackend().send(
        PersonEmail(to="sam@example.org", subject="Reminder", body="See you", reference="r1")
    )
    NotifyBackend().send(SmsMessage(to="07700 900123", body="See you"))
    (email_path, email_auth, email_body), (sms_path, sms_auth, sms_body) = notify_server.received
    assert email_path == "/v2/notifications/email"
    assert email_body["email_address"] == "sam@example.org"
    assert email_body["personalisation"] == {"subject": "Reminder", "body": "See you"}
    assert email_body["reference"] == "r1"
    assert sms_path == "/v2/notifications/sms"
    assert sms_body["phone_number"] == "07700 900123"
    for auth in (email_auth, sms_auth):
        claims = _check_jwt(auth)
        assert claims["iss"] == SERVICE_ID
        assert isinstance(claims["iat"], int)


def test_notify_refusal_raises_the_backend_error(notify_server):
    notify_server.status = 400
    with pytest.raises(EmailError):
        NotifyEmailBackend().send(PersonEmail(to="sam@example.org", subject="s", body="b"))
    with pytest.raises(SmsError):
        NotifyBackend().send(SmsMessage(to="07700 900123", body="b"))


def test_notify_email_without_a_template_fails_loudly(settings):
    settings.NOTIFY_API_KEY = KEY
    settings.NOTIFY_EMAIL_TEMPLATE_ID = ""
    with pytest.raises(ImproperlyConfigured):
        NotifyEmailBackend()


def test_default_email_backend_sends_through_django_mail(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    backend = get_email_backend()
    assert isinstance(backend, DjangoMailBackend)
    backend.send(PersonEmail(to="sam@example.org", subject="Reminder", body="Tuesday 10:00"))
    assert mail.outbox[-1].subject == "Reminder"
    assert mail.outbox[-1].to == ["sam@example.org"]


def test_a_backend_that_is_not_an_email_backend_is_refused(settings):
    settings.PERSON_EMAIL_BACKEND = "linkwell.notifications.backends.ConsoleBackend"
    with pytest.raises(ImproperlyConfigured):
        get_email_backend()
