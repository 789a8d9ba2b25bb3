"""The API's intake writes with plain SQL (services.api_intake): the same response and the same
rows, row for row, as the ORM write path it replaced, on varied referrals.

Each case is posted twice from the same database state: once through the previous write path
(``intake._referral_write`` and the idempotency record inside an audit batch, as the API did
before) and once through the current one; each run is rolled back after its rows are read. Ids,
uuids and timestamps differ between runs by nature, so rows made by the request are named by
their model and order instead, and timestamps are checked to be set.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import random
import uuid
from typing import Any

import pytest
from django.db import models, transaction

from linkwell.accounts.services import api_token_create
from linkwell.audit.models import AuditEvent
from linkwell.audit.services import audit_batch
from linkwell.audit.verification import audit_chain_verify
from linkwell.notifications.models import Alert
from linkwell.people.models import Consent, Person, PossibleDuplicate
from linkwell.people.tests.factories import PersonFactory
from linkwell.referrals.models import IdempotencyRecord, Referral, ReferralStatusChange
from linkwell.referrals.services import _common, api_intake, intake

pytestmark = pytest.mark.django_db

URL = "/api/v1/referrals"
# In the order their rows are named; a foreign key to a row made by the request is named too.
MODELS: tuple[type[models.Model], ...] = (
    Person,
    PossibleDuplicate,
    Consent,
    Referral,
    ReferralStatusChange,
    IdempotencyRecord,
    Alert,
    AuditEvent,
)
TIMESTAMPS = {"created_at", "updated_at", "recorded_at", "status_changed_at", "at"}
# Set from the timestamps and hashes, which differ between runs (the chain is verified instead).
HASHES = {"prev_hash", "row_hash"}


def previous_write(prepared, *, actor, key, fingerprint, writes=None):
    """The API's write before it was written in plain SQL (inside the caller's transaction)."""
    with audit_batch():
        referral = intake._referral_write(prepared, actor=actor)
        IdempotencyRecord.objects.create(
            key=key, user=actor, request_fingerprint=fingerprint, referral=referral
        )
    return referral


def _snapshot(
    before: dict[type[models.Model], int],
) -> tuple[dict[str, list[dict[str, Any]]], dict[Any, str]]:
    """The rows made since ``before`` (each model's highest id then), with the made rows' ids and
    uuids replaced by names such as "Person#0" wherever they appear; and those names by uuid."""
    names: dict[Any, str] = {}
    made: dict[type[models.Model], list[dict[str, Any]]] = {}
    for model in MODELS:
        rows = list(model.objects.filter(pk__gt=before[model]).order_by("pk").values())
        made[model] = rows
        for index, row in enumerate(rows):
            names[(model, row["id"])] = f"{model.__name__}#{index}"
            if "uuid" in row:
                names[str(row["uuid"])] = f"{model.__name__}#{index}"
    snapshot: dict[str, list[dict[str, Any]]] = {}
    for model in MODELS:
        fields = {field.attname: field for field in model._meta.concrete_fields}
        out = []
        for row in made[model]:
            clean: dict[str, Any] = {}
            for name, value in row.items():
                field = fields[name]
                if name == "id":
                    continue
                if name in TIMESTAMPS:
                    assert value is not None, (model.__name__, name)
                    value = "<set>"
                elif name in HASHES:
                    assert len(value) == 64
                    value = "<hash>"
                elif field.is_relation and value is not None:
                    value = names.get((field.related_model, value), value)
                elif isinstance(value, uuid.UUID) or name == "object_id":
                    value = names.get(str(value), str(value))
                elif name == "detail":
                    value = {k: _rename(v, names) for k, v in value.items()}
                elif isinstance(value, str):
                    value = _rename(value, names)  # a url naming a made row
                clean[name] = value
            out.append(clean)
        snapshot[model.__name__] = out
    return snapshot, names


def _rename(value: Any, names: dict[Any, str]) -> Any:
    if not isinstance(value, str):
        return value
    for made, name in names.items():
        if isinstance(made, str):
            value = value.replace(made, name)
    return value


class Runner:
    """Posts a referral through one write path in a transaction that is then rolled back."""

    def __init__(self, client, monkeypatch, actor):
        self.client = client
        self.monkeypatch = monkeypatch
        _, self.token = api_token_create(user=actor, name="rows", actor=None)

    def run(self, payload: dict[str, Any], *, previous: bool, key: str = "key-1") -> Any:
        references = itertools.cycle(["LW-2345-6789", "LW-ABCD-EFGH"])
        for module in (_common, api_intake):
            self.monkeypatch.setattr(module, "generate_reference", lambda: next(references))
        self.monkeypatch.setattr(
            api_intake, "_referral_write_sql", previous_write if previous else CURRENT_WRITE
        )
        with transaction.atomic():
            before = {
                model: model.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
                for model in MODELS
            }
            response = self.client.post(
                URL,
                json.dumps(payload),
                content_type="application/json",
                headers={
                    "Authorization": f"Bearer {self.token}",
                    "Idempotency-Key": key,
                    "X-Request-ID": "request-1",
                },
            )
            snapshot, names = _snapshot(before)
            assert audit_chain_verify().intact
            transaction.set_rollback(True)
        body = response.json()
        if response.status_code in (200, 201):
            for name in ("uuid", "person"):
                body[name] = names.get(body[name], body[name])
            for name in ("created_at", "status_changed_at"):
                assert body[name]
                body[name] = "<set>"
        return response.status_code, body, snapshot

    def compare(self, payload: dict[str, Any]) -> tuple[int, Any, Any]:
        """Both paths from the same state: the same status, body and rows."""
        previous = self.run(payload, previous=True)
        current = self.run(payload, previous=False)
        assert current[0] == previous[0], (current[1], previous[1])
        assert current[1] == previous[1]
        assert current[2] == previous[2]
        return current


CURRENT_WRITE = api_intake._referral_write_sql


GIVEN = ("Priya", "Pryia", "Jonathan", "Jonathon", "Sam", "Mohammed", "Agnieszka", "Kate")
FAMILY = ("Shah", "Hartley", "Hartly", "Okafor", "Khan", "Nowak", "Smith-Jones")
REASONS = (
    "Isolated since her husband died last year.",
    "Lost my job in March and the debts keep piling up.",
    "He says he wants to end it all.",
    "Scared of him at home; the flat is damp.",
)


def valid_nhs_number(rng: random.Random) -> str:
    while True:
        nine = f"{rng.randint(100000000, 999999999)}"
        check = 11 - sum(int(d) * w for d, w in zip(nine, range(10, 1, -1), strict=True)) % 11
        if check == 11:
            check = 0
        if check != 10:
            return f"{nine}{check}"


@pytest.fixture
def register(world):
    """People already on the register for the new referrals to be checked against."""
    dob = dt.date(1990, 2, 3)
    survivor = PersonFactory(given_name="Sam", family_name="Okafor", date_of_birth=dob)
    return {
        "nhs": PersonFactory(
            given_name="Priya", family_name="Shah", nhs_number="9434765919", date_of_birth=dob
        ),
        "dob": PersonFactory(
            given_name="Jonathan",
            family_name="Hartley",
            date_of_birth=dob,
            postcode="LS7 2DE",
        ),
        "merged": PersonFactory(
            given_name="Sam", family_name="Okafor", date_of_birth=dob, merged_into=survivor
        ),
        "survivor": survivor,
    }


def payload(**overrides: Any) -> dict[str, Any]:
    person = {
        "given_name": "Margaret",
        "family_name": "Hughes",
        "date_of_birth": "1958-07-21",
        "postcode": "LS6 1AB",
    }
    person.update(overrides.pop("person", {}))
    body: dict[str, Any] = {
        "person": person,
        "source": "gp_practice",
        "reason": "Isolated since her husband died last year.",
        "suggested_needs": ["loneliness"],
        "consent_confirmed": True,
    }
    body.update(overrides)
    return body


EVERY_PERSON_FIELD = {
    "given_name": "  Agnieszka  Maria ",
    "family_name": "Nowak",
    "preferred_name": "Aga",
    "date_of_birth": "1961-11-30",
    "nhs_number": "943-476-5919",
    "address": "12 Mill Street\nLeeds",
    "postcode": "ls6 1ab",
    "phone": " 07700 900456 ",
    "email": "aga@example.org",
    "preferred_contact_method": "email",
    "preferred_contact_times": "Mornings",
    "language": "Polish",
    "interpreter_needed": True,
    "accessibility_needs": "Step-free access",
    "ethnic_category": "C",
    "sex": "female",
    "gender_identity": "Woman",
}

CASES = {
    "a new person": payload(),
    "the same NHS number as a person on the register": payload(
        person={"nhs_number": "943 476 5919", "given_name": "P", "family_name": "Shaw"}
    ),
    "a close name, the same date of birth and postcode": payload(
        person={
            "given_name": "Jonathon",
            "family_name": "Hartly",
            "postcode": "LS7 2DE",
            "date_of_birth": "1990-02-03",
        }
    ),
    "several possible duplicates, one of them merged": payload(
        person={"given_name": "Sam", "family_name": "Okafor", "date_of_birth": "1990-02-03"}
    ),
    "risk of harm in the reason": payload(reason="Says he wants to end it all, often."),
    "the safety need": payload(suggested_needs=["safety", "money", "money"]),
    "urgent": payload(urgency="urgent", risk_of_harm=True, risk_details=" Known to crisis team "),
    "soon, safeguarding flagged by the referrer": payload(
        urgency="soon", safeguarding_concern=True
    ),
    "a self-referral source": payload(source="self"),
    "every person field": payload(person=EVERY_PERSON_FIELD),
    "the referrer's name and contact": payload(
        referrer_name="  Dr Amina Patel ", referrer_contact="0113 496 0000"
    ),
    "no date of birth": payload(person={"date_of_birth": None, "nhs_number": "9434765919"}),
}

REFUSED = {
    "an NHS number with a wrong check digit": payload(person={"nhs_number": "943 476 5918"}),
    "a postcode that is not one": payload(person={"postcode": "LS99 ZZZZ"}),
    "a date of birth in the future": payload(person={"date_of_birth": "2999-01-01"}),
    "a blank given name": payload(person={"given_name": "   "}),
    "a given name too long": payload(person={"given_name": "A" * 101}),
    "an email address that is not one": payload(person={"email": "not an address"}),
    "a blank language": payload(person={"language": ""}),
    "an unknown ethnic category": payload(person={"ethnic_category": "QQ"}),
    "an unknown contact method": payload(person={"preferred_contact_method": "pigeon"}),
    "an unknown source": payload(source="carrier pigeon"),
    "no consent": payload(consent_confirmed=False),
    "an unknown need": payload(suggested_needs=["astrology"]),
    "a referrer's name too long": payload(referrer_name="N" * 201),
    "no reason": payload(reason="  "),
    "a date of birth that is not a date": payload(person={"date_of_birth": "1990-13-01"}),
    "an unknown team": payload(team=str(uuid.uuid4())),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_api_intake_writes_the_rows_the_orm_path_wrote(case, world, register, client, monkeypatch):
    runner = Runner(client, monkeypatch, world.referrer)
    status, body, rows = runner.compare(CASES[case])
    assert status == 201, body
    assert len(rows["Person"]) == 1 and len(rows["Referral"]) == 1
    pairs, alerts = EXPECTED.get(case, (0, 0))
    assert (len(rows["PossibleDuplicate"]), len(rows["Alert"])) == (pairs, alerts)
    assert len(rows["AuditEvent"]) == 3 + pairs + alerts


# (possible duplicates flagged, alerts) where a case makes some.
EXPECTED = {
    "the same NHS number as a person on the register": (1, 0),
    "a close name, the same date of birth and postcode": (1, 0),
    "several possible duplicates, one of them merged": (1, 0),
    "risk of harm in the reason": (0, 1),
    "the safety need": (0, 1),
    "urgent": (0, 1),
    "soon, safeguarding flagged by the referrer": (0, 1),
    "every person field": (1, 0),
    "no date of birth": (1, 0),
}


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_api_intake_refuses_what_the_orm_path_refused(case, world, register, client, monkeypatch):
    runner = Runner(client, monkeypatch, world.referrer)
    status, body, rows = runner.compare(REFUSED[case])
    assert status == 400, body
    assert all(not made for made in rows.values())


def test_api_intake_by_staff_to_a_named_team_matches_the_orm_path(
    world, register, client, monkeypatch
):
    runner = Runner(client, monkeypatch, world.link_worker)
    for body in (payload(), payload(team=str(world.other_team.uuid), source="hospital")):
        status, out, _ = runner.compare(body)
        assert status == 201 and out["episode"] is None


@pytest.mark.parametrize("seed", range(12))
def test_api_intake_matches_the_orm_path_on_random_referrals(
    seed, world, register, client, monkeypatch
):
    rng = random.Random(seed)
    runner = Runner(client, monkeypatch, rng.choice([world.referrer, world.supervisor]))
    for _ in range(3):
        person: dict[str, Any] = {
            "given_name": rng.choice(GIVEN),
            "family_name": rng.choice(FAMILY),
            "date_of_birth": rng.choice(["1990-02-03", "1975-06-30", None]),
            "postcode": rng.choice(["LS6 1AB", "LS7 2DE", "ls72de", None]),
            "nhs_number": rng.choice(["9434765919", valid_nhs_number(rng), None, None]),
        }
        for name, value in (
            ("preferred_name", "Jo"),
            ("email", "someone@example.org"),
            ("interpreter_needed", rng.random() < 0.5),
            ("sex", "male"),
            ("ethnic_category", "M"),
            ("phone", "07700 900123"),
        ):
            if rng.random() < 0.4:
                person[name] = value
        body = {
            "person": person,
            "source": rng.choice(["gp_practice", "job_centre", "community", "self"]),
            "reason": rng.choice(REASONS),
            "suggested_needs": rng.sample(["money", "loneliness", "housing", "safety"], 2),
            "urgency": rng.choice(["routine", "soon", "urgent"]),
            "risk_of_harm": rng.random() < 0.2,
            "consent_confirmed": True,
        }
        runner.compare(body)


@pytest.mark.parametrize("case", sorted(CASES))
def test_the_created_referral_is_rendered_byte_for_byte_as_reading_it_renders_it(
    case, world, register, client
):
    """The 201 body of a new referral and the body of reading it back (GET, rendered through
    the response schema's validation) are the same bytes."""
    _, token = api_token_create(user=world.referrer, name="bytes", actor=None)
    headers = {"Authorization": f"Bearer {token}"}
    made = client.post(
        URL,
        json.dumps(CASES[case]),
        content_type="application/json",
        headers={**headers, "Idempotency-Key": "bytes"},
    )
    assert made.status_code == 201
    read = client.get(f"{URL}/{made.json()['uuid']}", headers=headers)
    assert read.status_code == 200
    assert made.content == read.content
    assert made["Content-Type"] == read["Content-Type"] == "application/json; charset=utf-8"
