"""full_clean_needed: when it says full_clean can be skipped, full_clean passes and changes
nothing, on random values of every field of the models whose checks intake skips."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from linkwell.common.cleaning import full_clean_needed
from linkwell.common.statuses import TaskStatus
from linkwell.people.models import ContactMethod, EthnicCategory, Person, Sex
from linkwell.people.services import person_new
from linkwell.referrals.models import Referral, ReferralSource, Urgency

TEXT = st.one_of(
    st.text(max_size=3),
    # Each side of every length limit of these models.
    st.sampled_from([n * "a" for n in (8, 9, 10, 11, 12, 40, 41, 60, 61, 100, 101, 200, 201)]),
    st.sampled_from(["", "  ", "a\x00b", "English", "someone@example.org", "not an address"]),
)
VALUES = st.one_of(
    st.none(),
    TEXT,
    st.booleans(),
    st.integers(min_value=-5, max_value=40_000),
    st.dates(),
    st.datetimes(timezones=st.just(dt.UTC)),
    st.uuids(),
    st.lists(st.sampled_from(["money", "housing", "x"]), max_size=3),
    st.sampled_from(
        [
            *ContactMethod.values,
            *EthnicCategory.values,
            *Sex.values,
            *TaskStatus.values,
            *ReferralSource.values,
            *Urgency.values,
            TaskStatus.REQUESTED,
            Sex.FEMALE,
            3.5,
            dt.datetime(2020, 1, 1),  # naive
        ]
    ),
)
PERSON_EXCLUDE = ["uuid"]
REFERRAL_EXCLUDE = [
    "uuid",
    "reference",
    "person",
    "team",
    "referring_organisation",
    "referred_by",
]


def _values(instance) -> dict[str, tuple[type, Any]]:
    return {
        field.attname: (type(getattr(instance, field.attname)), getattr(instance, field.attname))
        for field in instance._meta.concrete_fields
    }


def _check(instance, exclude: list[str]) -> None:
    if full_clean_needed(instance, exclude=exclude):
        return
    before = _values(instance)
    try:
        instance.full_clean(exclude=exclude, validate_constraints=False)
    except ValidationError as exc:  # pragma: no cover - a failure of the property
        pytest.fail(f"full_clean refused what full_clean_needed let through: {exc}")
    assert _values(instance) == before


def _person() -> Person:
    return person_new(
        given_name="Priya",
        family_name="Shah",
        date_of_birth=dt.date(1990, 2, 3),
        postcode="ls6 1ab",
        nhs_number="943 476 5919",
        phone="07700 900123",
    ).person


def _referral() -> Referral:
    return Referral(
        reference="LW-2345-6789",
        source=ReferralSource.GP_PRACTICE,
        reason="Isolated since her husband died.",
        suggested_needs=["loneliness", "money"],
        urgency=Urgency.ROUTINE,
        consent_confirmed=True,
        status=TaskStatus.REQUESTED,
        status_changed_at=timezone.now(),
        response_due=dt.date(2026, 12, 9),
    )


def _varied(instance, data, exclude: list[str]):
    """An ordinary instance with one or two of its fields given random values."""
    names = [
        field.attname
        for field in instance._meta.concrete_fields
        if not field.primary_key and field.name not in exclude
    ]
    for name in data.draw(st.lists(st.sampled_from(names), min_size=1, max_size=2)):
        setattr(instance, name, data.draw(VALUES, label=name))
    return instance


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_a_person_let_through_passes_full_clean_unchanged(data):
    _check(_varied(_person(), data, PERSON_EXCLUDE), PERSON_EXCLUDE)


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_a_referral_let_through_passes_full_clean_unchanged(data):
    _check(_varied(_referral(), data, REFERRAL_EXCLUDE), REFERRAL_EXCLUDE)


def test_an_ordinary_intake_skips_both_checks():
    assert not full_clean_needed(_person(), exclude=PERSON_EXCLUDE)
    assert not full_clean_needed(_referral(), exclude=REFERRAL_EXCLUDE)


def test_values_full_clean_would_refuse_or_change_are_left_to_it():
    assert full_clean_needed(Person(given_name="", family_name="Shah"), exclude=PERSON_EXCLUDE)
    assert full_clean_needed(Person(given_name="A" * 101, family_name="B"), exclude=PERSON_EXCLUDE)
    assert full_clean_needed(
        Person(given_name="A", family_name="B", sex="other"), exclude=PERSON_EXCLUDE
    )
    assert full_clean_needed(
        Person(given_name="A", family_name="B", email="a@example.org"), exclude=PERSON_EXCLUDE
    )
    assert full_clean_needed(
        Person(given_name="A", family_name="B", date_of_birth=dt.datetime(1990, 1, 1)),
        exclude=PERSON_EXCLUDE,
    )
    assert full_clean_needed(Person(given_name="A", family_name="B", uuid=uuid.uuid4()))
