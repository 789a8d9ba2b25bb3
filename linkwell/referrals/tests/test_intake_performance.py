"""Intake's fast path keeps every behaviour: audit rows chained, intake team cache invalidated."""

import json
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from linkwell.accounts.models import Team
from linkwell.accounts.services import api_token_create
from linkwell.audit.models import AuditEvent
from linkwell.audit.verification import audit_chain_verify
from linkwell.referrals.models import Referral
from linkwell.referrals.services import intake_team

pytestmark = pytest.mark.django_db


def body(given="Priya"):
    return json.dumps(
        {
            "person": {
                "given_name": given,
                "family_name": "Shah",
                "date_of_birth": "1990-02-03",
                "postcode": "LS6 1AB",
            },
            "source": "gp_practice",
            "reason": "Isolated since her husband died last year.",
            "suggested_needs": ["loneliness"],
            "consent_confirmed": True,
        }
    )


def post(client, token, data):
    return client.post(
        "/api/v1/referrals",
        data,
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}", "Idempotency-Key": str(uuid.uuid4())},
    )


def test_api_intake_writes_every_audit_row_chained_in_few_queries(world, client):
    _, token = api_token_create(user=world.referrer, name="t", actor=None)
    assert post(client, token, body("Priya")).status_code == 201
    with CaptureQueriesContext(connection) as queries:
        response = post(client, token, body("Pryia"))  # a possible duplicate of the first
    assert response.status_code == 201, response.content
    referral = Referral.objects.get(uuid=response.json()["uuid"])
    rows = AuditEvent.objects.filter(person_uuid=referral.person.uuid)
    assert sorted(rows.values_list("object_type", flat=True)) == [
        "Consent",
        "Person",
        "PossibleDuplicate",
        "Referral",
    ]
    assert audit_chain_verify().intact
    # Was 70 before batching the audit rows, caching the intake team and trimming full_clean;
    # 42 before the replay look-up left the transaction, the people services joined the
    # caller's transaction instead of opening savepoints and the check constraints were
    # checked without a query. 18 here: the 14 statements a served intake sends (its BEGIN and
    # COMMIT become a savepoint inside the test's transaction) and the flagged pair's look-up
    # and insert, in a savepoint of its own.
    assert len(queries.captured_queries) <= 18


def test_a_retry_with_the_same_key_returns_the_first_referral_without_a_write(world, client):
    _, token = api_token_create(user=world.referrer, name="t", actor=None)
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": "retry-1"}
    first = client.post(
        "/api/v1/referrals", body(), content_type="application/json", headers=headers
    )
    assert first.status_code == 201
    with CaptureQueriesContext(connection) as queries:
        again = client.post(
            "/api/v1/referrals", body(), content_type="application/json", headers=headers
        )
    assert again.status_code == 200
    assert again.json()["uuid"] == first.json()["uuid"]
    assert Referral.objects.count() == 1
    assert not [q for q in queries.captured_queries if q["sql"].startswith(("INSERT", "UPDATE"))]
    changed = client.post(
        "/api/v1/referrals", body("Ravi"), content_type="application/json", headers=headers
    )
    assert changed.status_code == 409
    assert changed.json()["extra"]["reference"] == Referral.objects.get().reference


def test_a_new_team_replaces_the_cached_intake_team_at_once(world):
    first = intake_team()
    assert first is not None
    Team.objects.filter(pk=first.pk).update(name=first.name)  # no signal: still cached
    assert intake_team() is first
    first.organisation.save()
    assert intake_team() is not first
    assert intake_team().pk == first.pk


def test_api_intake_checks_everything_before_its_write_transaction_opens(world, client):
    """On SQLite the write transaction holds the database's write lock from its first statement:
    the reference look-up and every check run before it; in it, the duplicate check's read of the
    register comes first (inside, so two intakes of one person cannot miss each other), then the
    person's insert (on PostgreSQL with the other rows, in one statement)."""
    _, token = api_token_create(user=world.referrer, name="t", actor=None)
    with CaptureQueriesContext(connection) as queries:
        response = post(client, token, body())
    assert response.status_code == 201, response.content
    sqls = [query["sql"] for query in queries.captured_queries]
    # The test's own transaction turns the intake's BEGIN into its first savepoint.
    opened = next(i for i, sql in enumerate(sqls) if sql.startswith("SAVEPOINT"))
    assert any(
        sql.startswith("SELECT") and 'FROM "referrals_referral"' in sql for sql in sqls[:opened]
    )
    first = sqls[opened + 1]
    if first.startswith("WITH"):
        # PostgreSQL: one statement inserts the rows and reads the register as it was before.
        assert first.startswith('WITH r0 AS (INSERT INTO "people_person"')
        assert 'SELECT "people_person"."id"' in first
    else:
        assert first.startswith('SELECT "people_person"."id"')
        assert sqls[opened + 2].startswith('SELECT id, last_hash FROM "audit_auditchainhead"')
        assert sqls[opened + 3].startswith('INSERT INTO "people_person"')


def test_api_intake_refuses_bad_details_without_opening_a_write_transaction(world, client):
    _, token = api_token_create(user=world.referrer, name="t", actor=None)
    data = json.loads(body())
    data["person"]["nhs_number"] = "123"
    with CaptureQueriesContext(connection) as queries:
        response = post(client, token, json.dumps(data))
    assert response.status_code == 400, response.content
    assert not [q for q in queries.captured_queries if q["sql"].startswith("SAVEPOINT")]
    assert not Referral.objects.exists()
