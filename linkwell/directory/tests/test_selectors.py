import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from linkwell.directory.search import bounding_box, haversine_km
from linkwell.directory.selectors import Origin, ServiceFilters, service_search

from .factories import CITY, OUTSKIRTS, make_service

pytestmark = pytest.mark.django_db


def names(result):
    return [hit.service.name for hit in result.hits]


def test_text_search_ranks_a_match_in_the_name_above_one_in_the_description():
    make_service(
        "Walking group",
        description="Gentle walks; tea and debt chat afterwards",
        needs=("physical_activity",),
    )
    make_service("Debt advice", description="One to one help")
    make_service("Knitting circle", description="Wool and company", needs=("loneliness",))
    result = service_search(query="debt")
    assert names(result) == ["Debt advice", "Walking group"]
    assert result.total == 2
    assert result.hits[0].score > result.hits[1].score


def test_search_matches_word_prefixes_and_needs_every_word():
    make_service("Benefits advice", description="Universal Credit claims")
    assert names(service_search(query="benef")) == ["Benefits advice"]
    assert names(service_search(query="benefits knitting")) == []


def test_query_syntax_in_user_text_is_treated_as_plain_words():
    make_service("Debt advice")
    assert service_search(query='"debt* ^(:').total == 1


def test_filters_narrow_by_need_mode_cost_language_and_referral():
    make_service("Debt advice", needs=("money",), modes=("telephone",), languages=("pl",))
    make_service(
        "Walking group", needs=("physical_activity",), cost="paid", access="referral_needed"
    )
    assert names(service_search(filters=ServiceFilters(needs=("money",)))) == ["Debt advice"]
    assert names(service_search(filters=ServiceFilters(delivery_modes=("telephone",)))) == [
        "Debt advice"
    ]
    assert names(service_search(filters=ServiceFilters(cost="paid"))) == ["Walking group"]
    assert names(service_search(filters=ServiceFilters(language="pl"))) == ["Debt advice"]
    assert names(service_search(filters=ServiceFilters(self_referral=False))) == ["Walking group"]


def test_age_filter_respects_the_service_age_range():
    make_service("Youth club", minimum_age=11, maximum_age=18)
    make_service("Lunch club", minimum_age=65)
    make_service("Library", minimum_age=None)
    assert names(service_search(filters=ServiceFilters(age=70))) == ["Library", "Lunch club"]
    assert names(service_search(filters=ServiceFilters(age=15))) == ["Library", "Youth club"]


def test_open_on_a_day_and_open_now():
    make_service("Monday drop-in", byday="MO", opens_at="09:00", closes_at="12:00")
    make_service("Friday drop-in", byday="FR", opens_at="09:00", closes_at="12:00")
    assert names(service_search(filters=ServiceFilters(open_on=4))) == ["Friday drop-in"]
    monday_ten = dt.datetime(2026, 11, 23, 10, 0, tzinfo=ZoneInfo("Europe/London"))
    monday_two = monday_ten.replace(hour=14)
    assert names(service_search(filters=ServiceFilters(open_now=True), now=monday_ten)) == [
        "Monday drop-in"
    ]
    assert names(service_search(filters=ServiceFilters(open_now=True), now=monday_two)) == []


def test_distance_sort_and_radius():
    make_service("Far", at=OUTSKIRTS)
    make_service("Near", at=CITY)
    make_service("Online only", at=None)
    origin = Origin(*CITY)
    result = service_search(origin=origin, sort="distance")
    assert names(result) == ["Near", "Far"]
    assert result.hits[0].distance_km == pytest.approx(0, abs=0.01)
    assert 9 < result.hits[1].distance_km < 12
    near_only = service_search(origin=origin, filters=ServiceFilters(max_distance_km=5))
    assert names(near_only) == ["Near"]


def test_text_and_distance_together_sort_by_distance():
    make_service("Debt advice far", at=OUTSKIRTS)
    make_service("Debt advice near", at=CITY)
    result = service_search(query="debt", origin=Origin(*CITY), sort="distance")
    assert names(result) == ["Debt advice near", "Debt advice far"]


def test_inactive_defunct_and_out_of_date_services_leave_public_search():
    make_service("Active")
    make_service("Closed for now", status="temporarily closed")
    make_service("Gone", status="defunct")
    make_service("Paused", status="inactive")
    make_service("Stale", verified_days_ago=400)
    assert names(service_search()) == ["Active", "Closed for now"]
    assert service_search(include_hidden=True).total == 5


def test_paging_with_limit_and_offset():
    for i in range(5):
        make_service(f"Service {i}")
    page = service_search(limit=2, offset=2)
    assert page.total == 5
    assert names(page) == ["Service 2", "Service 3"]


@settings(max_examples=200, deadline=None)
@given(
    lat=st.floats(49.0, 60.0),
    lon=st.floats(-8.0, 2.0),
    bearing_lat=st.floats(-1, 1),
    bearing_lon=st.floats(-1, 1),
    km=st.floats(0.5, 50),
)
def test_every_point_within_the_radius_lies_in_the_bounding_box(
    lat, lon, bearing_lat, bearing_lon, km
):
    lat_min, lat_max, lon_min, lon_max = bounding_box(lat, lon, km)
    other = (lat + bearing_lat * km / 111.32, lon + bearing_lon * km / 70)
    if haversine_km(lat, lon, *other) <= km:
        assert lat_min <= other[0] <= lat_max
        assert lon_min <= other[1] <= lon_max


def test_text_search_follows_status_verification_and_facts_changed_without_reindexing():
    """Whatever writes the service or profile (a bulk update here), text search sees it."""
    from linkwell.directory.models import Service, ServiceProfile

    kept = make_service("Debt advice centre", cost="free", minimum_age=18)
    closed = make_service("Debt advice line", cost="free")
    stale = make_service("Debt advice drop-in", cost="free")
    assert service_search(query="debt").total == 3

    Service.objects.filter(id=closed.id).update(status="defunct")
    ServiceProfile.objects.filter(service=stale).update(
        verified_at=dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
    )
    assert names(service_search(query="debt")) == ["Debt advice centre"]
    assert service_search(query="debt", include_hidden=True).total == 3

    ServiceProfile.objects.filter(service=kept).update(cost="paid", access="referral_needed")
    Service.objects.filter(id=kept.id).update(minimum_age=65)
    assert service_search(query="debt", filters=ServiceFilters(cost="free")).total == 0
    assert names(service_search(query="debt", filters=ServiceFilters(cost="paid"))) == [
        "Debt advice centre"
    ]
    assert service_search(query="debt", filters=ServiceFilters(age=30)).total == 0
    assert service_search(query="debt", filters=ServiceFilters(self_referral=True)).total == 0

    ServiceProfile.objects.filter(service=kept).delete()
    assert service_search(query="debt").total == 0


@pytest.mark.parametrize(
    "filters",
    [
        ServiceFilters(needs=("housing",)),
        ServiceFilters(delivery_modes=("telephone", "video")),
        ServiceFilters(language="pl"),
        ServiceFilters(language="UR"),
        ServiceFilters(cost="free", age=30),
        ServiceFilters(self_referral=False),
        ServiceFilters(open_on=1),
        ServiceFilters(needs=("money",), delivery_modes=("face_to_face",), open_on=0),
    ],
)
def test_text_search_applies_every_filter_as_the_listing_does(filters):
    make_service("Money advice", needs=("money",), languages=("en", "ur"), byday="MO")
    make_service("Housing advice", needs=("housing",), modes=("telephone",), byday="TU")
    make_service("Polish advice", languages=("pl",), cost="paid", byday="WE")
    make_service("Young people's advice", maximum_age=25, access="referral_needed")
    make_service("Older people's advice", minimum_age=50, modes=("video", "face_to_face"))
    make_service("Advice for all", byday=None)
    listed = set(names(service_search(filters=filters)))
    assert listed, "each filter keeps at least one service"
    assert set(names(service_search(query="advice", filters=filters))) == listed
    assert service_search(query="advice", filters=filters).total == len(listed)


def test_text_search_follows_needs_and_modes_changed_without_reindexing():
    """The needs and modes copied onto the search document follow their tables, however
    those are written (here directly, without rebuilding the document)."""
    from linkwell.directory.models import ServiceDeliveryMode, ServiceNeed, ServiceSearchDocument

    service = make_service("Debt advice", needs=("money",), modes=("telephone",))
    make_service("Debt clinic", needs=("housing",), modes=("video",))
    by_need = ServiceFilters(needs=("money", "food"))
    by_mode = ServiceFilters(delivery_modes=("face_to_face",))
    assert names(service_search(query="debt", filters=by_need)) == ["Debt advice"]
    assert service_search(query="debt", filters=by_mode).total == 0

    ServiceNeed.objects.filter(service=service).delete()
    assert service_search(query="debt", filters=by_need).total == 0
    ServiceNeed.objects.create(service=service, need="food")
    ServiceDeliveryMode.objects.create(service=service, mode="face_to_face")
    assert names(service_search(query="debt", filters=by_need)) == ["Debt advice"]
    assert names(service_search(query="debt", filters=by_mode)) == ["Debt advice"]
    ServiceDeliveryMode.objects.filter(service=service, mode="telephone").update(mode="video")
    assert (
        service_search(query="debt", filters=ServiceFilters(delivery_modes=("video",))).total == 2
    )
    document = ServiceSearchDocument.objects.get(service=service)
    assert (document.needs, document.modes) == ("|food|", "|video|face_to_face|")  # row order
    # A code that is part of another code is not a match ("face" is not "face_to_face").
    assert service_search(query="debt", filters=ServiceFilters(delivery_modes=("face",))).total == 0
