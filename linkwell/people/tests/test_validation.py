import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from linkwell.people.validation import (
    format_nhs_number,
    nhs_check_digit,
    nhs_number_is_valid,
    normalise_nhs_number,
    normalise_postcode,
)

nine_digits = st.text(alphabet="0123456789", min_size=9, max_size=9)


@st.composite
def valid_nhs_numbers(draw):
    first_nine = draw(nine_digits.filter(lambda d: nhs_check_digit(d) is not None))
    return first_nine + str(nhs_check_digit(first_nine))


def test_known_nhs_number_is_valid():
    assert nhs_number_is_valid("9434765919")
    assert normalise_nhs_number("943 476 5919") == "9434765919"
    assert normalise_nhs_number("943-476-5919") == "9434765919"


def test_empty_nhs_number_stays_empty():
    assert normalise_nhs_number("") == ""
    assert normalise_nhs_number("   ") == ""
    assert not nhs_number_is_valid("")


def test_wrong_check_digit_is_refused_with_a_clear_message():
    with pytest.raises(ValidationError) as exc:
        normalise_nhs_number("943 476 5918")
    assert "943 476 5918 is not a valid NHS number (the check digit does not match)." in (
        exc.value.messages
    )


def test_wrong_length_and_letters_are_refused():
    with pytest.raises(ValidationError, match="must have 10 digits"):
        normalise_nhs_number("94347659")
    with pytest.raises(ValidationError, match="only contain digits"):
        normalise_nhs_number("943476591X")


def test_a_remainder_of_one_means_no_valid_number():
    # 11 - (sum % 11) == 10: no check digit can make these nine digits valid.
    first_nine = next(
        f"{n:09d}" for n in range(100000000, 100001000) if nhs_check_digit(f"{n:09d}") is None
    )
    for last in "0123456789":
        assert not nhs_number_is_valid(first_nine + last)


@given(valid_nhs_numbers())
def test_numbers_with_a_computed_check_digit_are_accepted(number):
    assert nhs_number_is_valid(number)
    assert normalise_nhs_number(number) == number
    assert normalise_nhs_number(format_nhs_number(number)) == number


@given(valid_nhs_numbers(), st.integers(min_value=0, max_value=9), st.integers(1, 9))
def test_changing_one_digit_breaks_the_check(number, position, shift):
    digits = list(number)
    digits[position] = str((int(digits[position]) + shift) % 10)
    changed = "".join(digits)
    # Modulus 11 catches every single-digit error in the first nine digits; a changed check digit
    # no longer matches.
    assert not nhs_number_is_valid(changed)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("ls61ab", "LS6 1AB"),
        ("LS6 1AB", "LS6 1AB"),
        ("  sw1a  2aa ", "SW1A 2AA"),
        ("m11ae", "M1 1AE"),
        ("ec1a1bb", "EC1A 1BB"),
        ("B338TH", "B33 8TH"),
        ("cr2 6xh", "CR2 6XH"),
        ("dn551pt", "DN55 1PT"),
        ("gir0aa", "GIR 0AA"),
        ("", ""),
    ],
)
def test_postcodes_are_normalised(raw, expected):
    assert normalise_postcode(raw) == expected


@pytest.mark.parametrize("raw", ["LS6", "12345", "LS6 1CB", "QS6 1AB", "hello world", "LS61ABX"])
def test_non_postcodes_are_refused_with_an_example(raw):
    with pytest.raises(
        ValidationError, match="is not a UK postcode. Enter a postcode like LS6 1AB"
    ):
        normalise_postcode(raw)


_AREA = st.sampled_from(["LS", "M", "B", "SW", "EC", "N", "CR", "DN", "W"])
_INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"


@st.composite
def postcodes(draw):
    area = draw(_AREA)
    district = str(draw(st.integers(1, 20 if len(area) == 2 else 9)))
    inward = (
        str(draw(st.integers(0, 9)))
        + draw(st.sampled_from(_INWARD_LETTERS))
        + draw(st.sampled_from(_INWARD_LETTERS))
    )
    return f"{area}{district}{inward}"


@st.composite
def respaced_and_recased(draw, value):
    out = []
    for ch in value:
        out.append(" " * draw(st.integers(0, 2)))
        out.append(ch.lower() if draw(st.booleans()) else ch.upper())
    return "".join(out)


@given(postcodes())
def test_postcode_normalisation_is_idempotent(code):
    once = normalise_postcode(code)
    assert normalise_postcode(once) == once
    assert once.count(" ") == 1
    assert len(once.split(" ")[1]) == 3


@given(postcodes().flatmap(lambda c: st.tuples(st.just(c), respaced_and_recased(c))))
def test_postcode_normalisation_ignores_case_and_spaces(pair):
    code, variant = pair
    assert normalise_postcode(variant) == normalise_postcode(code)
