import datetime as dt
import math
import uuid
from zoneinfo import ZoneInfo

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from linkwell.directory.search import EARTH_RADIUS_KM, bounding_box, haversine_km
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


def test_equally_good_matches_come_in_the_order_they_were_listed_on_every_page():
    """Services whose text matches equally well are ranked alike: they come in the order their
    search documents were written (as FTS5 orders them by rowid, so both databases agree), and
    pages through them neither repeat nor skip one."""
    listed = [f"Drop-in {chr(ord('A') + i)}" for i in range(6)]
    for name in listed:
        make_service(name, description="Debt advice on the day")
    everything = service_search(query="debt advice")
    assert names(everything) == listed
    assert len({hit.score for hit in everything.hits}) == 1
    pages = [service_search(query="debt advice", limit=4, offset=o) for o in (0, 4)]
    assert [page.total for page in pages] == [6, 6]
    assert names(pages[0]) + names(pages[1]) == listed


def test_paging_with_limit_and_offset():
    for i in range(5):
        make_service(f"Service {i}")
    page = service_search(limit=2, offset=2)
    assert page.total == 5
    assert names(page) == ["Service 2", "Service 3"]


def _destination(lat, lon, bearing_degrees, km):
    """The point ``km`` from (lat, lon) along a bearing on haversine_km's sphere."""
    phi, angle = math.radians(lat), km / EARTH_RADIUS_KM
    theta = math.radians(bearing_degrees)
    phi2 = math.asin(
        math.sin(phi) * math.cos(angle) + math.cos(phi) * math.sin(angle) * math.cos(theta)
    )
    dlon = math.atan2(
        math.sin(theta) * math.sin(angle) * math.cos(phi),
        math.cos(angle) - math.sin(phi) * math.sin(phi2),
    )
    return math.degrees(phi2), lon + math.degrees(dlon)


@settings(max_examples=300, deadline=None)
@given(
    lat=st.floats(49.0, 61.0),
    lon=st.floats(-8.0, 2.0),
    bearing=st.floats(0, 360),
    share=st.floats(0, 1),
    km=st.floats(0.1, 100),
)
# At the very edge due east, north and west: the first was outside the box of 111.32 km a degree.
@example(lat=50.0, lon=0.0, bearing=90.0, share=1.0, km=1.0)
@example(lat=53.8, lon=-1.55, bearing=0.0, share=1.0, km=10.0)
@example(lat=60.5, lon=-1.3, bearing=270.0, share=1.0, km=100.0)
def test_every_point_within_the_radius_lies_in_the_bounding_box(lat, lon, bearing, share, km):
    other = _destination(lat, lon, bearing, km * share)
    if haversine_km(lat, lon, *other) <= km:
        lat_min, lat_max, lon_min, lon_max = bounding_box(lat, lon, km)
        assert lat_min <= other[0] <= lat_max
        assert lon_min <= other[1] <= lon_max


@pytest.mark.parametrize("lat", [50.0, 53.8, 60.5])
def test_the_bounding_box_is_no_wider_than_the_circle(lat):
    """Each side of the box touches the circle: the prefilter lets in no more than it must."""
    km = 25.0
    lat_min, lat_max, lon_min, lon_max = bounding_box(lat, -1.5, km)
    assert haversine_km(lat, -1.5, lat_max, -1.5) == pytest.approx(km, rel=1e-6)
    assert haversine_km(lat, -1.5, lat_min, -1.5) == pytest.approx(km, rel=1e-6)
    widest = max(
        (_destination(lat, -1.5, bearing / 100, km) for bearing in range(8_000, 10_000)),
        key=lambda point: point[1],
    )
    assert lon_max == pytest.approx(widest[1], abs=1e-6)
    assert lon_min == pytest.approx(-1.5 - (widest[1] + 1.5), abs=1e-6)


def test_a_service_just_inside_the_radius_is_found_whichever_way_it_lies():
    """A place at 99.95% of the distance, due east, north, west or south, is within it (before,
    due east or west it fell outside the bounding box and the search missed it)."""
    origin = Origin(*CITY)
    for bearing in (0.0, 90.0, 180.0, 270.0):
        make_service(f"Bearing {bearing:.0f}", at=_destination(*CITY, bearing, 4.9975))
    make_service("Just outside", at=_destination(*CITY, 90.0, 5.0025))
    result = service_search(origin=origin, filters=ServiceFilters(max_distance_km=5))
    assert sorted(names(result)) == ["Bearing 0", "Bearing 180", "Bearing 270", "Bearing 90"]


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


def test_distance_in_sql_is_the_very_same_double_as_haversine_km():
    """The database works out the distance a search keeps and orders by (distance_sql) exactly
    as haversine_km does in Python: same results at the radius's edge, same order on ties."""
    import random

    from django.db import connection

    from linkwell.directory.search import distance_sql

    rng = random.Random(11)
    for _ in range(400):
        origin = (rng.uniform(49.9, 58.7), rng.uniform(-7.5, 1.8))
        spread = rng.choice([0.0, 1e-9, 1e-5, 0.01, 0.1, 1.0, 5.0])
        point = (origin[0] + rng.uniform(-spread, spread), origin[1] + rng.uniform(-spread, spread))
        km, params = distance_sql("p.lat", "p.lon", origin)
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {km} FROM (SELECT CAST(%s AS double precision) AS lat, "  # noqa: S608
                "CAST(%s AS double precision) AS lon) p",
                [*params, *point],
            )
            in_sql = cursor.fetchone()[0]
        assert in_sql == haversine_km(*origin, *point), (origin, point)


def _varied_directory(rng):
    """Services around Leeds with one, two or no places (some sharing a point, one with no
    coordinates), hidden ones, and facts and words drawn at random."""
    from linkwell.directory.models import Location, ServiceAtLocation

    words = ["debt", "advice", "walking", "club", "food", "bank", "carers", "yoga", "wellbeing"]
    shared = (CITY[0] + 0.01, CITY[1] - 0.02)
    for i in range(90):
        kind = rng.random()
        at = shared if kind < 0.1 else None if kind < 0.15 else (
            CITY[0] + rng.uniform(-0.12, 0.12), CITY[1] + rng.uniform(-0.2, 0.2)
        )  # fmt: skip
        service = make_service(
            f"{rng.choice(words).title()} {rng.choice(words)} {i}",
            description=" ".join(rng.choices(words, k=6)),
            status=rng.choice(["active"] * 8 + ["inactive", "temporarily closed"]),
            needs=tuple(
                rng.sample(["money", "housing", "food", "loneliness"], k=rng.randint(0, 2))
            ),
            modes=tuple(rng.sample(["face_to_face", "telephone", "video"], k=rng.randint(1, 2))),
            at=at,
            byday=rng.choice(["MO", "TU,TH", None]),
            languages=rng.choice([("en",), ("en", "ur"), ("pl",)]),
            cost=rng.choice(["free", "free", "paid"]),
            access=rng.choice(["self_referral", "referral_needed"]),
            verified_days_ago=rng.choice([10, 100, 400]),
            minimum_age=rng.choice([None, 16, 50]),
            maximum_age=rng.choice([None, None, 25]),
        )
        if rng.random() < 0.3:  # a second place, sometimes without coordinates
            point = (CITY[0] + rng.uniform(-0.12, 0.12), CITY[1] + rng.uniform(-0.2, 0.2))
            if rng.random() < 0.2:
                point = (None, None)
            location = Location.objects.create(
                id=uuid.uuid4(), location_type="physical", latitude=point[0], longitude=point[1]
            )
            ServiceAtLocation.objects.create(id=uuid.uuid4(), service=service, location=location)


def _nearby_as_in_python(*, query, filters, origin, sort, include_hidden, now):
    """The straightforward search within a distance: every location's haversine_km in Python,
    the visible services found through the service and profile tables (_candidates), the text
    ranked over the whole directory, then kept and sorted by distance (ties: the rank's order,
    or the service id without text)."""
    from linkwell.directory.models import ServiceAtLocation
    from linkwell.directory.search import backend
    from linkwell.directory.selectors import DEFAULT_RADIUS_KM, _candidates, _correlated

    radius = filters.max_distance_km or DEFAULT_RADIUS_KM
    candidates = _candidates(filters, include_hidden, now)
    allowed = set(candidates.values_list("id", flat=True))
    best: dict = {}
    for sid, lat, lon in ServiceAtLocation.objects.values_list(
        "service_id", "location__latitude", "location__longitude"
    ):
        if sid in allowed and lat is not None and lon is not None:
            km = haversine_km(origin.latitude, origin.longitude, lat, lon)
            if km <= radius and km < best.get(sid, float("inf")):
                best[sid] = km
    if query.strip():
        sql, params = _correlated(candidates)
        _, ranked = backend().rank(query=query, candidates_sql=sql, params=params)
        ranked = [(sid, score) for sid, score in ranked if sid in best]
        if sort == "distance":
            ranked.sort(key=lambda item: best[item[0]])
    else:
        ranked = sorted(((sid, None) for sid in best), key=lambda item: (best[item[0]], item[0]))
    return [(sid, score, best[sid]) for sid, score in ranked]


def test_search_within_a_distance_in_sql_matches_the_straightforward_search():
    import random

    from django.utils import timezone

    rng = random.Random(7)
    _varied_directory(rng)
    now = timezone.now()
    origins = [Origin(*CITY), Origin(CITY[0] + 0.05, CITY[1] + 0.08), Origin(*OUTSKIRTS)]
    cases = [
        ({}, False),
        ({"cost": "free", "delivery_modes": ("face_to_face", "telephone"), "age": 30}, False),
        ({"needs": ("money", "food")}, False),
        ({"language": "ur", "self_referral": True}, False),
        ({"open_on": 0}, False),
        ({}, True),
        ({"cost": "paid"}, True),
    ]
    checked = 0
    for origin in origins:
        for radius in (None, 3.0, 9.0):
            for query in ("", "debt", "club food", "wal", "advice bank"):
                for options, hidden in cases:
                    filters = ServiceFilters(max_distance_km=radius, **options)
                    # Without text both sorts are nearest first: one path.
                    for sort in ("distance", "relevance") if query else ("relevance",):
                        kwargs = {
                            "query": query,
                            "filters": filters,
                            "origin": origin,
                            "sort": sort,
                        }
                        expected = _nearby_as_in_python(include_hidden=hidden, now=now, **kwargs)
                        result = service_search(include_hidden=hidden, now=now, limit=500, **kwargs)
                        got = [(h.service.id, h.score, h.distance_km) for h in result.hits]
                        assert got == expected, kwargs
                        assert result.total == len(expected)
                        page = service_search(
                            include_hidden=hidden, now=now, limit=3, offset=2, **kwargs
                        )
                        assert [h.service.id for h in page.hits] == [e[0] for e in expected[2:5]]
                        assert page.total == len(expected)
                        checked += len(expected)
    assert checked > 1000, "the cases find enough services to compare"
    past_the_end = service_search(query="debt", origin=origins[0], limit=5, offset=500)
    assert past_the_end.hits == []
    assert past_the_end.total == service_search(query="debt", origin=origins[0]).total > 0
