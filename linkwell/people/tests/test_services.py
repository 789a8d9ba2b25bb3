import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from linkwell.audit.models import AuditEvent
from linkwell.cases.models import Episode
from linkwell.common.errors import Conflict
from linkwell.people.models import (
    Consent,
    ConsentMethod,
    ConsentPurpose,
    DuplicateStatus,
    EthnicCategory,
    Person,
    PossibleDuplicate,
)
from linkwell.people.selectors import consent_in_force, consents_in_force
from linkwell.people.services import (
    consent_record,
    duplicate_keep_apart,
    person_create,
    person_flag_duplicates,
    person_merge,
    person_update,
)
from linkwell.people.tests.factories import PersonFactory
from linkwell.people.tests.helpers import on_caseload, with_episode
from linkwell.referrals.models import Referral

pytestmark = pytest.mark.django_db

DOB = dt.date(1984, 5, 17)


def test_person_create_normalises_and_audits(world):
    person = person_create(
        actor=world.link_worker,
        given_name="  Aisha ",
        family_name="Khan",
        nhs_number="943 476 5919",
        postcode="ls61ab",
        date_of_birth=DOB,
    )
    assert person.nhs_number == "9434765919"
    assert person.postcode == "LS6 1AB"
    assert person.given_name == "Aisha"
    event = AuditEvent.objects.filter(action="create", object_type="Person").get()
    assert event.person_uuid == person.uuid
    assert event.actor == world.link_worker
    assert "9434765919" not in str(event.detail)


def test_person_create_with_bad_input_changes_nothing(world):
    with pytest.raises(ValidationError) as exc:
        person_create(
            actor=world.link_worker,
            given_name="Aisha",
            family_name="Khan",
            nhs_number="943 476 5918",
            postcode="nowhere",
        )
    assert set(exc.value.message_dict) == {"nhs_number", "postcode"}
    assert not Person.objects.exists()
    assert not AuditEvent.objects.filter(action="create").exists()


def test_person_create_refuses_unknown_fields_and_future_birth(world):
    with pytest.raises(ValidationError, match="not fields of a person"):
        person_create(actor=world.link_worker, given_name="A", family_name="B", shoe_size=9)
    with pytest.raises(ValidationError, match="cannot be in the future"):
        person_create(
            actor=world.link_worker,
            given_name="A",
            family_name="B",
            date_of_birth=timezone.localdate() + dt.timedelta(days=1),
        )
    assert not Person.objects.exists()


def test_person_update_audits_field_names_not_values(world):
    person = PersonFactory(phone="07700 900001")
    person_update(person=person, actor=world.link_worker, phone="07700 900999", postcode="m11ae")
    person.refresh_from_db()
    assert person.phone == "07700 900999"
    assert person.postcode == "M1 1AE"
    event = AuditEvent.objects.get(action="update", object_type="Person")
    assert event.detail == {"fields": ["phone", "postcode"]}
    assert "900999" not in str(event.detail)


def test_person_update_without_changes_writes_nothing(world):
    person = PersonFactory()
    person_update(person=person, actor=world.link_worker, phone=person.phone)
    assert not AuditEvent.objects.filter(action="update").exists()


def test_person_update_refuses_a_blank_name(world):
    person = PersonFactory(family_name="Khan")
    with pytest.raises(ValidationError):
        person_update(person=person, actor=world.link_worker, family_name="  ")
    person.refresh_from_db()
    assert person.family_name == "Khan"


def test_consent_withdrawal_makes_consent_not_in_force(world):
    person = PersonFactory()
    assert not consent_in_force(person=person, purpose=ConsentPurpose.SHARE_WITH_GP)
    consent_record(
        person=person,
        purpose=ConsentPurpose.SHARE_WITH_GP,
        given=True,
        actor=world.link_worker,
        method=ConsentMethod.VERBAL,
    )
    assert consent_in_force(person=person, purpose=ConsentPurpose.SHARE_WITH_GP)
    consent_record(
        person=person,
        purpose=ConsentPurpose.SHARE_WITH_GP,
        given=False,
        actor=world.link_worker,
        method=ConsentMethod.WRITTEN,
        note="Asked us to stop writing to the surgery.",
    )
    assert not consent_in_force(person=person, purpose=ConsentPurpose.SHARE_WITH_GP)
    assert consents_in_force(person=person)[ConsentPurpose.SHARE_WITH_GP] is False
    assert AuditEvent.objects.filter(object_type="Consent", person_uuid=person.uuid).count() == 2


def test_newest_consent_wins_even_when_recorded_out_of_order(world):
    person = PersonFactory()
    now = timezone.now()
    consent_record(
        person=person,
        purpose=ConsentPurpose.CONTACT_SMS,
        given=True,
        actor=world.link_worker,
        method=ConsentMethod.ONLINE,
        recorded_at=now - dt.timedelta(hours=1),
    )
    consent_record(
        person=person,
        purpose=ConsentPurpose.CONTACT_SMS,
        given=False,
        actor=world.link_worker,
        method=ConsentMethod.VERBAL,
        recorded_at=now - dt.timedelta(days=2),
    )
    assert consent_in_force(person=person, purpose=ConsentPurpose.CONTACT_SMS)


def test_consent_record_refuses_bad_input(world):
    person = PersonFactory()
    with pytest.raises(ValidationError) as exc:
        consent_record(
            person=person,
            purpose="share_with_everyone",
            given=True,
            actor=world.link_worker,
            method="telepathy",
            recorded_at=timezone.now() + dt.timedelta(days=1),
        )
    assert set(exc.value.message_dict) == {"purpose", "method", "recorded_at"}
    assert not Consent.objects.exists()


def test_same_nhs_number_is_flagged_once_per_pair(world):
    first = PersonFactory(nhs_number="9434765919")
    second = person_create(
        actor=world.link_worker, given_name="Someone", family_name="Else", nhs_number="9434765919"
    )
    pairs = PossibleDuplicate.objects.all()
    assert pairs.count() == 1
    pair = pairs.get()
    assert {pair.person, pair.other} == {first, second}
    assert pair.reason == "same NHS number"
    # Running the check again, from either side, stores nothing new.
    assert person_flag_duplicates(person=second) == [pair]
    assert person_flag_duplicates(person=first) == [pair]
    assert PossibleDuplicate.objects.count() == 1


def test_close_name_and_date_of_birth_are_flagged(world):
    PersonFactory(given_name="Katherine", family_name="Smith", date_of_birth=DOB, postcode="")
    person = person_create(
        actor=world.link_worker,
        given_name="Kathryn",
        family_name="Smyth",
        date_of_birth=DOB,
        postcode="LS6 1AB",
    )
    (pair,) = PossibleDuplicate.objects.all()
    assert pair.reason == "same date of birth, similar name"
    assert person in (pair.person, pair.other)


def test_kept_apart_pair_is_not_raised_again(world):
    a = PersonFactory(given_name="Jon", family_name="Brown", date_of_birth=DOB)
    b = PersonFactory(given_name="John", family_name="Brown", date_of_birth=DOB)
    (pair,) = person_flag_duplicates(person=b, actor=world.link_worker)
    duplicate_keep_apart(duplicate=pair, actor=world.link_worker)
    assert person_flag_duplicates(person=a) == []
    assert person_flag_duplicates(person=b) == []
    pair.refresh_from_db()
    assert pair.status == DuplicateStatus.KEPT_APART
    assert pair.resolved_by == world.link_worker
    with pytest.raises(Conflict):
        duplicate_keep_apart(duplicate=pair, actor=world.link_worker)


def _pair(world, **overrides):
    keep = on_caseload(
        world.service_team,
        given_name="Jon",
        family_name="Brown",
        date_of_birth=DOB,
        email="",
        nhs_number="",
        ethnic_category=EthnicCategory.NOT_KNOWN,
    )
    merge = on_caseload(
        world.service_team,
        given_name="John",
        family_name="Brown",
        date_of_birth=DOB,
        email="john.brown@example.org",
        nhs_number="9434765919",
        ethnic_category=EthnicCategory.A,
        **overrides,
    )
    return keep, merge


def test_merge_keeps_all_history(world):
    keep, merge = _pair(world)
    (pair,) = person_flag_duplicates(person=merge, actor=world.link_worker)
    with_episode(
        world.service_team, keep, number=1, opened_at=timezone.now() - dt.timedelta(days=90)
    )
    with_episode(
        world.service_team, merge, number=1, opened_at=timezone.now() - dt.timedelta(days=400)
    )
    with_episode(
        world.service_team, merge, number=2, opened_at=timezone.now() - dt.timedelta(days=10)
    )
    consent_record(
        person=merge,
        purpose=ConsentPurpose.SUPPORT,
        given=True,
        actor=world.link_worker,
        method=ConsentMethod.VERBAL,
    )
    survivor = person_merge(keep=keep, merge=merge, actor=world.link_worker)

    assert survivor.pk == keep.pk
    assert Referral.objects.filter(person=keep).count() == 2
    assert not Referral.objects.filter(person=merge).exists()
    episodes = list(Episode.objects.filter(person=keep).order_by("opened_at"))
    assert [e.number for e in episodes] == [1, 2, 3]
    assert consent_in_force(person=keep, purpose=ConsentPurpose.SUPPORT)
    merge.refresh_from_db()
    keep.refresh_from_db()
    assert merge.merged_into == keep
    # Blank fields of the kept record are filled from the merged one.
    assert keep.email == "john.brown@example.org"
    assert keep.nhs_number == "9434765919"
    assert keep.ethnic_category == EthnicCategory.A
    assert keep.given_name == "Jon"
    pair.refresh_from_db()
    assert pair.status == DuplicateStatus.MERGED
    events = AuditEvent.objects.filter(action="merge")
    assert {e.person_uuid for e in events} == {keep.uuid, merge.uuid}


def test_merge_carries_other_duplicate_flags_over(world):
    keep, merge = _pair(world)
    third = PersonFactory(given_name="Johnny", family_name="Brown", date_of_birth=DOB)
    person_flag_duplicates(person=merge)
    person_merge(keep=keep, merge=merge, actor=world.link_worker)
    open_pairs = PossibleDuplicate.objects.filter(status=DuplicateStatus.OPEN)
    assert all(merge.pk not in (p.person_id, p.other_id) for p in open_pairs)
    assert (
        open_pairs.filter(person=keep, other=third).exists()
        or open_pairs.filter(person=third, other=keep).exists()
    )
    for pair in PossibleDuplicate.objects.all():
        assert pair.person_id < pair.other_id


def test_merge_refuses_different_nhs_numbers_and_changes_nothing(world):
    keep, merge = _pair(world)
    person_update(person=keep, actor=world.link_worker, nhs_number="4010232137")
    with pytest.raises(Conflict, match="different NHS numbers"):
        person_merge(keep=keep, merge=merge, actor=world.link_worker)
    merge.refresh_from_db()
    assert merge.merged_into is None
    assert Referral.objects.filter(person=merge).count() == 1


def test_merge_refuses_self_and_already_merged(world):
    keep, merge = _pair(world)
    with pytest.raises(ValidationError):
        person_merge(keep=keep, merge=keep, actor=world.link_worker)
    person_merge(keep=keep, merge=merge, actor=world.link_worker)
    with pytest.raises(Conflict, match="already been merged"):
        person_merge(keep=merge, merge=keep, actor=world.link_worker)
    with pytest.raises(Conflict):
        person_update(person=Person.objects.get(pk=merge.pk), actor=world.link_worker, phone="1")


@pytest.mark.parametrize("decile", [0, 11])
def test_a_deprivation_decile_outside_1_to_10_is_refused_and_nothing_is_saved(world, decile):
    with pytest.raises(ValidationError) as caught:
        person_create(
            actor=world.link_worker, given_name="Ann", family_name="Lee", deprivation_decile=decile
        )
    assert "deprivation_decile" in caught.value.message_dict
    assert not Person.objects.exists()
    assert (
        person_create(
            actor=world.link_worker, given_name="Ann", family_name="Lee", deprivation_decile="7"
        ).deprivation_decile
        == 7
    )
