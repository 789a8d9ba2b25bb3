import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from linkwell.common.working_days import add_working_days, is_working_day, working_days_between

D = dt.date


def test_weekend_is_skipped():
    friday = D(2026, 11, 20)
    assert add_working_days(friday, 1) == D(2026, 11, 23)  # Monday


def test_ten_working_days_from_an_ordinary_monday_is_two_weeks_later():
    assert add_working_days(D(2026, 11, 2), 10) == D(2026, 11, 16)


def test_christmas_and_boxing_day_are_skipped():
    # 2025: Christmas Thursday, Boxing Day Friday.
    assert add_working_days(D(2025, 12, 24), 1) == D(2025, 12, 29)


def test_substitute_boxing_day_is_skipped_when_boxing_day_falls_on_a_saturday():
    # 2026: Christmas Friday, Boxing Day Saturday, so Monday 28 December is the substitute day.
    assert not is_working_day(D(2026, 12, 28))
    assert add_working_days(D(2026, 12, 24), 1) == D(2026, 12, 29)


def test_new_year_is_skipped_across_the_year_boundary():
    assert add_working_days(D(2026, 12, 31), 1) == D(2027, 1, 4)


def test_easter_good_friday_and_monday_are_skipped():
    # 2026: Good Friday 3 April, Easter Monday 6 April.
    assert add_working_days(D(2026, 4, 2), 1) == D(2026, 4, 7)
    assert working_days_between(D(2026, 4, 2), D(2026, 4, 7)) == 1


def test_ten_working_days_over_christmas_2026():
    # Working days after 21 Dec 2026: 22, 23, 24, 29, 30, 31 Dec, 4, 5, 6, 7 Jan.
    assert add_working_days(D(2026, 12, 21), 10) == D(2027, 1, 7)
    assert working_days_between(D(2026, 12, 21), D(2027, 1, 7)) == 10


def test_scottish_only_holidays_are_working_days():
    # 2 January is a bank holiday in Scotland, not in England and Wales.
    assert is_working_day(D(2026, 1, 2))


def test_zero_days_is_the_start_itself():
    saturday = D(2026, 11, 21)
    assert add_working_days(saturday, 0) == saturday
    assert working_days_between(saturday, saturday) == 0


def test_from_a_weekend_the_next_working_day_is_day_one():
    assert add_working_days(D(2026, 11, 21), 1) == D(2026, 11, 23)
    assert working_days_between(D(2026, 11, 21), D(2026, 11, 23)) == 1


def test_between_is_negative_when_end_is_before_start():
    assert working_days_between(D(2026, 11, 16), D(2026, 11, 2)) == -10


def test_going_backwards():
    assert add_working_days(D(2026, 11, 23), -1) == D(2026, 11, 20)


dates = st.dates(min_value=D(2020, 1, 1), max_value=D(2035, 12, 31))


@given(start=dates, n=st.integers(min_value=0, max_value=60))
def test_between_inverts_add(start, n):
    end = add_working_days(start, n)
    assert working_days_between(start, end) == n
    assert n == 0 or is_working_day(end)


@given(a=dates, b=dates, c=dates)
def test_between_is_additive(a, b, c):
    assert working_days_between(a, c) == working_days_between(a, b) + working_days_between(b, c)
