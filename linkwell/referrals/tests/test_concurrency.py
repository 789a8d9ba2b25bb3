"""Two requests with one Idempotency-Key at the same moment make one referral.

Runs on both engines: on PostgreSQL the unique constraint on (user, key) makes the loser's insert
fail and it returns the winner's referral; on SQLite the IMMEDIATE transaction mode queues the
second writer until the first commits, so it finds the key already used.
"""

import os
import threading

import pytest
from django.db import connection

from linkwell.people.models import Person
from linkwell.referrals.models import IdempotencyRecord, Referral
from linkwell.referrals.services import referral_create_via_api

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def payload():
    return {
        "person": {"given_name": "Rae", "family_name": "Quinn", "date_of_birth": "1975-06-01"},
        "source": "job_centre",
        "reason": "Out of work for a year and losing confidence.",
        "suggested_needs": ["employment"],
        "consent_confirmed": True,
    }


@pytest.mark.django_db(transaction=True)
def test_concurrent_requests_with_one_key_create_one_referral(world):
    threads_count = 4
    barrier = threading.Barrier(threads_count)
    results: list[tuple[str, bool]] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def send():
        try:
            barrier.wait(timeout=10)
            referral, created = referral_create_via_api(
                actor=world.referrer, idempotency_key="same-key", payload=payload()
            )
            with lock:
                results.append((referral.reference, created))
        except BaseException as exc:  # noqa: BLE001  # reported below with the test's failure
            with lock:
                errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert not errors, errors
    assert len(results) == threads_count
    assert len({reference for reference, _ in results}) == 1
    assert sorted(created for _, created in results) == [False] * (threads_count - 1) + [True]
    assert Referral.objects.count() == 1
    assert IdempotencyRecord.objects.count() == 1
    assert Person.objects.count() == 1
