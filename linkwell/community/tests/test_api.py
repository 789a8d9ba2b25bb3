import datetime as dt

import pytest

from linkwell.community import services

pytestmark = pytest.mark.django_db


def test_training_report_api_for_staff_and_refused_for_outsider(world, client_for):
    practice = world.referrer.organisation
    programme = services.training_programme_create(actor=world.link_worker, title="One hour")
    services.training_session_record(
        actor=world.link_worker,
        programme=programme,
        practice=practice,
        delivered_on=dt.date(2026, 3, 1),
        trainers=["Dr B"],
        attendance=9,
    )
    url = f"/api/v1/community/training-report/{practice.uuid}"
    response = client_for(world.link_worker).get(url)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["trained_on"] == "2026-03-01"
    assert body["before"]["total"] == 0
    assert client_for(world.outsider).get(url).status_code == 404
    assert client_for(world.volunteer).get(url).status_code == 404
