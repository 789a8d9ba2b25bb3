"""Finding a person for a referral: exact matches only, minimal details, audited, capped."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from linkwell.audit.models import AuditEvent
from linkwell.common.errors import Forbidden, NotFound
from linkwell.people.finding import (
    LOOKUP_OBJECT_TYPE,
    MAX_FOUND,
    FoundPerson,
    TooManyLookups,
    person_chosen_for_referral,
    person_find_for_referral,
)
from linkwell.people.services import person_merge
from linkwell.people.tests.factories import PersonFactory

pytestmark = pytest.mark.django_db

DOB = dt.date(1984, 5, 17)
NHS = "4857773457"


@pytest.fixture
def sam(db):
    return PersonFactory(
        given_name="Sam",
        family_name="Okafor",
        preferred_name="Sammy",
        date_of_birth=DOB,
        postcode="LS6 1AB",
        nhs_number=NHS,
        phone="07700 900999",
        email="sam@example.org",
    )


def test_an_exact_nhs_number_finds_the_person_with_minimal_details(world, sam):
    result = person_find_for_referral(user=world.referrer, nhs_number="485 777 3457")
    assert result.by == "nhs_number"
    [found] = result.people
    assert (found.uuid, found.name, found.date_of_birth) == (sam.uuid, "Sam Okafor", DOB)
    assert found.postcode_district == "LS6"
    # Only what tells two people apart: no contact details, full postcode or NHS number.
    shown = {name for name in FoundPerson.__dataclass_fields__ if name != "token"}
    assert shown == {"uuid", "given_name", "family_name", "date_of_birth", "postcode_district"}


def test_name_and_date_of_birth_find_the_person_whatever_the_case_or_spacing(world, sam):
    result = person_find_for_referral(
        user=world.referrer, given_name=" sam ", family_name="OKAFOR", date_of_birth=DOB
    )
    assert [p.uuid for p in result.people] == [sam.uuid]
    by_preferred = person_find_for_referral(
        user=world.referrer, given_name="Sammy", family_name="Okafor", date_of_birth=DOB
    )
    assert [p.uuid for p in by_preferred.people] == [sam.uuid]


def test_a_postcode_narrows_a_name_and_date_of_birth_search(world, sam):
    namesake = PersonFactory(
        given_name="Sam", family_name="Okafor", date_of_birth=DOB, postcode="LS8 2DE"
    )
    both = person_find_for_referral(
        user=world.referrer, given_name="Sam", family_name="Okafor", date_of_birth=DOB
    )
    assert {p.uuid for p in both.people} == {sam.uuid, namesake.uuid}
    narrowed = person_find_for_referral(
        user=world.referrer,
        given_name="Sam",
        family_name="Okafor",
        date_of_birth=DOB,
        postcode="ls8 2de",
    )
    assert [p.uuid for p in narrowed.people] == [namesake.uuid]


def test_near_misses_are_not_shown(world, sam):
    for query in (
        {"given_name": "Sa", "family_name": "Okafor", "date_of_birth": DOB},
        {"given_name": "Sam", "family_name": "Okafo", "date_of_birth": DOB},
        {"given_name": "Sam", "family_name": "Okafor", "date_of_birth": dt.date(1984, 5, 18)},
        {"given_name": "Sam", "family_name": "Okafor", "date_of_birth": DOB, "postcode": "LS6 1AD"},
        {"nhs_number": "9434765919"},  # a valid number of someone else
    ):
        assert person_find_for_referral(user=world.referrer, **query).people == []


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"nhs_number": "485 777"}, "nhs_number"),
        ({"nhs_number": "4857773456"}, "nhs_number"),  # wrong check digit
        ({"family_name": "Okafor"}, "given_name"),
        ({"given_name": "Sam", "family_name": "Okafor"}, "date_of_birth"),
        ({"given_name": "Sam", "date_of_birth": DOB}, "family_name"),
        ({"postcode": "LS6 1AB"}, "nhs_number"),
        ({}, "nhs_number"),
    ],
)
def test_partial_queries_are_refused_and_look_nothing_up(world, sam, query, field):
    with pytest.raises(ValidationError) as caught:
        person_find_for_referral(user=world.referrer, **query)
    assert field in caught.value.message_dict
    assert not AuditEvent.objects.filter(object_type=LOOKUP_OBJECT_TYPE).exists()


@pytest.mark.parametrize("persona", ["provider", "volunteer", "commissioner", "admin"])
def test_roles_that_do_not_refer_cannot_look_people_up(world, sam, persona):
    with pytest.raises(Forbidden):
        person_find_for_referral(user=getattr(world, persona), nhs_number=NHS)
    assert not AuditEvent.objects.filter(object_type=LOOKUP_OBJECT_TYPE).exists()


def test_every_lookup_is_audited_without_the_values_typed(world, sam):
    person_find_for_referral(user=world.referrer, nhs_number=NHS)
    person_find_for_referral(
        user=world.referrer, given_name="Nobody", family_name="Here", date_of_birth=DOB
    )
    lookups = list(AuditEvent.objects.filter(object_type=LOOKUP_OBJECT_TYPE).order_by("id"))
    assert [(e.actor_id, e.detail["by"], e.detail["found"]) for e in lookups] == [
        (world.referrer.pk, "nhs_number", 1),
        (world.referrer.pk, "name_and_date_of_birth", 0),
    ]
    assert NHS not in str([e.detail for e in lookups])
    assert "Nobody" not in str([e.detail for e in lookups])
    # The person shown has a read row of their own: "who looked at Sam's record?"
    reads = AuditEvent.objects.filter(person_uuid=sam.uuid, action="read")
    assert [(r.actor_id, r.detail) for r in reads] == [(world.referrer.pk, {"via": "find"})]


def test_more_than_a_handful_of_namesakes_shows_none_until_narrowed(world):
    for i in range(MAX_FOUND + 1):
        PersonFactory(
            given_name="John", family_name="Smith", date_of_birth=DOB, postcode=f"LS{i + 1} 1AB"
        )
    result = person_find_for_referral(
        user=world.referrer, given_name="John", family_name="Smith", date_of_birth=DOB
    )
    assert result.too_many and result.people == []
    narrowed = person_find_for_referral(
        user=world.referrer,
        given_name="John",
        family_name="Smith",
        date_of_birth=DOB,
        postcode="LS3 1AB",
    )
    assert [p.postcode_district for p in narrowed.people] == ["LS3"]


def test_lookups_are_capped_per_user_per_hour(world, sam, settings):
    settings.LINKWELL = {**settings.LINKWELL, "REFERRER_FIND_LIMIT_PER_HOUR": 2}
    for _ in range(2):
        person_find_for_referral(user=world.referrer, nhs_number=NHS)
    with pytest.raises(TooManyLookups):
        person_find_for_referral(user=world.referrer, nhs_number=NHS)
    # Another user's cap is their own.
    assert person_find_for_referral(user=world.other_referrer, nhs_number=NHS).people


def test_a_merged_record_leads_to_the_survivor(world, sam):
    old = PersonFactory(given_name="Samuel", family_name="Okafor", date_of_birth=DOB)
    person_merge(keep=sam, merge=old, actor=world.admin)
    [found] = person_find_for_referral(
        user=world.referrer, given_name="Samuel", family_name="Okafor", date_of_birth=DOB
    ).people
    assert (found.uuid, found.name) == (sam.uuid, "Sam Okafor")


def test_the_chosen_person_needs_the_users_own_fresh_token(world, sam):
    [found] = person_find_for_referral(user=world.referrer, nhs_number=NHS).people
    assert person_chosen_for_referral(user=world.referrer, token=found.token) == sam
    with pytest.raises(NotFound):
        person_chosen_for_referral(user=world.other_referrer, token=found.token)
    with pytest.raises(NotFound):
        person_chosen_for_referral(user=world.referrer, token=found.token[:-2] + "xx")
    with pytest.raises(NotFound):
        person_chosen_for_referral(user=world.referrer, token=str(sam.uuid))
    with pytest.raises(Forbidden):
        person_chosen_for_referral(user=world.provider, token=found.token)


def test_a_token_older_than_an_hour_has_expired(world, sam, monkeypatch):
    [found] = person_find_for_referral(user=world.referrer, nhs_number=NHS).people
    import time

    real = time.time
    monkeypatch.setattr(time, "time", lambda: real() + 61 * 60)
    with pytest.raises(NotFound):
        person_chosen_for_referral(user=world.referrer, token=found.token)
