import pytest
from django.core import mail

from linkwell.accounts.tests.factories import UserFactory
from linkwell.audit.models import AuditEvent
from linkwell.common.errors import NotFound
from linkwell.notifications.models import Alert, AlertKind
from linkwell.notifications.selectors import alert_get_for_user, alerts_for_user
from linkwell.notifications.services import alert_create, alert_mark_read

pytestmark = pytest.mark.django_db


def test_one_alert_per_recipient_emailed_after_commit(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        alerts = alert_create(
            recipients=[world.supervisor, world.link_worker, world.supervisor],
            kind=AlertKind.RISK,
            message="A referral needs your attention: LW-2345-6789",
            url="/referrals/x/",
        )
    assert len(alerts) == 2
    assert sorted(m.to[0] for m in mail.outbox) == ["lw@example.org", "sup@example.org"]
    assert mail.outbox[0].subject == "A referral needs your attention: LW-2345-6789"
    assert "/referrals/x/" in mail.outbox[0].body
    assert AuditEvent.objects.filter(action="create", object_type="Alert").count() == 2


def test_no_email_when_the_transaction_rolls_back(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        alert_create(recipients=[world.supervisor], kind=AlertKind.RISK, message="m")
    assert len(callbacks) == 1
    assert mail.outbox == []


def test_inactive_users_and_users_without_email_are_handled(world):
    gone = UserFactory(is_active=False)
    quiet = UserFactory(email="")
    alerts = alert_create(recipients=[gone, quiet], kind=AlertKind.OTHER, message="m")
    assert [a.recipient for a in alerts] == [quiet]


def test_a_failing_mail_server_does_not_lose_the_alert(
    world, settings, caplog, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = 1  # nothing listens there
    with django_capture_on_commit_callbacks(execute=True):
        alert_create(recipients=[world.supervisor], kind=AlertKind.RISK, message="m")
    assert Alert.objects.filter(recipient=world.supervisor).count() == 1
    assert "Could not email an alert" in caplog.text


def test_each_user_sees_only_their_own_unread_alerts(world):
    alert_create(recipients=[world.supervisor], kind=AlertKind.RISK, message="one")
    alert_create(recipients=[world.link_worker], kind=AlertKind.RISK, message="two")
    mine = list(alerts_for_user(user=world.supervisor))
    assert [a.message for a in mine] == ["one"]
    assert list(alerts_for_user(user=world.outsider)) == []


def test_mark_read_by_recipient_only(world):
    (alert,) = alert_create(recipients=[world.supervisor], kind=AlertKind.RISK, message="m")
    with pytest.raises(NotFound):
        alert_mark_read(alert=alert, user=world.outsider)
    alert = alert_mark_read(alert=alert, user=world.supervisor)
    assert alert.read_at is not None
    assert list(alerts_for_user(user=world.supervisor)) == []
    assert list(alerts_for_user(user=world.supervisor, unread_only=False)) == [alert]
    assert Alert.objects.get().read_at is not None


def test_get_for_user(world):
    (alert,) = alert_create(recipients=[world.supervisor], kind=AlertKind.RISK, message="m")
    assert alert_get_for_user(user=world.supervisor, alert_uuid=alert.uuid) == alert
    with pytest.raises(NotFound):
        alert_get_for_user(user=world.teammate, alert_uuid=alert.uuid)
    with pytest.raises(NotFound):
        alert_get_for_user(user=world.supervisor, alert_uuid="junk")
