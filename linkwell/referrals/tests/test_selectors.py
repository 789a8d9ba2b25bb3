import pytest

from linkwell.accounts.tests.factories import UserFactory
from linkwell.audit.models import AuditEvent
from linkwell.common.errors import NotFound
from linkwell.referrals.selectors import (
    referral_actions_for_user,
    referral_get_by_reference,
    referral_get_for_user,
    referral_history,
    referral_inbox_for_user,
    referral_is_staff_view,
    referral_list_for_user,
)
from linkwell.referrals.services import referral_transition

pytestmark = pytest.mark.django_db


def test_inbox_puts_risk_first_then_urgency_then_due_date(make_referral, world):
    routine = make_referral()
    urgent = make_referral(urgency="urgent")
    soon = make_referral(urgency="soon")
    risky = make_referral(safeguarding_concern=True)
    accepted = make_referral()
    referral_transition(referral=accepted, to_status="accepted", actor=world.link_worker)

    inbox = list(referral_inbox_for_user(user=world.link_worker))
    assert inbox == [risky, urgent, soon, routine]


def test_inbox_is_the_team_only(make_referral, world):
    make_referral()
    assert list(referral_inbox_for_user(user=world.outsider)) == []
    assert list(referral_inbox_for_user(user=world.referrer)) == []
    assert len(referral_inbox_for_user(user=world.admin)) == 1


def test_referrer_sees_their_organisation_referrals(make_referral, world):
    colleague = UserFactory(role="referrer", organisation=world.referrer.organisation)
    mine = make_referral()
    theirs = make_referral(actor=colleague)
    make_referral(actor=world.other_referrer)
    assert set(referral_list_for_user(user=world.referrer)) == {mine, theirs}


def test_list_filters_by_status(make_referral, world):
    referral = make_referral()
    assert list(referral_list_for_user(user=world.link_worker, status="requested")) == [referral]
    assert list(referral_list_for_user(user=world.link_worker, status="accepted")) == []


def test_get_is_audited_as_a_read_of_the_person(make_referral, world):
    referral = make_referral()
    referral_get_for_user(user=world.referrer, referral_uuid=referral.uuid)
    assert AuditEvent.objects.filter(
        action="read",
        object_id=str(referral.uuid),
        person_uuid=referral.person.uuid,
        actor=world.referrer,
    ).exists()


@pytest.mark.parametrize(
    "persona", ["outsider", "other_referrer", "provider", "volunteer", "commissioner"]
)
def test_everyone_else_gets_not_found(make_referral, world, persona):
    referral = make_referral()
    user = getattr(world, persona)
    with pytest.raises(NotFound):
        referral_get_for_user(user=user, referral_uuid=referral.uuid)
    assert list(referral_list_for_user(user=user)) == []
    assert not AuditEvent.objects.filter(action="read", actor=user).exists()


def test_history_is_oldest_first(make_referral, world):
    referral = make_referral()
    referral_transition(referral=referral, to_status="accepted", actor=world.link_worker)
    assert [c.to_status for c in referral_history(referral=referral)] == ["requested", "accepted"]


def test_lookup_by_reference_tolerates_case_and_spacing(make_referral):
    referral = make_referral()
    typed = referral.reference.lower().replace("-", " ")
    assert referral_get_by_reference(reference=typed) == referral
    with pytest.raises(NotFound):
        referral_get_by_reference(reference="LW-2222-2222")


def test_staff_view_and_actions(make_referral, world):
    referral = make_referral()
    assert referral_is_staff_view(user=world.link_worker, referral=referral)
    assert not referral_is_staff_view(user=world.referrer, referral=referral)
    assert "accepted" in referral_actions_for_user(user=world.link_worker, referral=referral)
    assert referral_actions_for_user(user=world.referrer, referral=referral) == ["cancelled"]
    assert referral_actions_for_user(user=world.outsider, referral=referral) == []
