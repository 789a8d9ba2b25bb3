"""person_find_duplicates reads its candidates with written-out SQL: the same matches, scores,
reasons and order, and the same loaded fields, as the ORM query it replaced, on random registers."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

import pytest
from django.db.models import Q

from linkwell.people import selectors
from linkwell.people.models import Person
from linkwell.people.selectors import DuplicateMatch, person_find_duplicates
from linkwell.people.validation import normalise_nhs_number, normalise_postcode

pytestmark = pytest.mark.django_db

GIVEN = ("John", "Jon", "Jonathan", "Mary", "Marie", "Kate", "Katherine", "Ann Mary", "Bob")
FAMILY = ("Ray", "Rae", "Smith", "Smith-Jones", "Jones", "O'Brien", "Patel", "Okafor")
DATES = (dt.date(1980, 1, 1), dt.date(1980, 1, 2), dt.date(1990, 6, 30))
POSTCODES = ("LS6 1AB", "LS7 2DE", "")
NHS_NUMBERS = ("9434765919", "4010232137", "")


def orm_find_duplicates(
    *,
    nhs_number: str = "",
    given_name: str = "",
    family_name: str = "",
    date_of_birth: dt.date | None = None,
    postcode: str = "",
    exclude_id: Any = None,
    limit: int = 10,
) -> list[DuplicateMatch]:
    """person_find_duplicates as it was, with its ORM query (the reference)."""
    import uuid as uuid_lib

    try:
        nhs = normalise_nhs_number(nhs_number) if nhs_number else ""
    except Exception:  # noqa: BLE001
        nhs = ""
    try:
        postcode = normalise_postcode(postcode) if postcode else ""
    except Exception:  # noqa: BLE001
        postcode = ""
    base = Person.objects.only(*selectors._MATCH_FIELDS)
    if isinstance(exclude_id, uuid_lib.UUID):
        base = base.exclude(uuid=exclude_id)
    elif exclude_id is not None:
        base = base.exclude(pk=exclude_id)
    lookup = Q()
    if nhs:
        lookup |= Q(nhs_number=nhs)
    if date_of_birth is not None and (given_name or family_name or postcode):
        lookup |= Q(date_of_birth=date_of_birth)
    if not lookup:
        return []
    matches: dict[int, DuplicateMatch] = {}
    for candidate in base.filter(lookup).order_by()[:500]:
        if candidate.merged_into_id is not None:
            continue
        if nhs and candidate.nhs_number == nhs:
            matches[candidate.pk] = DuplicateMatch(candidate, 1.0, "same NHS number")
            continue
        if date_of_birth is None or candidate.date_of_birth != date_of_birth:
            continue
        if nhs and candidate.nhs_number and candidate.nhs_number != nhs:
            continue
        scored = selectors._score(candidate, given_name, family_name, postcode)  # type: ignore[arg-type]
        if scored is not None:
            matches[candidate.pk] = DuplicateMatch(candidate, *scored)
    ranked = sorted(matches.values(), key=lambda m: (-m.score, m.person.family_name, m.person.pk))
    return ranked[:limit]


def _described(matches: list[DuplicateMatch]) -> list[tuple[Any, ...]]:
    return [
        (
            m.score,
            m.reason,
            m.person.pk,
            m.person.uuid,
            m.person.nhs_number,
            m.person.given_name,
            m.person.family_name,
            m.person.preferred_name,
            m.person.date_of_birth,
            m.person.postcode,
            m.person.merged_into_id,
            sorted(m.person.get_deferred_fields()),
        )
        for m in matches
    ]


@pytest.mark.parametrize("seed", range(6))
def test_the_written_out_query_finds_what_the_orm_query_found(seed):
    rng = random.Random(seed)
    people = []
    for _ in range(40):
        person = Person.objects.create(
            given_name=rng.choice(GIVEN),
            family_name=rng.choice(FAMILY),
            preferred_name=rng.choice(["", "", "Johnny", "Kath"]),
            date_of_birth=rng.choice((*DATES, None)),
            postcode=rng.choice(POSTCODES),
            nhs_number=rng.choice(NHS_NUMBERS) if rng.random() < 0.3 else "",
        )
        people.append(person)
    for person in rng.sample(people, 5):
        person.merged_into = rng.choice([p for p in people if p.pk != person.pk])
        person.save()
    for _ in range(60):
        excluded = rng.choice(people)
        query = {
            "nhs_number": rng.choice(
                [*NHS_NUMBERS, "943 476 5919", "123", "9434765918", "4010232137"]
            ),
            "given_name": rng.choice([*GIVEN, ""]),
            "family_name": rng.choice([*FAMILY, ""]),
            "date_of_birth": rng.choice((*DATES, None)),
            "postcode": rng.choice([*POSTCODES, "ls61ab", "not a postcode"]),
            "exclude_id": rng.choice([None, excluded.pk, excluded.uuid]),
            "limit": rng.choice([10, 2]),
        }
        assert _described(person_find_duplicates(**query)) == _described(
            orm_find_duplicates(**query)
        ), query
