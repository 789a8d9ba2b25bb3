"""A self-completion link submitted twice at the same moment stores one response.

On PostgreSQL the row lock on the link makes the second submission wait and then find it used; on
SQLite the IMMEDIATE transaction mode queues the second writer until the first commits."""

import os
import threading

import pytest
from django.db import connection

from linkwell.cases.tests.factories import EpisodeFactory
from linkwell.outcomes import services
from linkwell.outcomes.models import DueMeasure, QuestionnaireResponse
from linkwell.outcomes.selectors import LinkUnusable

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.mark.django_db(transaction=True)
def test_simultaneous_submissions_of_one_link_store_one_response(world):
    episode = EpisodeFactory(team=world.service_team, link_worker=world.link_worker)
    services.due_measures_generate(episode=episode)
    due = DueMeasure.objects.get(occasion="baseline")
    token = services.self_completion_link_create(due=due, actor=world.link_worker).token

    threads_count = 4
    barrier = threading.Barrier(threads_count)
    stored: list[str] = []
    refused: list[str] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def submit() -> None:
        try:
            barrier.wait(timeout=10)
            response = services.self_completion_submit(token=token, answers=[3] * 7)
            with lock:
                stored.append(str(response.uuid))
        except LinkUnusable as exc:
            with lock:
                refused.append(exc.reason)
        except BaseException as exc:  # noqa: BLE001  # reported below with the test's failure
            with lock:
                errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit) for _ in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert not errors, errors
    assert len(stored) == 1
    assert refused == ["used"] * (threads_count - 1)
    assert QuestionnaireResponse.objects.count() == 1
