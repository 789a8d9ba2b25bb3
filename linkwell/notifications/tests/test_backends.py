import base64
import hashlib
import hmac
import json
import urllib.error

import pytest
from django.core.exceptions import ImproperlyConfigured

from linkwell.audit.models import AuditEvent
from linkwell.notifications import backends
from linkwell.notifications.backends import LocmemBackend, NotifyBackend, SmsMessage
from linkwell.notifications.services import sms_send, sms_send_to_person
from linkwell.people.models import ConsentMethod, ConsentPurpose
from linkwell.people.services import consent_record
from linkwell.people.tests.factories import PersonFactory

SERVICE_ID = "26785a09-ab16-4eb0-8407-a37497a57506"
SECRET = "3d844edf-8d35-48ac-975b-e847b4f122b0"
KEY = f"linkwell_test-{SERVICE_ID}-{SECRET}"


@pytest.fixture
def locmem(settings):
    settings.SMS_BACKEND = "linkwell.notifications.backends.LocmemBackend"
    LocmemBackend.outbox.clear()
    yield LocmemBackend.outbox
    LocmemBackend.outbox.clear()


@pytest.fixture
def notify(settings):
    settings.NOTIFY_API_URL = "https://notify.example"
    settings.NOTIFY_API_KEY = KEY
    settings.NOTIFY_SMS_TEMPLATE_ID = "f33517ff-2a88-4f6e-b855-c550268ce08a"
    return NotifyBackend()


def test_sms_send_uses_the_configured_backend(locmem):
    assert sms_send(to="07700 900123", body="Hello", reference="r1")
    assert locmem == [SmsMessage(to="07700 900123", body="Hello", reference="r1")]
    assert not sms_send(to=" ", body="Hello")


def test_a_backend_that_is_not_an_sms_backend_is_refused(settings):
    settings.SMS_BACKEND = "django.core.mail.backends.console.EmailBackend"
    with pytest.raises(ImproperlyConfigured):
        backends.get_sms_backend()


def test_notify_token_is_a_jwt_signed_with_the_key_secret(notify):
    token = notify.token(now=1_700_000_000)
    header, claims, signature = token.split(".")
    padded = claims + "=" * (-len(claims) % 4)
    assert json.loads(base64.urlsafe_b64decode(padded)) == {
        "iss": SERVICE_ID,
        "iat": 1_700_000_000,
    }
    expected = hmac.new(SECRET.encode(), f"{header}.{claims}".encode(), hashlib.sha256).digest()
    assert base64.urlsafe_b64encode(expected).rstrip(b"=").decode() == signature


def test_notify_posts_the_message(notify, monkeypatch):
    sent = {}

    class Response:
        status = 201

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

    def fake_urlopen(request, timeout):
        sent["url"] = request.full_url
        sent["body"] = json.loads(request.data)
        sent["auth"] = request.headers["Authorization"]
        return Response()

    monkeypatch.setattr(backends.urllib.request, "urlopen", fake_urlopen)
    notify.send(SmsMessage(to="07700900123", body="See you Tuesday", reference="x"))
    assert sent["url"] == "https://notify.example/v2/notifications/sms"
    assert sent["body"]["personalisation"] == {"body": "See you Tuesday"}
    assert sent["body"]["phone_number"] == "07700900123"
    assert sent["auth"].startswith("Bearer ")


def test_notify_refusal_is_reported_and_sms_send_returns_false(notify, settings, monkeypatch):
    def refuse(request, timeout):
        raise urllib.error.HTTPError(request.full_url, 400, "Bad", {}, None)

    monkeypatch.setattr(backends.urllib.request, "urlopen", refuse)
    with pytest.raises(backends.SmsError):
        notify.send(SmsMessage(to="1", body="x"))
    settings.SMS_BACKEND = "linkwell.notifications.backends.NotifyBackend"
    assert sms_send(to="07700900123", body="x") is False


def test_notify_without_a_key_fails_loudly(settings):
    settings.NOTIFY_API_KEY = ""
    with pytest.raises(ImproperlyConfigured):
        NotifyBackend()


@pytest.mark.django_db
def test_person_is_texted_only_with_consent_in_force(
    world, locmem, django_capture_on_commit_callbacks
):
    person = PersonFactory(phone="07700 900123")
    with django_capture_on_commit_callbacks(execute=True):
        assert not sms_send_to_person(person=person, body="Hello")
    assert locmem == []
    consent_record(
        person=person,
        purpose=ConsentPurpose.CONTACT_SMS,
        given=True,
        actor=world.link_worker,
        method=ConsentMethod.VERBAL,
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert sms_send_to_person(person=person, body="Hello", actor=world.link_worker)
    assert [m.body for m in locmem] == ["Hello"]
    assert AuditEvent.objects.filter(object_type="SmsMessage", person_uuid=person.uuid).exists()
    consent_record(
        person=person,
        purpose=ConsentPurpose.CONTACT_SMS,
        given=False,
        actor=world.link_worker,
        method=ConsentMethod.VERBAL,
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert not sms_send_to_person(person=person, body="Again")
    assert len(locmem) == 1
