"""Properties of the front door's form parsing: the NHS date input and the self-referral traps."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from hypothesis import example, given
from hypothesis import strategies as st

from linkwell.referrals.forms import (
    SELF_REFERRAL_MAX_SECONDS,
    SELF_REFERRAL_MIN_SECONDS,
    DateOfBirthField,
    SelfReferralForm,
    self_referral_token,
)
from linkwell.volunteers.forms import NhsDateField

FIELD = DateOfBirthField()
# Fixed when the module is imported; a run can cross midnight, so tests about the future ask for
# the date again when they run.
TODAY = timezone.localdate()


@given(st.dates(min_value=dt.date(TODAY.year - 119, 1, 1), max_value=TODAY))
def test_any_real_past_date_typed_as_day_month_year_is_read_back(date):
    assert FIELD.clean([str(date.day), str(date.month), str(date.year)]) == date
    # Leading zeros and spaces are fine.
    assert FIELD.clean([f" {date.day:02d}", f"{date.month:02d} ", str(date.year)]) == date


@given(st.lists(st.text(max_size=6), min_size=3, max_size=3))
def test_any_typed_text_gives_a_date_or_a_clear_message_never_a_crash(parts):
    try:
        value = FIELD.clean(parts)
    except ValidationError as exc:
        assert exc.messages and all(m for m in exc.messages)
    else:
        assert isinstance(value, dt.date) and value <= timezone.localdate()


@given(st.lists(st.text(alphabet="0123456789", min_size=1, max_size=30), min_size=3, max_size=3))
@example(["2147483648", "1", "1980"])
@example(["1", "9223372036854775808", "1980"])
@example(["1" * 23, "1", "1980"])
def test_any_digits_in_the_boxes_give_a_date_or_a_clear_message_never_a_crash(parts):
    # A day or month of 2**31 or more was a server error (OverflowError), on the public form too.
    for field in (FIELD, NhsDateField(subject="date of the check")):
        try:
            value = field.clean(parts)
        except ValidationError as exc:
            assert exc.messages and all(m for m in exc.messages)
        else:
            assert isinstance(value, dt.date)
            assert (int(parts[0]), int(parts[1]), int(parts[2])) == (
                value.day,
                value.month,
                value.year,
            )


@given(st.integers(min_value=1, max_value=(dt.date(9999, 12, 30) - TODAY).days))
def test_a_future_date_is_refused(days_ahead):
    date = timezone.localdate() + dt.timedelta(days=days_ahead)
    with pytest.raises(ValidationError, match="must be in the past"):
        FIELD.clean([str(date.day), str(date.month), str(date.year)])


def test_a_missing_part_is_named():
    with pytest.raises(ValidationError, match="must include a month"):
        FIELD.clean(["3", "", "1984"])
    with pytest.raises(ValidationError, match="Enter your date of birth"):
        FIELD.clean(["", "", ""])


def _trap_errors(seconds_ago: float) -> list[str]:
    now = time.time()
    form = SelfReferralForm(
        {"form_token": self_referral_token(issued_at=now - seconds_ago)}, now=now
    )
    form.is_valid()
    return [str(e) for e in form.non_field_errors()]


@given(st.floats(min_value=SELF_REFERRAL_MIN_SECONDS, max_value=SELF_REFERRAL_MAX_SECONDS))
def test_a_form_sent_between_three_seconds_and_two_hours_passes_the_timing_trap(seconds):
    assert _trap_errors(seconds) == []


@given(st.floats(min_value=-3600, max_value=SELF_REFERRAL_MIN_SECONDS - 0.01))
def test_a_form_sent_too_fast_is_refused(seconds):
    assert _trap_errors(seconds) == [SelfReferralForm.TOO_FAST]


@given(st.floats(min_value=SELF_REFERRAL_MAX_SECONDS + 0.01, max_value=10 * 24 * 3600))
def test_a_form_sent_too_late_is_refused(seconds):
    assert _trap_errors(seconds) == [SelfReferralForm.TOO_OLD]


@pytest.mark.django_db
@pytest.mark.parametrize("value", ["2", "not-a-uuid", "12345678-1234-1234-1234-12345678901z"])
def test_a_choice_that_is_not_a_uuid_gets_the_fields_own_message(world, value):
    # Django's own field answered with the model field's message: "“2” is not a valid UUID."
    from linkwell.groups.forms import ProgrammeForm
    from linkwell.referrals.forms import AssignForm

    form = AssignForm({"link_worker": value}, team=world.service_team)
    assert not form.is_valid()
    assert form.errors["link_worker"] == ["Select a link worker from this team"]
    programme = ProgrammeForm({"provider": value})
    assert not programme.is_valid()
    assert programme.errors["provider"] == [
        "Select a valid choice. That choice is not one of the available choices."
    ]
