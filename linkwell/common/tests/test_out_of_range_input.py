"""Numbers and dates out of range in a query get a 400 or the last page, never a server error
(an offset past the databases' 64-bit integers, a page number as large, a date that does not
exist)."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db
HUGE = "99999999999999999999999"


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/referrals",
        "/api/v1/episodes",
        "/api/v1/episodes/caseload",
        "/api/v1/episodes/caseload/overdue",
        "/api/v1/episodes/caseload/waiting",
    ],
)
def test_an_api_offset_past_any_list_is_a_400(world, client_for, url):
    client = client_for(world.link_worker)
    client.raise_request_exception = False
    response = client.get(url, {"offset": HUGE})
    assert response.status_code == 400
    assert "offset" in response.json()["message"]
    assert client.get(url, {"offset": "1000000000"}).json() == []


@pytest.mark.parametrize("day", ["2026-02-30", "0000-00-00", "2026-13-01T10:00:00"])
def test_hsds_refuses_a_date_that_does_not_exist(world, client_for, day):
    client = client_for(world.link_worker)
    client.raise_request_exception = False
    for url in ("/hsds/services", "/hsds/service_at_locations"):
        response = client.get(url, {"modified_after": day})
        assert response.status_code == 400
        assert "modified_after must be an ISO 8601 date" in response.json()["message"]


def test_a_page_number_past_any_list_is_no_server_error(world, client_for):
    client = client_for(world.link_worker)
    client.raise_request_exception = False
    directory = client.get("/directory/", {"q": "debt", "page": HUGE})
    assert directory.status_code == 200  # the search page, with the problem at its top
    assert "less than or equal to 1000000" in directory.content.decode()
    feedback = client.get("/community/feedback/", {"page": HUGE})
    assert feedback.status_code == 200


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01", "1899-12-31", "3000-01-01"])
def test_a_diary_date_at_the_calendars_ends_is_refused_by_the_api(world, client_for, day):
    # 9999-12-31 and a week on was a server error, on both databases.
    client = client_for(world.link_worker)
    client.raise_request_exception = False
    response = client.get("/api/v1/sessions/diary", {"start": day, "days": 7})
    assert response.status_code == 400
    assert response.json()["message"] == (
        "The diary covers 1900 to 2999: give a date in those years."
    )
    assert client.get("/api/v1/sessions/diary", {"start": "2999-12-31", "days": 7}).json() == []


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01"])
def test_the_diary_page_shows_today_for_a_date_at_the_calendars_ends(world, client_for, day):
    from django.utils import timezone

    from linkwell.sessions.selectors import LONDON

    client = client_for(world.link_worker)
    client.raise_request_exception = False
    for view in ("day", "week"):
        response = client.get("/sessions/diary/", {"date": day, "view": view})
        today = timezone.now().astimezone(LONDON).date()
        assert response.status_code == 200
        assert response.context["start"] <= today <= response.context["end"]
