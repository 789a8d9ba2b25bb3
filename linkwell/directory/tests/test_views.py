import pytest
from django.test import Client

from linkwell.directory.models import Postcode

from .factories import CITY, OUTSKIRTS, make_service

pytestmark = pytest.mark.django_db


@pytest.fixture
def postcodes():
    Postcode.objects.create(postcode="LS11UR", latitude=CITY[0], longitude=CITY[1])
    Postcode.objects.create(postcode="LS166AA", latitude=OUTSKIRTS[0], longitude=OUTSKIRTS[1])


def test_search_page_needs_no_sign_in_and_lists_services():
    make_service("Debt advice")
    response = Client().get("/directory/")
    assert response.status_code == 200
    assert "Debt advice" in response.content.decode()


def test_search_filters_by_words_and_need():
    make_service("Debt advice", needs=("money",))
    make_service("Walking group", needs=("physical_activity",), description="Walks")
    page = Client().get("/directory/", {"q": "walk"}).content.decode()
    assert "Walking group" in page and "Debt advice" not in page
    page = Client().get("/directory/", {"need": "money"}).content.decode()
    assert "Debt advice" in page and "Walking group" not in page


def test_postcode_search_shows_how_far(postcodes):
    make_service("Near", at=CITY)
    page = (
        Client().get("/directory/", {"postcode": "LS16 6AA", "sort": "distance"}).content.decode()
    )
    assert "About 6." in page and "miles from LS16 6AA" in page


def test_unknown_postcode_gets_an_error_summary_and_lists_nothing():
    make_service("Lunch club", at=CITY)
    page = Client().get("/directory/", {"postcode": "ZZ1 1ZZ"}).content.decode()
    assert "There is a problem" in page
    assert "We do not know that postcode" in page
    assert "Lunch club" not in page


def test_htmx_request_gets_only_the_results():
    make_service("Debt advice")
    response = Client().get("/directory/", {"q": "debt"}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert "Debt advice" in body and "<html" not in body


def test_service_page_shows_how_to_get_in_opening_times_and_how_far(postcodes):
    service = make_service("Debt advice", byday="MO,WE", opens_at="09:00", closes_at="17:30")
    page = Client().get(f"/directory/services/{service.id}/", {"postcode": "LS1 1UR"})
    body = page.content.decode()
    assert page.status_code == 200
    assert "You can contact them yourself." in body
    assert "Monday and Wednesday, 9am to 5:30pm" in body
    assert "Less than a quarter of a mile from LS1 1UR" in body


def test_referral_only_service_says_so():
    service = make_service("Social prescribing", access="referral_needed")
    body = Client().get(f"/directory/services/{service.id}/").content.decode()
    assert "You need a referral" in body


def test_hidden_services_have_no_public_page():
    for service in (
        make_service("Gone", status="defunct"),
        make_service("Stale", verified_days_ago=400),
    ):
        assert Client().get(f"/directory/services/{service.id}/").status_code == 404
    assert Client().get("/directory/services/not-a-uuid/").status_code == 404


def test_temporarily_closed_service_is_flagged():
    service = make_service("Lunch club", status="temporarily closed")
    body = Client().get(f"/directory/services/{service.id}/").content.decode()
    assert "Temporarily closed" in body
