import pytest
from django.utils import timezone

from linkwell.audit.models import AuditEvent
from linkwell.common.errors import Forbidden, NotFound
from linkwell.volunteers import selectors, services

from .helpers import consenting_person, other_volunteer_user, ready_volunteer

pytestmark = pytest.mark.django_db


def test_volunteer_sees_only_their_own_matches_with_minimal_details(world):
    mine = ready_volunteer(world)
    theirs = ready_volunteer(world, user=other_volunteer_user(world))
    alice = consenting_person(world, given_name="Alice", family_name="Secret", phone="07700900001")
    bob = consenting_person(world, given_name="Bob")
    services.match_create(
        actor=world.link_worker, volunteer=mine, person=alice, agreed_plan_items=["Cafe visits"]
    )
    services.match_create(
        actor=world.link_worker, volunteer=theirs, person=bob, agreed_plan_items=["Walks"]
    )
    seen = selectors.my_matches_for_volunteer(user=world.volunteer)
    assert [m.first_name for m in seen] == ["Alice"]
    assert seen[0].agreed_plan_items == ["Cafe visits"]
    assert set(vars(seen[0])) == {
        "uuid",
        "first_name",
        "contact_preference",
        "agreed_plan_items",
        "started_on",
    }
    assert AuditEvent.objects.filter(action="read", person_uuid=alice.uuid).exists()


def test_ended_matches_disappear_from_the_volunteer_view(world):
    mine = ready_volunteer(world)
    alice = consenting_person(world)
    match = services.match_create(
        actor=world.link_worker, volunteer=mine, person=alice, agreed_plan_items=["x"]
    )
    services.match_end(match=match, actor=world.link_worker, reason="person_chose")
    assert selectors.my_matches_for_volunteer(user=world.volunteer) == []


def test_other_roles_are_refused_the_volunteer_view(world):
    for user in (world.outsider, world.link_worker, world.provider):
        with pytest.raises(Forbidden):
            selectors.my_matches_for_volunteer(user=user)


def test_suggestions_rank_language_then_area_interests_and_times(world):
    polish = ready_volunteer(
        world,
        languages=["polish", "english"],
        area="LS7",
        interests=["gardening"],
        availability=["tue_am"],
    )
    local = ready_volunteer(
        world,
        user=other_volunteer_user(world),
        languages=["english"],
        area="LS6",
        interests=["gardening"],
    )
    person = consenting_person(world, language="Polish", postcode="LS6 1AB")
    found = selectors.match_suggestions_for_person(
        user=world.link_worker, person=person, interests=["Gardening"], availability=["tue_am"]
    )
    assert [s.volunteer for s in found] == [polish, local]
    assert found[0].reasons[0] == "Speaks Polish"
    assert "Covers LS6" in found[1].reasons


def test_suggestions_leave_out_volunteers_with_lapsed_checks_or_full_caseloads(world):
    lapsed = ready_volunteer(world)
    lapsed.training.update(expires_on=timezone.localdate().replace(year=2000))
    person = consenting_person(world)
    assert selectors.match_suggestions_for_person(user=world.link_worker, person=person) == []


def test_outsider_gets_no_suggestions_or_matches(world):
    mine = ready_volunteer(world)
    person = consenting_person(world)
    with pytest.raises(NotFound):
        selectors.match_suggestions_for_person(user=world.outsider, person=person)
    with pytest.raises(NotFound):
        selectors.match_list_for_person(user=world.outsider, person=person)
    assert list(selectors.volunteer_list_for_user(user=world.outsider)) == []
    with pytest.raises(NotFound):
        selectors.volunteer_get_for_user(user=world.outsider, volunteer_uuid=mine.uuid)
    with pytest.raises(Forbidden):
        selectors.volunteer_list_for_user(user=world.volunteer)
