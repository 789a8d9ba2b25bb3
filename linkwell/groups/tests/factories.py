"""Set-up for group tests: programmes, sessions and people who may be booked."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from linkwell.cases.tests.factories import EpisodeFactory
from linkwell.groups.models import GroupSession, Programme
from linkwell.people.models import ConsentMethod, ConsentPurpose, Person
from linkwell.people.services import consent_record
from linkwell.people.tests.factories import PersonFactory


def consenting_person(world: Any, *, contact: str | None = None, **fields: Any) -> Person:
    """A person with open support in the service team and consent to support in force;
    ``contact`` ("sms" or "email") also records consent to be contacted that way."""
    person = PersonFactory(**fields)
    EpisodeFactory(person=person, team=world.service_team)
    purposes = [ConsentPurpose.SUPPORT]
    if contact == "sms":
        purposes.append(ConsentPurpose.CONTACT_SMS)
    elif contact == "email":
        purposes.append(ConsentPurpose.CONTACT_EMAIL)
    for purpose in purposes:
        consent_record(
            person=person,
            purpose=purpose,
            given=True,
            actor=world.link_worker,
            method=ConsentMethod.VERBAL,
        )
    return person


def make_programme(world: Any, *, name: str = "Managing worries", **fields: Any) -> Programme:
    return Programme.objects.create(team=world.service_team, name=name, **fields)


def make_session(
    programme: Programme,
    *,
    capacity: int = 12,
    starts_in: dt.timedelta | None = None,
    **fields: Any,
) -> GroupSession:
    starts_at = timezone.now() + (starts_in if starts_in is not None else dt.timedelta(days=3))
    fields.setdefault("venue", "Meadow Lane Community Centre")
    return GroupSession.objects.create(
        programme=programme, starts_at=starts_at, capacity=capacity, **fields
    )
