"""NHS number and UK postcode checks, shared by every form, API and import that takes them.

An empty value stays empty: both are optional on a person's record. Anything else is either
normalised (NHS number: 10 digits; postcode: upper case with one space before the inward code)
or refused with a message a receptionist can act on.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError

# NHS numbers are often written "943 476 5919" or "943-476-5919".
_NHS_SEPARATORS = re.compile(r"[\s\-]+")
# Modulus 11 (NHS Data Dictionary, NHS NUMBER): weights 10..2 on the first nine digits.
_NHS_WEIGHTS = (10, 9, 8, 7, 6, 5, 4, 3, 2)

# UK postcode shapes (Royal Mail PAF / BS 7666): outward code A9, A99, AA9, AA99, A9A or AA9A,
# then an inward code 9AA whose letters are never C, I, K, M, O or V. GIR 0AA is the one exception.
_OUTWARD = (
    r"(?:[A-PR-UWYZ][0-9][0-9]?"
    r"|[A-PR-UWYZ][A-HK-Y][0-9][0-9]?"
    r"|[A-PR-UWYZ][0-9][A-HJKPSTUW]"
    r"|[A-PR-UWYZ][A-HK-Y][0-9][ABEHMNPRVWXY])"
)
_INWARD = r"[0-9][ABD-HJLNP-UW-Z]{2}"
_POSTCODE = re.compile(rf"^(?:{_OUTWARD}{_INWARD}|GIR0AA)$")
_POSTCODE_EXAMPLE = "LS6 1AB"


def nhs_check_digit(first_nine: str) -> int | None:
    """The check digit for nine digits, or None when no tenth digit makes a valid number."""
    total = sum(int(d) * w for d, w in zip(first_nine, _NHS_WEIGHTS, strict=True))
    check = 11 - (total % 11)
    if check == 11:
        return 0
    if check == 10:
        return None
    return check


def _strip_nhs(value: str) -> str:
    return _NHS_SEPARATORS.sub("", value or "")


def nhs_number_is_valid(value: str) -> bool:
    """True for a 10-digit NHS number (spaces or dashes allowed) whose check digit matches."""
    digits = _strip_nhs(value)
    if len(digits) != 10 or not digits.isascii() or not digits.isdigit():
        return False
    return nhs_check_digit(digits[:9]) == int(digits[9])


def normalise_nhs_number(value: str) -> str:
    """Return the 10 digits of an NHS number, or "" for an empty value.

    Raises ValidationError (code ``invalid_nhs_number``) naming what is wrong.
    """
    raw = (value or "").strip()
    if not raw:
        return ""
    digits = _strip_nhs(raw)
    if not digits.isascii() or not digits.isdigit():
        raise ValidationError(
            "%(value)s is not a valid NHS number (it can only contain digits, spaces and dashes).",
            params={"value": raw},
            code="invalid_nhs_number",
        )
    if len(digits) != 10:
        raise ValidationError(
            "%(value)s is not a valid NHS number (it must have 10 digits, not %(count)s).",
            params={"value": raw, "count": len(digits)},
            code="invalid_nhs_number",
        )
    if not nhs_number_is_valid(digits):
        raise ValidationError(
            "%(value)s is not a valid NHS number (the check digit does not match).",
            params={"value": raw},
            code="invalid_nhs_number",
        )
    return digits


def format_nhs_number(value: str) -> str:
    """The 3-3-4 form people read aloud: "943 476 5919"."""
    if len(value) != 10:
        return value
    return f"{value[:3]} {value[3:6]} {value[6:]}"


def normalise_postcode(value: str) -> str:
    """Return a UK postcode upper-cased with one space before the inward code ("LS6 1AB").

    "" stays "". Raises ValidationError (code ``invalid_postcode``) when the value does not have
    the shape of a UK postcode.
    """
    raw = (value or "").strip()
    if not raw:
        return ""
    compact = "".join(raw.split()).upper()
    if not compact.isascii() or not _POSTCODE.match(compact):
        raise ValidationError(
            "%(value)s is not a UK postcode. Enter a postcode like %(example)s.",
            params={"value": raw, "example": _POSTCODE_EXAMPLE},
            code="invalid_postcode",
        )
    return f"{compact[:-3]} {compact[-3:]}"
