"""The extract's bulk paths give what the one-at-a-time definitions give: the pseudonymiser
against ``pseudonym``, suppression over value lists against the rule applied to dicts, and the
ethnic group computed by the database against ``ethnic_group``."""

from __future__ import annotations

import random
import uuid
from collections import Counter

import pytest
from django.conf import settings
from django.test import override_settings

from linkwell.people.models import Person
from linkwell.reports.selectors import EXTRACT_HEADERS, ethnic_group, pseudonym
from linkwell.reports.selectors.extract import (
    QUASI_IDENTIFIERS,
    SUPPRESSED_VALUE,
    _pseudonymiser,
    _suppress_rare,
    _uuid_bytes,
)
from linkwell.reports.selectors.scope import _ETHNIC_CODE_GROUP, ethnic_group_case


@pytest.mark.parametrize("length", [0, 1, 20, 63, 64, 65, 200])
def test_pseudonymiser_matches_pseudonym_for_keys_of_every_length(length):
    key = "".join(random.Random(length).choice("abcdefé0123") for _ in range(length))
    with override_settings(LINKWELL={**settings.LINKWELL, "PSEUDONYM_KEY": key}):
        sign = _pseudonymiser()
        for person in [uuid.UUID(int=0), *(uuid.uuid4() for _ in range(50))]:
            assert sign(person.bytes) == pseudonym(person)
            assert sign(_uuid_bytes(person.hex)) == pseudonym(person)
            assert sign(_uuid_bytes(person)) == pseudonym(person)


def _suppress_dicts(rows):
    """The rule as first written, one dict per row."""
    for fields_, blanked in (
        (QUASI_IDENTIFIERS, ("ethnic_group", "deprivation_decile")),
        (("age_band", "sex"), ("age_band", "sex")),
    ):
        keys = [tuple(r[f] for f in fields_) for r in rows]
        counts = Counter(keys)
        for r, key in zip(rows, keys, strict=True):
            if counts[key] < 5:
                for f in blanked:
                    r[f] = SUPPRESSED_VALUE


@pytest.mark.parametrize("seed", range(5))
def test_suppression_over_value_lists_matches_the_rule_on_dicts(seed):
    rng = random.Random(seed)
    records = []
    for i in range(rng.randrange(0, 400)):
        record = [f"p{i}"] + [None] * (len(EXTRACT_HEADERS) - 1)
        values = {
            "age_band": rng.choice(["18-24", "25-34", "75+", "unknown"]),
            "sex": rng.choice(["female", "male", "unknown"]),
            "ethnic_group": rng.choice(["white", "asian", "black", "other"]),
            "deprivation_decile": rng.choice(["", 1, 2, 3, 10]),
        }
        for header, value in values.items():
            record[EXTRACT_HEADERS.index(header)] = value
        records.append(record)
    expected = [dict(zip(EXTRACT_HEADERS, r, strict=True)) for r in records]
    _suppress_dicts(expected)
    _suppress_rare(records)
    assert [dict(zip(EXTRACT_HEADERS, r, strict=True)) for r in records] == expected
    assert any(SUPPRESSED_VALUE in r for r in records) or not records


@pytest.mark.django_db
def test_ethnic_group_in_the_database_matches_ethnic_group():
    codes = [*_ETHNIC_CODE_GROUP, "X", ""]
    for i, code in enumerate(codes):
        Person.objects.create(given_name="Sam", family_name=f"Code{i}", ethnic_category=code)
    got = dict(
        Person.objects.annotate(group=ethnic_group_case("ethnic_category")).values_list(
            "ethnic_category", "group"
        )
    )
    assert got == {code: ethnic_group(code) for code in codes}
