import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from linkwell.audit.models import AuditEvent
from linkwell.common.errors import Conflict, Forbidden
from linkwell.sessions.models import Appointment, ExtensionStatus
from linkwell.sessions.selectors import allowance_for_episode
from linkwell.sessions.services import (
    allowance_set,
    appointment_book,
    appointment_record_outcome,
    extension_decide,
    extension_request,
)

pytestmark = pytest.mark.django_db


def _attend(episode, actor, when, n):
    for i in range(n):
        a = appointment_book(
            episode=episode, actor=actor, starts_at=when + dt.timedelta(hours=i), mode="telephone"
        )
        appointment_record_outcome(appointment=a, actor=actor, outcome="attended")


def test_booking_a_home_visit_records_mode_venue_and_audit(world, episode):
    when = timezone.now() + dt.timedelta(days=2)
    a = appointment_book(
        episode=episode,
        actor=world.link_worker,
        starts_at=when,
        mode="home_visit",
        venue_kind="home",
        duration_minutes=60,
    )
    assert a.link_worker == world.link_worker
    assert a.ends_at == when + dt.timedelta(minutes=60)
    assert AuditEvent.objects.filter(action="appointment_book", object_id=str(a.uuid)).exists()


def test_face_to_face_session_needs_a_venue_and_telephone_has_none(world, episode):
    when = timezone.now() + dt.timedelta(days=1)
    with pytest.raises(ValidationError):
        appointment_book(
            episode=episode, actor=world.link_worker, starts_at=when, mode="face_to_face"
        )
    with pytest.raises(ValidationError):
        appointment_book(
            episode=episode,
            actor=world.link_worker,
            starts_at=when,
            mode="telephone",
            venue_kind="library",
        )
    assert Appointment.objects.count() == 0


def test_unknown_mode_is_refused_with_nothing_saved(world, episode):
    with pytest.raises(ValidationError):
        appointment_book(
            episode=episode,
            actor=world.link_worker,
            starts_at=timezone.now(),
            mode="carrier_pigeon",
        )
    assert Appointment.objects.count() == 0


def test_outsider_cannot_book(world, episode):
    with pytest.raises(Forbidden):
        appointment_book(
            episode=episode, actor=world.outsider, starts_at=timezone.now(), mode="video"
        )


def test_did_not_attend_needs_a_reason(world, episode, past):
    a = appointment_book(episode=episode, actor=world.link_worker, starts_at=past, mode="video")
    with pytest.raises(ValidationError):
        appointment_record_outcome(appointment=a, actor=world.link_worker, outcome="did_not_attend")
    a = appointment_record_outcome(
        appointment=a, actor=world.link_worker, outcome="did_not_attend", reason="No answer"
    )
    assert a.outcome == "did_not_attend"
    assert a.outcome_recorded_by == world.link_worker


def test_attendance_cannot_be_recorded_for_a_future_session(world, episode):
    a = appointment_book(
        episode=episode,
        actor=world.link_worker,
        starts_at=timezone.now() + dt.timedelta(days=3),
        mode="video",
    )
    with pytest.raises(ValidationError):
        appointment_record_outcome(appointment=a, actor=world.link_worker, outcome="attended")
    a = appointment_record_outcome(
        appointment=a, actor=world.link_worker, outcome="cancelled_by_person", reason="Unwell"
    )
    assert a.outcome == "cancelled_by_person"


def test_allowance_defaults_to_six_attended_sessions(world, episode, past):
    _attend(episode, world.link_worker, past, 6)
    state = allowance_for_episode(episode=episode)
    assert (state.limit, state.attended, state.remaining, state.exceeded) == (6, 6, 0, True)


def test_allowance_counts_only_attended_sessions(world, episode, past):
    _attend(episode, world.link_worker, past, 2)
    a = appointment_book(episode=episode, actor=world.link_worker, starts_at=past, mode="video")
    appointment_record_outcome(
        appointment=a, actor=world.link_worker, outcome="did_not_attend", reason="No answer"
    )
    assert allowance_for_episode(episode=episode).attended == 2


def test_supervisor_sets_team_allowance_link_worker_cannot(world, episode):
    with pytest.raises(Forbidden):
        allowance_set(team=world.service_team, actor=world.link_worker, sessions_per_episode=8)
    allowance_set(team=world.service_team, actor=world.supervisor, sessions_per_episode=8)
    assert allowance_for_episode(episode=episode).limit == 8


def test_extension_approved_by_supervisor_raises_the_limit(world, episode):
    ext = extension_request(
        episode=episode, actor=world.link_worker, extra_sessions=3, reason="Housing crisis ongoing"
    )
    assert allowance_for_episode(episode=episode).pending_request == ext
    extension_decide(extension=ext, actor=world.supervisor, approve=True)
    ext.refresh_from_db()
    assert ext.status == ExtensionStatus.APPROVED
    assert allowance_for_episode(episode=episode).limit == 9


def test_extension_cannot_be_decided_by_the_requester(world, episode):
    ext = extension_request(
        episode=episode, actor=world.supervisor, extra_sessions=2, reason="Still settling in"
    )
    with pytest.raises(Forbidden):
        extension_decide(extension=ext, actor=world.supervisor, approve=True)
    with pytest.raises(Forbidden):
        extension_decide(extension=ext, actor=world.link_worker, approve=True)
    ext.refresh_from_db()
    assert ext.status == ExtensionStatus.PENDING


def test_extension_needs_a_reason_and_only_one_awaits(world, episode):
    with pytest.raises(ValidationError):
        extension_request(episode=episode, actor=world.link_worker, extra_sessions=2, reason=" ")
    extension_request(episode=episode, actor=world.link_worker, extra_sessions=2, reason="Why")
    with pytest.raises(Conflict):
        extension_request(episode=episode, actor=world.teammate, extra_sessions=1, reason="Again")


def test_declining_needs_a_note_and_is_final(world, episode):
    ext = extension_request(
        episode=episode, actor=world.link_worker, extra_sessions=2, reason="More time"
    )
    with pytest.raises(ValidationError):
        extension_decide(extension=ext, actor=world.supervisor, approve=False)
    extension_decide(extension=ext, actor=world.supervisor, approve=False, note="Goals met")
    with pytest.raises(Conflict):
        extension_decide(extension=ext, actor=world.supervisor, approve=True)
    assert allowance_for_episode(episode=episode).limit == 6
