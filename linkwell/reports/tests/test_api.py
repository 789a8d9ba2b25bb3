"""Reports over the API: aggregate JSON, refusals and filter errors."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db
URL = "/api/v1/reports"


def test_report_json_for_supervisor(world, report_data, client_for):
    data = client_for(world.supervisor).get(f"{URL}/outcomes").json()
    assert data["report"] == "outcomes"
    paired = data["sections"][0]
    assert paired["rows"][0][0] == "SWEMWBS" and paired["rows"][0][1] == 8


def test_commissioner_json_is_suppressed(world, report_data, client_for):
    data = client_for(world.commissioner).get(f"{URL}/activity").json()
    assert data["suppressed"] is True
    assert ["Self-referral", "<5"] in data["sections"][0]["rows"]


def test_outsider_is_refused(world, report_data, client_for):
    response = client_for(world.outsider).get(f"{URL}/activity")
    assert response.status_code == 403
    assert "message" in response.json()


def test_bad_filter_is_a_400_naming_the_field(world, report_data, client_for):
    response = client_for(world.supervisor).get(f"{URL}/equity?deprivation_decile=0")
    assert response.status_code == 400
    assert "deprivation_decile" in str(response.json())


def test_unknown_report_is_404(world, client_for):
    assert client_for(world.supervisor).get(f"{URL}/finance").status_code == 404
