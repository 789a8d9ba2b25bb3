import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from linkwell.common.errors import Conflict, Forbidden, NotFound
from linkwell.notifications.models import Alert
from linkwell.people.services import consent_record
from linkwell.people.tests.factories import PersonFactory
from linkwell.volunteers import services
from linkwell.volunteers.models import HoursLog, Match, MatchStatus, Volunteer

from .helpers import consenting_person, ready_volunteer

pytestmark = pytest.mark.django_db


def test_recruitment_moves_one_step_at_a_time(world):
    volunteer = services.volunteer_create(
        actor=world.link_worker, user=world.volunteer, role="befriender"
    )
    with pytest.raises(Conflict):
        services.volunteer_set_status(volunteer=volunteer, actor=world.link_worker, status="active")
    services.volunteer_set_status(volunteer=volunteer, actor=world.link_worker, status="references")
    with pytest.raises(Conflict, match="Two references"):
        services.volunteer_set_status(volunteer=volunteer, actor=world.link_worker, status="checks")


def test_becoming_active_needs_dbs_and_required_training(world):
    volunteer = services.volunteer_create(
        actor=world.link_worker, user=world.volunteer, role="befriender"
    )
    services.training_module_create(
        actor=world.link_worker, name="Safeguarding", required_for=["befriender"]
    )
    services.volunteer_record_references(volunteer=volunteer, actor=world.link_worker, received=2)
    for status in ("references", "checks", "training"):
        services.volunteer_set_status(volunteer=volunteer, actor=world.link_worker, status=status)
    with pytest.raises(Conflict) as exc:
        services.volunteer_set_status(volunteer=volunteer, actor=world.link_worker, status="active")
    reasons = exc.value.extra["reasons"]
    assert "There is no DBS check on record." in reasons
    assert "Training not completed: Safeguarding." in reasons


def test_outsider_cannot_manage_volunteers(world):
    with pytest.raises(ValidationError, match="volunteer role in your service"):
        services.volunteer_create(actor=world.outsider, user=world.volunteer, role="befriender")
    volunteer = ready_volunteer(world)
    with pytest.raises(NotFound):
        services.dbs_record(
            volunteer=volunteer,
            actor=world.outsider,
            checked_on=timezone.localdate(),
            renew_by=timezone.localdate() + dt.timedelta(days=1),
        )


def test_dbs_renewal_must_follow_the_check(world):
    volunteer = ready_volunteer(world)
    today = timezone.localdate()
    with pytest.raises(ValidationError):
        services.dbs_record(
            volunteer=volunteer, actor=world.link_worker, checked_on=today, renew_by=today
        )


def test_link_worker_confirms_a_match_for_a_consenting_person(world):
    volunteer = ready_volunteer(world)
    person = consenting_person(world)
    match = services.match_create(
        actor=world.link_worker,
        volunteer=volunteer,
        person=person,
        agreed_plan_items=["Walk to the community cafe on Tuesdays"],
    )
    assert match.status == MatchStatus.ACTIVE
    assert match.team == world.service_team


def test_no_match_without_consent_to_support(world):
    volunteer = ready_volunteer(world)
    person = consenting_person(world)
    consent_record(
        person=person, purpose="support", given=False, actor=world.link_worker, method="verbal"
    )
    with pytest.raises(Conflict, match="consented"):
        services.match_create(
            actor=world.link_worker, volunteer=volunteer, person=person, agreed_plan_items=["x"]
        )
    assert not Match.objects.exists()


def test_expired_dbs_stops_new_matches_until_renewed(world):
    volunteer = ready_volunteer(world)
    person = consenting_person(world)
    Volunteer.objects.filter(pk=volunteer.pk).update(
        dbs_renew_by=timezone.localdate() - dt.timedelta(days=1)
    )
    volunteer.refresh_from_db()
    with pytest.raises(Conflict) as exc:
        services.match_create(
            actor=world.link_worker, volunteer=volunteer, person=person, agreed_plan_items=["x"]
        )
    assert any("DBS" in r for r in exc.value.extra["reasons"])
    today = timezone.localdate()
    services.dbs_record(
        volunteer=volunteer,
        actor=world.link_worker,
        checked_on=today,
        renew_by=today + dt.timedelta(days=1095),
    )
    assert services.match_create(
        actor=world.link_worker, volunteer=volunteer, person=person, agreed_plan_items=["x"]
    )


def test_expired_training_stops_new_matches(world):
    volunteer = ready_volunteer(world)
    person = consenting_person(world)
    volunteer.training.update(expires_on=timezone.localdate() - dt.timedelta(days=1))
    with pytest.raises(Conflict) as exc:
        services.match_create(
            actor=world.link_worker, volunteer=volunteer, person=person, agreed_plan_items=["x"]
        )
    assert exc.value.extra["reasons"] == ["Training needs renewing: Safeguarding."]


def test_expiring_checks_raise_reminders_for_volunteer_and_supervisors(world):
    volunteer = ready_volunteer(world)
    today = timezone.localdate()
    Volunteer.objects.filter(pk=volunteer.pk).update(dbs_renew_by=today + dt.timedelta(days=20))
    assert services.compliance_reminders_send(today=today) == 1
    recipients = set(Alert.objects.values_list("recipient__username", flat=True))
    assert recipients == {"vol", "sup"}
    assert "DBS check" in Alert.objects.first().message


def test_nothing_to_remind_when_everything_is_current(world):
    ready_volunteer(world)
    assert services.compliance_reminders_send() == 0
    assert not Alert.objects.exists()


def test_link_worker_cannot_match_someone_they_cannot_see(world):
    volunteer = ready_volunteer(world)
    stranger = PersonFactory()
    with pytest.raises(NotFound):
        services.match_create(
            actor=world.link_worker, volunteer=volunteer, person=stranger, agreed_plan_items=["x"]
        )


def test_ending_a_match_needs_a_reason_and_reviews_stop_after(world):
    volunteer = ready_volunteer(world)
    person = consenting_person(world)
    match = services.match_create(
        actor=world.link_worker, volunteer=volunteer, person=person, agreed_plan_items=["x"]
    )
    services.match_review_add(match=match, actor=world.teammate, going_well=True, notes="Good")
    with pytest.raises(ValidationError):
        services.match_end(match=match, actor=world.link_worker, reason="")
    with pytest.raises(ValidationError):
        services.match_end(match=match, actor=world.link_worker, reason="other", note=" ")
    ended = services.match_end(match=match, actor=world.link_worker, reason="goals_met")
    assert ended.status == MatchStatus.ENDED and ended.end_reason == "goals_met"
    with pytest.raises(Conflict):
        services.match_review_add(match=ended, actor=world.link_worker, going_well=True)
    with pytest.raises(NotFound):
        services.match_end(match=ended, actor=world.outsider, reason="goals_met")


def test_volunteer_logs_hours_against_their_own_match_only(world):
    volunteer = ready_volunteer(world)
    person = consenting_person(world)
    match = services.match_create(
        actor=world.link_worker, volunteer=volunteer, person=person, agreed_plan_items=["x"]
    )
    today = timezone.localdate()
    entry = services.hours_log(
        actor=world.volunteer, worked_on=today, hours=Decimal("1.5"), match_uuid=str(match.uuid)
    )
    assert entry.match == match
    with pytest.raises(ValidationError):
        services.hours_log(actor=world.volunteer, worked_on=today, hours=Decimal("30"))
    with pytest.raises(Forbidden):
        services.hours_log(actor=world.link_worker, worked_on=today, hours=Decimal("1"))
    assert HoursLog.objects.count() == 1
