"""Every integer field validates to the range PostgreSQL's column holds, on SQLite too (which
stores any 64-bit integer): a value one database takes the other never refuses, or takes and later
fails on."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import connection, models

from linkwell.people.models import Person

POSTGRESQL = {
    "SmallIntegerField": (-(2**15), 2**15 - 1),
    "PositiveSmallIntegerField": (0, 2**15 - 1),
    "IntegerField": (-(2**31), 2**31 - 1),
    "PositiveIntegerField": (0, 2**31 - 1),
    "BigIntegerField": (-(2**63), 2**63 - 1),
    "PositiveBigIntegerField": (0, 2**63 - 1),
}


def _integer_fields():
    for model in apps.get_models():
        if not model.__module__.startswith("linkwell."):
            continue
        for field in model._meta.concrete_fields:
            auto = isinstance(field, models.AutoField | models.BigAutoField)
            if isinstance(field, models.IntegerField) and not field.is_relation and not auto:
                yield field


def test_every_integer_field_validates_to_postgresqls_range():
    checked = 0
    for field in _integer_fields():
        low, high = POSTGRESQL[field.get_internal_type()]
        most = min(v.limit_value for v in field.validators if isinstance(v, MaxValueValidator))
        least = [v.limit_value for v in field.validators if isinstance(v, MinValueValidator)]
        assert most <= high, f"{field.model._meta.label}.{field.name} takes up to {most}"
        if low < 0:
            assert least and max(least) >= low, f"{field.model._meta.label}.{field.name}"
        checked += 1
    assert checked > 20


@pytest.mark.django_db
def test_a_small_integer_past_32767_is_refused_with_the_same_message_on_both_databases():
    person = Person(given_name="Ada", family_name="Lovelace", deprivation_decile=2**15)
    with pytest.raises(ValidationError) as refused:
        person.full_clean()
    assert refused.value.message_dict["deprivation_decile"] == [
        "Ensure this value is less than or equal to 32767."
    ]
    assert connection.ops.integer_field_range("PositiveSmallIntegerField") == (0, 32767)
