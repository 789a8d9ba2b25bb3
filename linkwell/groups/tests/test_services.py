import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from linkwell.accounts.models import Role
from linkwell.accounts.tests.factories import OrganisationFactory, UserFactory
from linkwell.audit.models import AuditEvent
from linkwell.common.errors import Conflict, Forbidden, NotFound
from linkwell.groups import selectors, services
from linkwell.groups.models import Booking, GroupSession, PollResponse
from linkwell.groups.tokens import OFFER_SALT, POLL_SALT, make_token
from linkwell.people.tests.factories import PersonFactory

from .factories import consenting_person, make_programme, make_session

pytestmark = pytest.mark.django_db


@pytest.fixture
def programme(world):
    provider_org = world.provider.organisation
    return make_programme(world, name="Craft club", provider=provider_org)


@pytest.fixture
def session(programme):
    return make_session(programme, capacity=1)


def book(world, session, person=None):
    return services.booking_create(
        session=session, person=person or consenting_person(world), actor=world.link_worker
    )


def started(session):
    """The session began an hour ago (bookings are made before it starts)."""
    GroupSession.objects.filter(pk=session.pk).update(
        starts_at=timezone.now() - dt.timedelta(hours=1)
    )
    session.refresh_from_db()
    return session


# --- booking and the waiting list ------------------------------------------------------------


def test_second_person_goes_on_the_waiting_list(world, session):
    first = book(world, session)
    second = services.booking_create(
        session=session, person=consenting_person(world), actor=world.teammate
    )
    assert (first.status, second.status) == ("booked", "waiting")


def test_same_person_cannot_book_twice(world, session):
    person = consenting_person(world)
    book(world, session, person)
    with pytest.raises(Conflict):
        book(world, session, person)
    assert Booking.objects.count() == 1


def test_outsider_cannot_book(world, session):
    with pytest.raises(Forbidden):
        services.booking_create(
            session=session, person=consenting_person(world), actor=world.outsider
        )
    assert Booking.objects.count() == 0


def test_booking_needs_consent_to_support(world, session):
    with pytest.raises(Conflict, match="consent"):
        book(world, session, PersonFactory())
    assert Booking.objects.count() == 0


def test_session_needs_a_venue_unless_online(world, programme):
    with pytest.raises(ValidationError):
        services.group_session_create(
            programme=programme,
            actor=world.link_worker,
            starts_at=timezone.now() + dt.timedelta(days=2),
            capacity=10,
        )
    online = services.group_session_create(
        programme=programme,
        actor=world.link_worker,
        starts_at=timezone.now() + dt.timedelta(days=2),
        capacity=10,
        online=True,
    )
    assert online.online and GroupSession.objects.count() == 1


# --- offers ----------------------------------------------------------------------------------


def test_cancel_offers_the_freed_place_to_the_head_of_the_waiting_list(world, session, settings):
    settings.LINKWELL = {**settings.LINKWELL, "GROUP_OFFER_HOURS": 24}
    first = book(world, session)
    head = book(world, session)
    behind = book(world, session)
    services.booking_cancel(booking=first, actor=world.link_worker)
    head.refresh_from_db()
    behind.refresh_from_db()
    assert head.status == "offered"
    assert behind.status == "waiting"
    assert head.offer_expires_at - head.offered_at == dt.timedelta(hours=24)


def test_offer_never_runs_past_the_session_start(world, programme):
    session = make_session(programme, capacity=1, starts_in=dt.timedelta(hours=5))
    first = book(world, session)
    head = book(world, session)
    services.booking_cancel(booking=first, actor=world.link_worker)
    head.refresh_from_db()
    assert head.offer_expires_at == session.starts_at


def test_person_accepts_offer_by_link_and_has_the_place(world, session):
    first = book(world, session)
    head = book(world, session)
    services.booking_cancel(booking=first, actor=world.link_worker)
    services.offer_accept(booking=head)
    head.refresh_from_db()
    assert head.status == "booked"
    assert session.bookings.filter(status__in=("booked", "offered")).count() == 1


def test_declined_offer_goes_to_the_next_person(world, session):
    first = book(world, session)
    head = book(world, session)
    behind = book(world, session)
    services.booking_cancel(booking=first, actor=world.link_worker)
    services.offer_decline(booking=head, actor=world.teammate)
    head.refresh_from_db()
    behind.refresh_from_db()
    assert (head.status, head.ended_reason) == ("cancelled", "declined")
    assert behind.status == "offered"


def test_lapsed_offer_passes_to_the_next_person(world, session):
    first = book(world, session)
    head = book(world, session)
    behind = book(world, session)
    services.booking_cancel(booking=first, actor=world.link_worker)
    head.refresh_from_db()
    assert services.offers_expire(now=head.offer_expires_at - dt.timedelta(minutes=1)) == 0
    assert services.offers_expire(now=head.offer_expires_at + dt.timedelta(minutes=1)) == 1
    head.refresh_from_db()
    behind.refresh_from_db()
    assert (head.status, head.ended_reason) == ("cancelled", "lapsed")
    assert behind.status == "offered"


def test_expired_offer_cannot_be_accepted(world, session):
    first = book(world, session)
    head = book(world, session)
    services.booking_cancel(booking=first, actor=world.link_worker)
    head.refresh_from_db()
    after = head.offer_expires_at + dt.timedelta(seconds=1)
    with time_machine.travel(after), pytest.raises(Conflict, match="run out"):
        services.offer_accept(booking=head)
    head.refresh_from_db()
    assert head.status == "offered"


def test_new_booking_waits_behind_an_open_offer(world, session):
    first = book(world, session)
    book(world, session)
    services.booking_cancel(booking=first, actor=world.link_worker)
    late = book(world, session)
    assert late.status == "waiting"


# --- attendance register ---------------------------------------------------------------------


def test_provider_of_the_programme_takes_the_register(world, session):
    booking = book(world, session)
    started(session)
    services.attendance_record(
        session=session, actor=world.provider, marks={booking.uuid: "attended"}
    )
    booking.refresh_from_db()
    assert booking.attendance == "attended"
    assert booking.attendance_recorded_by == world.provider
    assert AuditEvent.objects.filter(
        object_id=str(booking.uuid), actor_label="prov", detail__attendance="attended"
    ).exists()


def test_volunteer_facilitator_takes_the_register(world, session):
    booking = book(world, session)
    session.facilitators.add(world.volunteer)
    started(session)
    services.attendance_record(
        session=session, actor=world.volunteer, marks={booking.uuid: "absent"}
    )
    booking.refresh_from_db()
    assert booking.attendance == "absent"


@pytest.mark.parametrize("who", ["outsider", "volunteer", "other_provider", "referrer"])
def test_others_cannot_take_the_register(world, session, who):
    booking = book(world, session)
    started(session)
    actor = (
        UserFactory(organisation=OrganisationFactory(), role=Role.PROVIDER)
        if who == "other_provider"
        else getattr(world, who)
    )
    with pytest.raises(Forbidden):
        services.attendance_record(session=session, actor=actor, marks={booking.uuid: "attended"})
    with pytest.raises(NotFound):
        selectors.group_session_get_for_user(user=actor, session_uuid=session.uuid)
    booking.refresh_from_db()
    assert booking.attendance == ""
    assert AuditEvent.objects.filter(
        object_id=str(session.uuid), actor_id=actor.pk, detail__refused=True
    ).exists()


def test_a_mark_that_is_neither_is_named_briefly_and_changes_nothing(world, session):
    booking = book(world, session)
    started(session)
    with pytest.raises(ValidationError) as refused:
        services.attendance_record(
            session=session, actor=world.provider, marks={booking.uuid: "x" * 100_000}
        )
    (message,) = refused.value.message_dict["attendance"]
    assert message == f"Choose attended or absent, not '{'x' * 39}…'."
    booking.refresh_from_db()
    assert booking.attendance == ""


def test_register_opens_when_the_session_starts(world, session):
    booking = book(world, session)
    with pytest.raises(Conflict):
        services.attendance_record(
            session=session, actor=world.link_worker, marks={booking.uuid: "attended"}
        )


def test_register_with_an_unknown_booking_changes_nothing(world, programme):
    session = make_session(programme, capacity=5)
    booking = book(world, session)
    started(session)
    other = make_session(programme)
    stranger = book(world, other)
    with pytest.raises(NotFound):
        services.attendance_record(
            session=session,
            actor=world.link_worker,
            marks={booking.uuid: "attended", stranger.uuid: "attended"},
        )
    booking.refresh_from_db()
    assert booking.attendance == ""


# --- facilitators ----------------------------------------------------------------------------


def test_facilitator_must_be_staff_volunteer_or_provider_of_the_programme(world, session):
    from linkwell.volunteers.tests.helpers import ready_volunteer

    with pytest.raises(ValidationError):
        services.facilitator_add(session=session, user=world.volunteer, actor=world.link_worker)
    with pytest.raises(ValidationError):
        services.facilitator_add(session=session, user=world.outsider, actor=world.link_worker)
    ready_volunteer(world)
    services.facilitator_add(session=session, user=world.volunteer, actor=world.link_worker)
    services.facilitator_add(session=session, user=world.provider, actor=world.link_worker)
    services.facilitator_add(session=session, user=world.teammate, actor=world.link_worker)
    assert set(session.facilitators.all()) == {world.volunteer, world.provider, world.teammate}


# --- poll ------------------------------------------------------------------------------------


def test_poll_is_answered_once_only(world, session):
    booking = book(world, session)
    started(session)
    services.poll_answer(booking=booking, score=4, comment="Felt less alone")
    with pytest.raises(services.AlreadyAnswered):
        services.poll_answer(booking=booking, score=1, comment="changed my mind")
    answer = PollResponse.objects.get()
    assert (answer.score, answer.comment) == (4, "Felt less alone")


def test_poll_refuses_a_score_outside_one_to_five(world, session):
    booking = book(world, session)
    started(session)
    with pytest.raises(ValidationError):
        services.poll_answer(booking=booking, score=6)
    assert PollResponse.objects.count() == 0


def test_poll_refuses_people_marked_absent(world, session):
    booking = book(world, session)
    started(session)
    services.attendance_record(
        session=session, actor=world.link_worker, marks={booking.uuid: "absent"}
    )
    with pytest.raises(Forbidden):
        services.poll_answer(booking=booking, score=5)
    assert PollResponse.objects.count() == 0


def test_poll_opens_when_the_session_starts(world, session):
    booking = book(world, session)
    with pytest.raises(Conflict):
        services.poll_answer(booking=booking, score=5)


def test_poll_results_per_programme_have_counts_mean_and_comments(world, programme):
    session = make_session(programme, capacity=5)
    bookings = [book(world, session) for _ in range(3)]
    started(session)
    for booking, score, comment in zip(
        bookings, (5, 4, 4), ("Lovely", "", "More tea"), strict=True
    ):
        services.poll_answer(booking=booking, score=score, comment=comment)
    results = selectors.poll_results_for_programme(programme=programme)
    assert results.responses == 3
    assert results.mean == 4.33
    assert results.counts == {1: 0, 2: 0, 3: 0, 4: 2, 5: 1}
    assert sorted(results.comments) == ["Lovely", "More tea"]


# --- signed links ----------------------------------------------------------------------------


def test_poll_token_finds_its_booking(world, session):
    booking = book(world, session)
    token = make_token(booking_uuid=booking.uuid, salt=POLL_SALT)
    assert selectors.booking_from_poll_token(token=token) == booking


@pytest.mark.parametrize(
    "mangle",
    [
        lambda t: t[:-2] + ("AA" if not t.endswith("AA") else "BB"),
        lambda t: "nonsense",
        lambda t: "",
    ],
)
def test_altered_poll_token_is_refused(world, session, mangle):
    booking = book(world, session)
    token = make_token(booking_uuid=booking.uuid, salt=POLL_SALT)
    with pytest.raises(NotFound):
        selectors.booking_from_poll_token(token=mangle(token))


def test_offer_link_is_not_a_poll_link(world, session):
    booking = book(world, session)
    with pytest.raises(NotFound):
        selectors.booking_from_poll_token(
            token=make_token(booking_uuid=booking.uuid, salt=OFFER_SALT)
        )


def test_poll_link_expires_after_a_fortnight(world, session):
    booking = book(world, session)
    token = make_token(booking_uuid=booking.uuid, salt=POLL_SALT)
    with time_machine.travel(timezone.now() + dt.timedelta(days=15)), pytest.raises(NotFound):
        selectors.booking_from_poll_token(token=token)


def test_token_for_a_made_up_booking_is_refused(world):
    token = make_token(booking_uuid="not-a-uuid", salt=POLL_SALT)
    with pytest.raises(NotFound):
        selectors.booking_from_poll_token(token=token)
