"""When ``Model.full_clean()`` can be skipped because it would pass and change nothing.

``full_clean`` walks every field through ``to_python``, ``validate`` and its validators, building
and discarding error lists; on referral intake it ran twice per request (the person, the
referral). ``full_clean_needed`` answers False only when each checked field's value is of the
exact type the field stores, passes the field's choices, blank, length and range rules, and needs
no database look-up; then full_clean would accept the instance as it is. Anything it is not sure
of answers True, and the caller runs full_clean, which gives the messages it always gave.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from typing import Any

from django.core import validators
from django.db import models

_INTEGER = (
    models.IntegerField,
    models.SmallIntegerField,
    models.BigIntegerField,
    models.PositiveIntegerField,
    models.PositiveSmallIntegerField,
    models.PositiveBigIntegerField,
)


def _kept_as_is(field: models.Field, value: Any) -> bool:
    """Whether the field's to_python gives this value back unchanged, with no check of its own
    beyond the choices, blank and validators that full_clean_needed applies."""
    kind = type(field)
    if kind in (models.CharField, models.TextField, models.EmailField):
        return isinstance(value, str)  # a str, or a str enum member (TextChoices)
    if kind is models.BooleanField:
        return type(value) is bool
    if kind in _INTEGER:
        return type(value) is int
    if kind is models.DateField:
        return type(value) is dt.date  # a datetime would be cut to its date
    if kind is models.DateTimeField:
        return type(value) is dt.datetime
    if kind is models.UUIDField:
        return type(value) is uuid.UUID
    if kind is models.JSONField:
        # A list of strings: stored as it is, and the field's JSON check cannot fail.
        return type(value) is list and all(type(item) is str for item in value)
    return False


def _validators_pass(field: models.Field, value: Any) -> bool:
    for validator in field.validators:
        if isinstance(validator, validators.MaxLengthValidator):
            if len(value) > validator.limit_value:
                return False
        elif isinstance(validator, validators.ProhibitNullCharactersValidator):
            if "\x00" in value:
                return False
        elif isinstance(validator, validators.MinValueValidator):
            if value < validator.limit_value:
                return False
        elif isinstance(validator, validators.MaxValueValidator):
            if value > validator.limit_value:
                return False
        else:
            return False  # a rule not known here (an email address's shape...): let it run
    return True


_choice_keys: dict[int, frozenset[Any]] = {}


def _choices(field: models.Field) -> frozenset[Any]:
    keys = _choice_keys.get(id(field))
    if keys is None:
        keys = _choice_keys[id(field)] = frozenset(key for key, _ in field.flatchoices)
    return keys


def full_clean_needed(instance: models.Model, *, exclude: Iterable[str] = ()) -> bool:
    """False when ``instance.full_clean(exclude=exclude, validate_constraints=False)`` would pass
    without changing any value; True when that is not certain."""
    model = type(instance)
    if model.clean is not models.Model.clean or model._meta.unique_together:
        return True
    if any(isinstance(c, models.UniqueConstraint) for c in model._meta.constraints):
        return True
    excluded = set(exclude)
    for field in model._meta.fields:
        if field.name in excluded:
            continue
        value = getattr(instance, field.attname)
        if field.blank and value in field.empty_values:
            continue  # full_clean skips it
        if field.unique and not field.primary_key:
            return True  # a uniqueness look-up
        if field.is_relation:
            return True  # a look-up of the related row
        if not _kept_as_is(field, value):
            return True
        if not field.blank and value in field.empty_values:
            return True  # blank where the field needs a value
        if field.choices is not None and (
            not isinstance(value, str | int) or value not in _choices(field)
        ):
            return True
        if not _validators_pass(field, value):
            return True
    return False
