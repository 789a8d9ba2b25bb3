"""The match index gives the same candidates, facts and rankings as reading the directory's own
tables (reference.py), and follows every way a service changes."""

import datetime as dt
import random
import uuid

import pytest
from django.utils import timezone

from linkwell.directory.models import (
    Language,
    Location,
    Organization,
    Schedule,
    Service,
    ServiceAtLocation,
    ServiceDeliveryMode,
    ServiceNeed,
    ServiceProfile,
)
from linkwell.directory.services import hsds_import_objects, listing_edit
from linkwell.directory.tests.factories import CITY, OUTSKIRTS, make_service
from linkwell.hsds.linkwell_terms import attribute_json
from linkwell.matching.engine import MatchProfile, candidate_facts, rank
from linkwell.matching.index import match_index_rebuild
from linkwell.matching.models import MatchEntry, MatchFacts

from . import reference

pytestmark = pytest.mark.django_db

NEEDS = ["money", "housing", "loneliness", "food", "caring", "immigration"]
MODES = ["face_to_face", "community_venue", "telephone", "video", "home_visit", "online_group"]
BYDAYS = ["MO", "TU,TH", "2WE, fr", "SA,SU", "", None, "MO,TU,WE,TH,FR"]


def _near(rng: random.Random, spread: float) -> tuple[float, float]:
    return CITY[0] + rng.uniform(-spread, spread), CITY[1] + rng.uniform(-spread, spread) * 1.6


def generate_directory(rng: random.Random, count: int) -> None:
    """Services around Leeds with every shape the matcher reads: no place, a place without
    coordinates, several places, opening times on the service and on a place, languages by code
    and by name, ages, communities, stale or missing verification, closed services."""
    now = timezone.now()
    orgs = [Organization(id=uuid.uuid4(), name=f"Org {i}", description="") for i in range(8)]
    Organization.objects.bulk_create(orgs)
    services, profiles, needs, modes, langs, locations, sals, schedules = ([] for _ in range(8))
    for i in range(count):
        sid = uuid.uuid4()
        services.append(
            Service(
                id=sid,
                organization=rng.choice([*orgs, None]),
                name=f"{rng.choice(['Advice', 'Group', 'Mental health club', 'Line'])} {i}",
                description=rng.choice([None, "", "Support.", "A mental health service."]),
                status=rng.choice(["active"] * 6 + ["inactive", "temporarily closed"]),
                minimum_age=rng.choice([None, None, 16, 50]),
                maximum_age=rng.choice([None, None, 25, 80]),
            )
        )
        if rng.random() < 0.95:
            profiles.append(
                ServiceProfile(
                    service_id=sid,
                    cost=rng.choice(["free", "paid", "unknown"]),
                    capacity=rng.choice([None, 0, 4]),
                    typical_wait_days=rng.choice([None, 5, 20, 60]),
                    access=rng.choice(["self_referral", "referral_needed"]),
                    verified_at=rng.choice(
                        [None, now - dt.timedelta(days=400)]
                        + [now - dt.timedelta(days=d) for d in (1, 30, 200)] * 3
                    ),
                    eligibility_communities=rng.choice(
                        [[], [], ["women"], ["carers"], ["older_people", "bame"]]
                    ),
                )
            )
        for need in rng.sample(NEEDS, k=rng.choice([0, 1, 1, 2, 3])):
            needs.append(ServiceNeed(service_id=sid, need=need))
        for mode in rng.sample(MODES, k=rng.choice([0, 1, 1, 2])):
            modes.append(ServiceDeliveryMode(service_id=sid, mode=mode))
        for code, name in rng.sample(
            [("en", "English"), ("pl", None), (None, "Polish"), (" UR ", "Urdu"), ("", "")],
            k=rng.choice([0, 1, 2]),
        ):
            langs.append(Language(id=uuid.uuid4(), service_id=sid, code=code, name=name))
        for _ in range(rng.choice([0, 1, 1, 1, 2])):
            lid = None
            roll = rng.random()
            if roll < 0.9:
                lid = uuid.uuid4()
                lat, lon = _near(rng, rng.choice([0.05, 0.3, 0.6]))
                if roll > 0.85:
                    lat = lon = None  # a place without coordinates
                locations.append(
                    Location(id=lid, location_type="physical", latitude=lat, longitude=lon)
                )
            sal_id = uuid.uuid4()
            sals.append(ServiceAtLocation(id=sal_id, service_id=sid, location_id=lid))
            if rng.random() < 0.3:
                schedules.append(
                    Schedule(
                        id=uuid.uuid4(),
                        service_at_location_id=sal_id,
                        byday=rng.choice(BYDAYS),
                        opens_at=rng.choice([None, "10:00:00", "18:30"]),
                        closes_at=rng.choice([None, "12:00", "21:00"]),
                    )
                )
        for _ in range(rng.choice([0, 1, 1, 2])):
            schedules.append(
                Schedule(
                    id=uuid.uuid4(),
                    service_id=sid,
                    byday=rng.choice(BYDAYS),
                    opens_at=rng.choice([None, "09:00", "13:00"]),
                    closes_at=rng.choice([None, "12:00", "17:00"]),
                )
            )
    for model, rows in [
        (Service, services),
        (ServiceProfile, profiles),
        (ServiceNeed, needs),
        (ServiceDeliveryMode, modes),
        (Language, langs),
        (Location, locations),
        (ServiceAtLocation, sals),
        (Schedule, schedules),
    ]:
        model.objects.bulk_create(rows)  # type: ignore[attr-defined]


def random_profile(rng: random.Random, service_ids: list[uuid.UUID]) -> MatchProfile:
    return MatchProfile(
        needs=tuple((c, rng.choice([1, 2, 3])) for c in rng.sample(NEEDS, k=rng.choice([1, 2, 3]))),
        modes=frozenset(rng.sample(MODES, k=rng.choice([0, 0, 1, 2]))),
        max_travel_km=rng.choice([None, 2, 5, 15, 40]),
        days=frozenset(rng.sample(range(7), k=rng.choice([0, 2, 5]))),
        times=frozenset(rng.sample(["morning", "afternoon", "evening"], k=rng.choice([0, 1, 2]))),
        language=rng.choice(["", "English", "Polish", "pl", "Urdu"]),
        group=rng.choice(["either", "group", "one_to_one"]),
        avoid_mental_health_label=rng.random() < 0.3,
        age=rng.choice([None, 17, 30, 70]),
        sex=rng.choice(["", "male", "female"]),
        ethnic_category=rng.choice(["", "A", "N"]),
        origin=rng.choice([None, CITY, OUTSKIRTS, _near(rng, 0.4)]),
        declined=frozenset(rng.sample(service_ids, k=3)),
    )


def _comparable(facts):
    return sorted(
        (
            f.id,
            f.name,
            f.organization,
            f.description,
            f.minimum_age,
            f.maximum_age,
            f.communities,
            f.cost,
            f.capacity,
            f.typical_wait_days,
            f.access,
            sorted(f.needs),
            sorted(f.modes),
            sorted(f.languages),
            sorted(f.places),
            sorted((sorted(days), opens, closes) for days, opens, closes in f.schedules),
        )
        for f in facts
    )


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_index_gives_the_same_candidates_facts_and_rankings_as_the_directory_tables(seed):
    rng = random.Random(seed)
    generate_directory(rng, 250)
    match_index_rebuild()
    ids = list(Service.objects.values_list("id", flat=True))
    now = timezone.now()
    compared = 0
    for _ in range(60):
        profile = random_profile(rng, ids)
        fast = candidate_facts(profile, now=now)
        slow = reference.candidate_facts(profile, now=now)
        # The index's boxes are tighter (a service too far away is left out before scoring),
        # so its candidates are some of the reference's, each with the same facts...
        fast_ids = {f.id for f in fast}
        assert len(fast_ids) == len(fast)
        assert _comparable(fast) == _comparable(f for f in slow if f.id in fast_ids)
        # ...and the services proposed, their order, scores and reasons are the same, however
        # many are asked for.
        for limit in (1, 5, 20, 1000):
            considered, ranked = reference.rank(profile, slow, limit=limit)
            assert rank(profile, fast, limit=limit) == (considered, ranked)
        compared += considered
    assert compared > 500  # the profiles reach a good share of the directory


def _rows(service):
    return sorted(
        MatchEntry.objects.filter(service=service).values_list(
            "need", "latitude", "longitude", "remote", "national"
        )
    )


def test_listing_edit_updates_the_index(world):
    service = make_service("Debt advice", needs=("money",), modes=("face_to_face",))
    assert _rows(service) == [("money", CITY[0], CITY[1], False, False)]
    listing_edit(
        service=service,
        actor=world.admin,
        changes={"needs": ["money", "housing"], "delivery_modes": ["telephone"]},
    )
    assert _rows(service) == [
        ("housing", CITY[0], CITY[1], True, False),
        ("money", CITY[0], CITY[1], True, False),
    ]


def test_import_fills_the_index_and_a_reimport_moves_the_service(world):
    sid, lid = str(uuid.uuid4()), str(uuid.uuid4())

    def record(at):
        return {
            "id": sid,
            "name": "Food bank",
            "status": "active",
            "organization": {"id": str(uuid.UUID(int=7)), "name": "Trust", "description": "x"},
            "service_at_locations": [
                {
                    "id": str(uuid.UUID(int=8)),
                    "location": {
                        "id": lid,
                        "location_type": "physical",
                        "latitude": at[0],
                        "longitude": at[1],
                    },
                }
            ],
            "attributes": [attribute_json(sid, "need", "food")],
        }

    hsds_import_objects(objects=[record(CITY)], table="service")
    assert MatchEntry.objects.filter(service_id=sid).get().latitude == CITY[0]
    hsds_import_objects(objects=[record(OUTSKIRTS)], table="service")
    assert MatchEntry.objects.filter(service_id=sid).get().latitude == OUTSKIRTS[0]


def test_a_deleted_service_leaves_the_index():
    service = make_service()
    assert MatchFacts.objects.filter(service=service).exists()
    service.delete()
    assert not MatchEntry.objects.exists() and not MatchFacts.objects.exists()


def test_rebuilding_everything_gives_the_rows_the_changes_wrote():
    for i, at in enumerate([CITY, OUTSKIRTS, None]):
        make_service(f"Service {i}", needs=("money", "food"), modes=("video",), at=at)
    before = sorted(MatchEntry.objects.values_list("service_id", "need", "latitude", "national"))
    facts = sorted(MatchFacts.objects.values_list("service_id", "facts"))
    MatchEntry.objects.all().delete()
    MatchFacts.objects.all().delete()
    assert match_index_rebuild() == 3
    assert (
        sorted(MatchEntry.objects.values_list("service_id", "need", "latitude", "national"))
        == before
    )
    assert sorted(MatchFacts.objects.values_list("service_id", "facts")) == facts


def test_the_demo_directory_is_in_the_index():
    from linkwell.common.demo import discover_builders, load_demo

    builders = [b for b in discover_builders() if b.app_label in ("accounts", "directory")]
    load_demo(people=1, seed=11, builders=builders)
    with_needs = set(ServiceNeed.objects.values_list("service_id", flat=True))
    assert with_needs
    assert set(MatchFacts.objects.values_list("service_id", flat=True)) == with_needs
    assert set(MatchEntry.objects.values_list("service_id", flat=True)) == with_needs
