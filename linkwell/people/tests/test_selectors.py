import datetime as dt

import pytest

from linkwell.audit.models import AuditEvent
from linkwell.common.errors import Forbidden, NotFound
from linkwell.people.selectors import (
    duplicate_list_for_user,
    person_episodes_for_user,
    person_find_duplicates,
    person_get_for_user,
    person_list_for_user,
    person_referrals_for_user,
)
from linkwell.people.services import person_flag_duplicates, person_merge
from linkwell.people.tests.factories import PersonFactory
from linkwell.people.tests.helpers import on_caseload, with_episode
from linkwell.referrals.tests.factories import ReferralFactory

pytestmark = pytest.mark.django_db

DOB = dt.date(1975, 11, 2)


def test_link_worker_sees_people_referred_to_their_team(world):
    person = on_caseload(world.service_team)
    for user in (world.link_worker, world.teammate, world.supervisor, world.admin):
        assert person_get_for_user(user=user, person_uuid=person.uuid) == person


def test_episode_alone_makes_a_person_visible(world):
    person = PersonFactory()
    with_episode(world.service_team, person, number=1)
    assert person_get_for_user(user=world.link_worker, person_uuid=person.uuid) == person


@pytest.mark.parametrize(
    "persona", ["outsider", "referrer", "other_referrer", "provider", "volunteer", "commissioner"]
)
def test_others_cannot_see_the_person(world, persona):
    person = on_caseload(world.service_team)
    with pytest.raises(NotFound):
        person_get_for_user(user=getattr(world, persona), person_uuid=person.uuid)


def test_reading_a_person_writes_an_audit_row(world):
    person = on_caseload(world.service_team)
    person_get_for_user(user=world.link_worker, person_uuid=person.uuid)
    event = AuditEvent.objects.get(action="read", person_uuid=person.uuid)
    assert event.actor == world.link_worker


def test_unknown_and_malformed_uuids_are_not_found(world):
    with pytest.raises(NotFound):
        person_get_for_user(user=world.link_worker, person_uuid="not-a-uuid")
    with pytest.raises(NotFound):
        person_get_for_user(
            user=world.link_worker, person_uuid="00000000-0000-0000-0000-000000000000"
        )


def test_list_search_by_name_nhs_number_and_postcode(world):
    aisha = on_caseload(
        world.service_team, given_name="Aisha", family_name="Khan", nhs_number="9434765919"
    )
    on_caseload(world.service_team, given_name="Bob", family_name="Stone", postcode="M1 1AE")
    on_caseload(world.other_team, given_name="Aisha", family_name="Karim")
    user = world.link_worker
    assert list(person_list_for_user(user=user, query="ais kh")) == [aisha]
    assert list(person_list_for_user(user=user, query="943 476 5919")) == [aisha]
    assert [p.family_name for p in person_list_for_user(user=user, query="m11ae")] == ["Stone"]
    assert len(person_list_for_user(user=user)) == 2


def test_list_is_refused_to_roles_without_people_pages(world):
    for persona in ("referrer", "provider", "volunteer", "commissioner"):
        with pytest.raises(Forbidden):
            person_list_for_user(user=getattr(world, persona))


def test_merged_records_leave_lists_and_resolve_to_the_survivor(world):
    keep = on_caseload(world.service_team, given_name="Jon", family_name="Ray", date_of_birth=DOB)
    merge = on_caseload(world.service_team, given_name="John", family_name="Ray", date_of_birth=DOB)
    person_merge(keep=keep, merge=merge, actor=world.link_worker)
    assert list(person_list_for_user(user=world.link_worker)) == [keep]
    assert list(person_list_for_user(user=world.link_worker, query="ray")) == [keep]
    assert person_get_for_user(user=world.link_worker, person_uuid=merge.uuid) == keep
    assert person_find_duplicates(given_name="John", family_name="Ray", date_of_birth=DOB) == [
        m
        for m in person_find_duplicates(given_name="John", family_name="Ray", date_of_birth=DOB)
        if m.person == keep
    ]


def test_history_shows_only_the_users_teams(world):
    person = on_caseload(world.service_team)
    ReferralFactory(person=person, team=world.other_team)
    with_episode(world.other_team, person, number=1)
    with_episode(world.service_team, person, number=2)
    referrals = person_referrals_for_user(user=world.link_worker, person=person)
    assert [r.team for r in referrals] == [world.service_team]
    episodes = person_episodes_for_user(user=world.link_worker, person=person)
    assert [e.number for e in episodes] == [2]


def test_find_duplicates_by_nhs_number(world):
    person = PersonFactory(nhs_number="9434765919")
    (match,) = person_find_duplicates(nhs_number="943 476 5919")
    assert match.person == person
    assert match.score == 1.0
    assert match.reason == "same NHS number"


@pytest.mark.parametrize(
    ("given", "family", "postcode", "reason"),
    [
        ("Jonathon", "Smyth", "", "same date of birth, similar name"),
        ("Jon", "Smith", "LS6 1AB", "same date of birth, similar name, same postcode"),
        ("Jonathan", "Smith", "", "same date of birth, same name"),
        (
            "Smith",
            "Jonathan",
            "",
            "same date of birth, same name with given and family names swapped",
        ),
        ("Peter", "Smith", "ls6 1ab", "same date of birth, same family name, same postcode"),
    ],
)
def test_find_duplicates_by_birth_name_and_postcode(world, given, family, postcode, reason):
    person = PersonFactory(
        given_name="Jonathan", family_name="Smith", date_of_birth=DOB, postcode="LS6 1AB"
    )
    (match,) = person_find_duplicates(
        given_name=given, family_name=family, date_of_birth=DOB, postcode=postcode
    )
    assert match.person == person
    assert match.reason == reason
    assert 0 < match.score < 1


def test_no_match_for_different_people(world):
    PersonFactory(given_name="Jonathan", family_name="Smith", date_of_birth=DOB, postcode="LS6 1AB")
    assert person_find_duplicates(given_name="Mary", family_name="Patel", date_of_birth=DOB) == []
    assert (
        person_find_duplicates(
            given_name="Jonathan", family_name="Smith", date_of_birth=DOB + dt.timedelta(days=1)
        )
        == []
    )


def test_different_nhs_numbers_are_never_the_same_person(world):
    PersonFactory(
        given_name="Jonathan", family_name="Smith", date_of_birth=DOB, nhs_number="9434765919"
    )
    assert (
        person_find_duplicates(
            nhs_number="4010232137", given_name="Jonathan", family_name="Smith", date_of_birth=DOB
        )
        == []
    )


def test_find_duplicates_excludes_the_person_and_respects_the_limit(world):
    people = [
        PersonFactory(given_name="Ann", family_name="Lee", date_of_birth=DOB) for _ in range(4)
    ]
    matches = person_find_duplicates(
        given_name="Ann", family_name="Lee", date_of_birth=DOB, exclude_id=people[0].pk, limit=2
    )
    assert len(matches) == 2
    assert people[0] not in [m.person for m in matches]
    by_uuid = person_find_duplicates(
        given_name="Ann", family_name="Lee", date_of_birth=DOB, exclude_id=people[0].uuid
    )
    assert people[0] not in [m.person for m in by_uuid]


def test_duplicate_list_needs_both_records_visible(world):
    a = on_caseload(world.service_team, given_name="Jon", family_name="Ray", date_of_birth=DOB)
    b = on_caseload(world.service_team, given_name="John", family_name="Ray", date_of_birth=DOB)
    c = on_caseload(world.other_team, given_name="Johnny", family_name="Ray", date_of_birth=DOB)
    person_flag_duplicates(person=a)
    person_flag_duplicates(person=c)
    mine = duplicate_list_for_user(user=world.link_worker)
    assert [{p.person, p.other} for p in mine] == [{a, b}]
    theirs = duplicate_list_for_user(user=world.outsider)
    assert list(theirs) == []
    with pytest.raises(Forbidden):
        duplicate_list_for_user(user=world.referrer)
