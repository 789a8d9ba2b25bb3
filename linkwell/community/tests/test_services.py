import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from linkwell.audit.models import AuditEvent
from linkwell.common.errors import NotFound
from linkwell.community import services
from linkwell.community.models import Feedback

pytestmark = pytest.mark.django_db


def test_named_feedback_keeps_the_name_and_the_signed_in_user(world):
    org = world.service_team.organisation
    row = services.feedback_submit(
        organisation=org,
        kind="feedback",
        text="My befriender made a real difference.",
        anonymous=False,
        name="Sam",
        user=world.volunteer,
    )
    assert (row.name, row.submitted_by) == ("Sam", world.volunteer)


def test_bad_feedback_is_refused_and_nothing_is_stored(world):
    org = world.service_team.organisation
    with pytest.raises(ValidationError) as exc:
        services.feedback_submit(organisation=org, kind="rant", text=" ", rating=9)
    assert set(exc.value.message_dict) == {"kind", "text", "rating"}
    with pytest.raises(ValidationError):
        services.feedback_submit(organisation=org, kind="idea", text="x", anonymous=False)
    assert not Feedback.objects.exists()


def test_database_refuses_identity_on_anonymous_feedback(world):
    org = world.service_team.organisation
    row = services.feedback_submit(organisation=org, kind="idea", text="Evening groups")
    with pytest.raises(IntegrityError):
        Feedback.objects.filter(pk=row.pk).update(name="Someone")


def test_you_said_we_did_needs_service_staff(world):
    with pytest.raises(NotFound):
        services.you_said_we_did_create(actor=world.volunteer, you_said="a", we_did="b")
    entry = services.you_said_we_did_create(
        actor=world.link_worker, you_said="Groups clash with school pick-up", we_did="Moved to 10am"
    )
    with pytest.raises(NotFound):
        services.you_said_we_did_publish(actor=world.outsider, entry=entry, publish=True)
    assert services.you_said_we_did_publish(actor=world.link_worker, entry=entry, publish=True)
    assert AuditEvent.objects.filter(object_id=str(entry.uuid), action="update").exists()
