"""Human referral references such as ``LW-7K3D-9QX2``.

Read out over the phone and typed from a letter, so the alphabet leaves out characters people
confuse (0/O, 1/I/L, U/V) and the last character is a check character that catches every single
mistyped character and every swap of neighbouring characters before a lookup is even tried.
"""

from __future__ import annotations

import re
import secrets

ALPHABET = "23456789ABCDEFGHJKMNPQRSTWXYZ"
PREFIX = "LW"
_BODY_LENGTH = 7  # plus one check character: 29**7 ≈ 1.7e10 references
_N = len(ALPHABET)
_INDEX = {c: i for i, c in enumerate(ALPHABET)}
_SHAPE = re.compile(rf"^{PREFIX}-[{ALPHABET}]{{4}}-[{ALPHABET}]{{4}}$")


def check_character(body: str) -> str:
    """The check character: position-weighted sum modulo 29 (a prime, the alphabet's size).

    With weights 1..8 the whole code's weighted sum is 0 mod 29, so any single changed character
    (weight times a non-zero difference) and any swap of neighbours (weights differ by one) leave
    a non-zero remainder: both are always caught.
    """
    total = sum((i + 1) * _INDEX[c] for i, c in enumerate(body))
    weight = len(body) + 1
    # Solve weight * check + total ≡ 0 (mod N); N is prime, so the weight has an inverse.
    return ALPHABET[(-total * pow(weight, -1, _N)) % _N]


def generate_reference() -> str:
    body = "".join(secrets.choice(ALPHABET) for _ in range(_BODY_LENGTH))
    code = body + check_character(body)
    return f"{PREFIX}-{code[:4]}-{code[4:]}"


def normalise_reference(text: str) -> str:
    """Upper-case, spaces and dashes ignored: ``lw 7k3d9qx2`` → ``LW-7K3D-9QX2``. Returns the
    input upper-cased (and so not valid) when it does not have the shape of a reference."""
    compact = re.sub(r"[\s\-]", "", text).upper()
    if compact.startswith(PREFIX):
        compact = compact[len(PREFIX) :]
    if len(compact) != _BODY_LENGTH + 1:
        return text.strip().upper()
    return f"{PREFIX}-{compact[:4]}-{compact[4:]}"


def is_valid_reference(text: str) -> bool:
    if not _SHAPE.match(text):
        return False
    code = text[len(PREFIX) + 1 :].replace("-", "")
    return check_character(code[:-1]) == code[-1]
