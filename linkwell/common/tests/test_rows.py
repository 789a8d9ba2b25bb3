"""common.rows: written-out INSERTs store exactly what the ORM stores."""

from __future__ import annotations

import datetime as dt
import decimal
import uuid
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import DEFAULT_DB_ALIAS, connections
from django.utils import timezone

from linkwell.audit.models import AuditEvent
from linkwell.common.rows import Ref, RowBatch, insert_row, preparer, row_values
from linkwell.people.models import Consent, Person, PossibleDuplicate
from linkwell.referrals.models import IdempotencyRecord, Referral, ReferralStatusChange

MODELS = (
    Person,
    Consent,
    PossibleDuplicate,
    Referral,
    ReferralStatusChange,
    IdempotencyRecord,
    AuditEvent,
)


class Text(str):
    """A str subclass: must get the field's own preparation, not be passed on as it is."""


SAMPLES: tuple[Any, ...] = (
    None,
    "",
    "plain text",
    Text("a subclass"),
    True,
    False,
    0,
    7,
    3.5,
    decimal.Decimal("2.5"),
    dt.date(1990, 2, 3),
    timezone.now(),
    uuid.uuid4(),
    ["money", "housing"],
    {"fields": ["given_name"]},
)


FAILURES = (TypeError, ValueError, ValidationError, decimal.InvalidOperation, AttributeError)


def _comparable(value: Any) -> Any:
    # psycopg's Jsonb wrapper has no equality of its own.
    return (type(value), getattr(value, "obj", value))


@pytest.mark.django_db
@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
# A date given to a date-time field is among the samples on purpose: Django warns that it is
# naive, for the field's own preparation and for the batch's alike.
@pytest.mark.filterwarnings("ignore:DateTimeField .* received a naive datetime:RuntimeWarning")
def test_each_column_is_prepared_as_the_field_prepares_it(model):
    connection = connections[DEFAULT_DB_ALIAS]
    for field in model._meta.concrete_fields:
        prepare = preparer(field)
        for value in SAMPLES:
            try:
                expected = field.get_db_prep_save(value, connection)
            except FAILURES as exc:
                with pytest.raises(type(exc)):
                    prepare(value, connection)
                continue
            assert _comparable(prepare(value, connection)) == _comparable(expected), (
                field.name,
                value,
            )


def _stored(model, pk: int) -> dict[str, Any]:
    return model.objects.filter(pk=pk).values().get()


@pytest.mark.django_db
def test_a_batch_stores_what_save_stores_and_links_its_rows(world):
    now = timezone.now()
    saved = Person(given_name="Amina", family_name="Begum", date_of_birth=dt.date(1950, 1, 1))
    saved.save()
    new = Person(
        given_name="Amina",
        family_name="Begum",
        date_of_birth=dt.date(1950, 1, 1),
        uuid=uuid.uuid4(),
        search_given_name="amina",
        search_family_name="begum",
        created_at=saved.created_at,
        updated_at=saved.updated_at,
    )
    batch = RowBatch()
    person = batch.add(Person, row_values(new))
    consent_uuid = uuid.uuid4()
    batch.add(
        Consent,
        {
            "uuid": consent_uuid,
            "created_at": now,
            "updated_at": now,
            "person_id": person,
            "purpose": "support",
            "given": True,
            "recorded_at": now,
            "recorded_by_id": world.referrer.pk,
            "method": "referrer",
            "note": "Agreed.",
        },
    )
    pks = batch.insert()
    assert len(pks) == 2
    stored = _stored(Person, pks[0])
    expected = _stored(Person, saved.pk)
    for name in ("id", "uuid"):
        stored.pop(name), expected.pop(name)
    assert stored == expected
    consent = Consent.objects.get(pk=pks[1])
    assert consent.person_id == pks[0] and consent.uuid == consent_uuid
    assert consent.recorded_at == now and consent.recorded_by == world.referrer


@pytest.mark.django_db
def test_a_row_names_every_column_and_refers_only_to_rows_before_it():
    with pytest.raises(ValueError, match="every column"):
        insert_row(ReferralStatusChange, {"referral_id": 1})
    batch = RowBatch()
    with pytest.raises(ValueError, match="added before"):
        batch.add(ReferralStatusChange, {"referral_id": Ref(0)})


def _unsaved_amina() -> Person:
    """A new person, every field filled as save() would, not yet in the database."""
    now = timezone.now()
    return Person(
        given_name="Amina",
        family_name="Begum",
        date_of_birth=dt.date(1950, 1, 1),
        search_given_name="amina",
        search_family_name="begum",
        created_at=now,
        updated_at=now,
    )


@pytest.mark.django_db
def test_a_batch_read_sees_the_database_as_it_was_before_the_batch_rows():
    existing = Person.objects.create(
        given_name="Amina", family_name="Begum", date_of_birth=dt.date(1950, 1, 1)
    )
    new = _unsaved_amina()
    batch = RowBatch()
    read = batch.read(
        'SELECT "id", "given_name" FROM "people_person" WHERE "family_name" = %s', ["Begum"]
    )
    batch.add(Person, row_values(new))
    (pk,) = batch.insert()
    assert batch.results[read.index] == [(existing.pk, "Amina")]
    assert Person.objects.filter(family_name="Begum").count() == 2 and pk != existing.pk


@pytest.mark.django_db
def test_a_batch_row_is_prepared_when_added_so_bad_values_fail_before_any_write(
    django_assert_num_queries,
):
    new = _unsaved_amina()
    batch = RowBatch()
    with django_assert_num_queries(0), pytest.raises(ValidationError):
        batch.add(Person, {**row_values(new), "uuid": "not a uuid"})
    values = row_values(new)
    batch.add(Person, values)
    values["given_name"] = "Changed after adding"  # the batch keeps what it was given
    (pk,) = batch.insert()
    stored = Person.objects.get(pk=pk)
    assert (stored.given_name, stored.uuid) == ("Amina", new.uuid)
    assert Person.objects.count() == 1
