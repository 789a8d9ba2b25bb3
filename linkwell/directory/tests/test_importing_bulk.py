"""A batch import writes in bulk (executemany per table on SQLite, COPY into a temporary table
on PostgreSQL from 50 rows); the same data imported one record at a time (one-row statements)
must leave the same directory and the same search results."""

import datetime as dt
import gc
import json
import random
import uuid

import pytest
from django.apps import apps
from django.db import connection

from linkwell.directory.models import HSDS_MODELS, ServiceSearchDocument
from linkwell.directory.selectors import Origin, ServiceFilters, service_search
from linkwell.directory.services import hsds_import
from linkwell.hsds import linkwell_terms as lt
from linkwell.hsds.reader import SourceError

pytestmark = pytest.mark.django_db

NEEDS = ["money", "housing", "loneliness", "food", "employment"]
MODES = ["face_to_face", "telephone", "video", "home_visit"]
WORDS = ["debt", "advice", "walking", "club", "food", "pantry", "housing", "repairs", "yoga"]
NOW = dt.datetime(2026, 11, 24, 12, tzinfo=dt.UTC)
LEEDS = Origin(53.7997, -1.5492)


def _id(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _data(rng: random.Random, services: int) -> list[dict]:
    orgs = [{"id": _id(rng), "name": f"Trust {i}", "description": "A charity."} for i in range(20)]
    out: list[dict] = list(orgs)
    for n in range(services):
        sid = _id(rng)
        facts = lt.ServiceFacts()
        for need in rng.sample(NEEDS, k=rng.choice([1, 2])):
            facts.add("need", need)
        for mode in rng.sample(MODES, k=2):
            facts.add("delivery_mode", mode)
        facts.add("access", rng.choice(["self_referral", "referral_needed"]))
        if n % 3:
            facts.add("cost", rng.choice(["free", "paid"]))
        if n % 4:
            facts.add("verified_at", "2026-06-01")
        if n % 5 == 0:
            facts.add("capacity", "12")
        service = {
            "id": sid,
            "organization_id": rng.choice(orgs)["id"],
            "name": f"{' '.join(rng.sample(WORDS, k=2)).title()} {n}",
            "status": rng.choice(["active", "active", "inactive"]),
            "description": " ".join(rng.choices(WORDS, k=8)),
            "phones": [{"id": _id(rng), "number": "0113 496 0000"}],
            "languages": [{"id": _id(rng), "code": rng.choice(["en", "ur", "pl"])}],
            "schedules": [{"id": _id(rng), "freq": "WEEKLY", "byday": rng.choice(["MO", "TU"])}],
            "service_at_locations": [
                {
                    "id": _id(rng),
                    "location": {
                        "id": _id(rng),
                        "location_type": "physical",
                        "name": f"Venue {n}",
                        "latitude": 53.80 + rng.uniform(-0.1, 0.1),
                        "longitude": -1.55 + rng.uniform(-0.15, 0.15),
                        "addresses": [
                            {"id": _id(rng), "address_1": "1 High Street", "city": "Leeds",
                             "region": rng.choice(["Armley", "Otley"]),
                             "state_province": "West Yorkshire", "postal_code": "LS1 1AA",
                             "country": "GB", "address_type": "physical"}
                        ],
                    },
                }
            ],
            "attributes": lt.facts_to_attributes(sid, facts),
        }  # fmt: skip
        if n % 4 == 0:
            service["assured_date"] = "2026-05-01"  # the profile's verification without a fact
        if n % 2:
            service["minimum_age"] = rng.choice([16, 18])
        if n % 7 == 0:
            service["cost_options"] = [{"id": _id(rng), "amount": 3.5}]
            service["application_process"] = "A referral from your GP"
        out.append(service)
    return out


def _changes(rng: random.Random, data: list[dict]) -> list[dict]:
    """Updates of existing records by id, new facts, bad records and new services."""
    services = [d for d in data if "status" in d]
    out = []
    for i, service in enumerate(services[:60]):
        changed = json.loads(json.dumps(service))
        changed["name"] += " renamed"
        if i % 2:
            changed["attributes"] = lt.facts_to_attributes(
                changed["id"],
                lt.ServiceFacts(
                    lists={"need": ["food"], "delivery_mode": ["video"], "community": [],
                           "area_served": ["Leeds"]},
                    values={"cost": "free"},
                ),
            )  # fmt: skip
        else:
            del changed["attributes"]
        out.append(changed)
    out.append({**services[61], "minimum_age": "eighteen"})
    out.append({**services[62], "organization_id": str(uuid.UUID(int=7)), "name": "Orphan"})
    out += _data(rng, 30)  # 20 new organizations and 30 new services
    return out


def _snapshot() -> dict:
    content = {}
    for model in apps.get_app_config("directory").get_models():
        fields = [
            f.attname
            for f in model._meta.concrete_fields
            if f.attname not in ("linkwell_updated_at", "updated_at", "created_at")
            and not (f.primary_key and f.get_internal_type() == "BigAutoField")
        ]
        content[model.__name__] = sorted(
            map(repr, model.objects.values_list(*fields))  # type: ignore[attr-defined]
        )
    results = {}
    for query in ["debt", "club food", "advice", "renamed", "yoga"]:
        for label, options in {
            "text": {},
            "filters": {"filters": ServiceFilters(cost="free", delivery_modes=("video",), age=30)},
            "needs": {"filters": ServiceFilters(needs=("money", "food"), language="ur")},
            "hidden": {"include_hidden": True},
            "distance": {"origin": LEEDS, "filters": ServiceFilters(max_distance_km=5)},
        }.items():
            result = service_search(query=query, now=NOW, limit=50, **options)  # type: ignore[arg-type]
            results[f"{query} {label}"] = (
                result.total,
                [(str(h.service.id), round(h.score or 0, 6), h.distance_km) for h in result.hits],
            )
    return {"content": content, "search": results}


def _import_all(tmp_path, batch_size: int) -> list:
    rng = random.Random(5)
    first = _data(rng, 240)
    reports = []
    for name, data in (("first.json", first), ("changes.json", _changes(rng, first))):
        path = tmp_path / name
        path.write_text(json.dumps(data))
        report = hsds_import(source=str(path), batch_size=batch_size)
        reports.append(
            (report.records, report.loaded, report.problems, report.warnings,
             dict(report.created), dict(report.updated))
        )  # fmt: skip
    return reports


def _empty_directory() -> None:
    for model in reversed(list(HSDS_MODELS.values())):
        model.objects.all().delete()
    assert not ServiceSearchDocument.objects.exists()


def test_bulk_import_gives_the_same_directory_and_search_as_one_record_at_a_time(tmp_path):
    one_by_one = _import_all(tmp_path, batch_size=1)
    expected = _snapshot()
    _empty_directory()
    bulk = _import_all(tmp_path, batch_size=500)
    assert bulk == one_by_one
    got = _snapshot()
    assert got["content"] == expected["content"]
    assert got["search"] == expected["search"]
    # The data exercise what they should: updates, refusals, facts and every kind of search.
    assert bulk[1][5]["service"] == 60 and len(bulk[1][2]) == 2
    assert expected["content"]["ServiceNeed"] and expected["content"]["ServiceProfile"]
    assert all(total for total, _ in expected["search"].values() if total is not None)


def test_import_leaves_the_cycle_collector_as_it_found_it(tmp_path):
    path = tmp_path / "some.json"
    path.write_text(json.dumps(_data(random.Random(8), 5)))
    assert gc.isenabled()
    assert hsds_import(source=str(path)).loaded == 25
    assert gc.isenabled()
    gc.disable()
    try:
        assert hsds_import(source=str(path), atomic=True).loaded == 25
        assert not gc.isenabled()
    finally:
        gc.enable()
    missing = tmp_path / "missing.json"
    with pytest.raises(SourceError):
        hsds_import(source=str(missing))
    assert gc.isenabled()


def test_rows_new_to_the_directory_are_inserted_as_the_upsert_would_write_them(
    tmp_path, monkeypatch
):
    """Rows whose keys are not in the table yet are inserted (copied straight into it on
    PostgreSQL); forced through INSERT ... ON CONFLICT instead, every row and search result is
    the same."""
    from linkwell.directory.services import bulk, importing, indexing

    inserted = []

    def spy(*args, new=False, **kwargs):
        inserted.append(new)
        return bulk.upsert_rows(*args, new=new, **kwargs)

    def upsert_only(*args, new=False, **kwargs):
        return bulk.upsert_rows(*args, **kwargs)

    for module in (importing, indexing):
        monkeypatch.setattr(module, "upsert_rows", spy)
    fast = _import_all(tmp_path, batch_size=500)
    expected = _snapshot()
    assert True in inserted and False in inserted  # new rows, and updates in the second file
    _empty_directory()
    for module in (importing, indexing):
        monkeypatch.setattr(module, "upsert_rows", upsert_only)
    assert _import_all(tmp_path, batch_size=500) == fast
    assert _snapshot() == expected


COPIED = ("status", "minimum_age", "maximum_age", "verified_at", "cost", "access", "needs", "modes")


def _copies() -> dict:
    return {
        str(row[0]): row[1:]
        for row in ServiceSearchDocument.objects.values_list("service_id", *COPIED)
    }


def test_copies_set_once_leave_the_documents_as_the_triggers_do():
    """Services, profiles, needs and modes changed inside search_copies_set_once give every
    search document what the per-row triggers give it; after the block (and after a failed one)
    the triggers keep the documents in step again, in the same transaction too."""
    from django.db import transaction

    from linkwell.directory.models import (
        Service,
        ServiceDeliveryMode,
        ServiceNeed,
        ServiceProfile,
    )
    from linkwell.directory.services.bulk import insert_pairs
    from linkwell.directory.services.indexing import search_copies_set_once
    from linkwell.directory.tests.factories import make_service

    rng = random.Random(11)
    services = [
        make_service(f"Service {i}", needs=rng.sample(NEEDS, k=2), modes=rng.sample(MODES, k=1))
        for i in range(60)
    ]
    plans = [
        (s.id, rng.sample(NEEDS, k=rng.choice([0, 1, 3])), rng.sample(MODES, k=rng.choice([0, 2])))
        for s in services[:50]
    ]  # fmt: skip
    ids = [sid for sid, _, _ in plans]

    def rewrite() -> None:
        ServiceNeed.objects.filter(service_id__in=ids).delete()
        ServiceDeliveryMode.objects.filter(service_id__in=ids).delete()
        insert_pairs(ServiceNeed, "need", [(sid, n) for sid, needs, _ in plans for n in needs])
        insert_pairs(ServiceDeliveryMode, "mode", [(sid, m) for sid, _, ms in plans for m in ms])
        Service.objects.filter(id__in=ids[::3]).update(status="inactive", minimum_age=21)
        ServiceProfile.objects.filter(service_id__in=ids[1::3]).update(cost="paid", verified_at=NOW)
        ServiceProfile.objects.filter(service_id__in=ids[2::7]).delete()

    before = _copies()
    with transaction.atomic():
        rewrite()
        by_triggers = _copies()
        transaction.set_rollback(True)
    assert _copies() == before
    assert all(before[str(sid)] != by_triggers[str(sid)] for sid in ids[::3] + ids[1::3])
    with transaction.atomic():
        with search_copies_set_once() as changed:
            rewrite()
            assert _copies() == before  # the per-row work stood aside
            changed.update(ids)
        assert _copies() == by_triggers
        # An ordinary write after the block, in the same transaction, is kept in step again.
        ServiceNeed.objects.create(service=services[55], need="caring")
        Service.objects.filter(id=services[55].id).update(status="defunct")
        copies = list(by_triggers[str(services[55].id)])
        copies[0], copies[-2] = "defunct", copies[-2] + "caring|"
        expected = {**by_triggers, str(services[55].id): tuple(copies)}
        assert _copies() == expected
    with (
        pytest.raises(ZeroDivisionError),
        transaction.atomic(),
        search_copies_set_once() as changed,
    ):
        ServiceNeed.objects.filter(service=services[56]).delete()
        changed.add(services[56].id)
        raise ZeroDivisionError
    assert _copies() == expected
    ServiceNeed.objects.filter(service=services[57]).delete()
    ServiceProfile.objects.filter(service=services[57]).delete()
    assert _copies()[str(services[57].id)][3:] == (
        None,
        None,
        None,
        "",
        expected[str(services[57].id)][-1],
    )


def test_a_file_that_stops_being_json_loads_the_batches_before_the_break(tmp_path):
    """Records are flattened as they are read: what a broken file leaves is the complete
    batches read before the break (the partial one is not written), or nothing when atomic."""
    from linkwell.directory.models import Organization, Service

    data = _data(random.Random(12), 30)
    text = json.dumps(data)
    cut = text.index(json.dumps(data[31]))  # within the services, after a few batches
    path = tmp_path / "broken.json"
    path.write_text(text[:cut] + '{"id": "oops", ')
    with pytest.raises(SourceError, match="stops being valid JSON"):
        hsds_import(source=str(path), batch_size=8)
    # 20 organizations and 11 services read before the break: the complete batches of 8
    # (31 // 8 = 3 batches, 24 records) were written, the partial one was not.
    assert Organization.objects.count() + Service.objects.count() == 24

    _empty_directory()
    with pytest.raises(SourceError):
        hsds_import(source=str(path), batch_size=8, atomic=True)
    assert Organization.objects.count() + Service.objects.count() == 0


def test_search_documents_many_to_a_statement_are_as_one_to_a_statement(tmp_path, monkeypatch):
    """The search documents are written many rows to a statement on SQLite (the full-text
    indexes then write their terms once per statement, not once per row): one, two or many rows
    to a statement give the same directory, search results and scores, and the documents keep
    the order of their services' ids, which breaks ties between equal scores."""
    from linkwell.directory.services import bulk

    runs = []
    for params in (12, 30, bulk.STATEMENT_PARAMS):  # 12 columns: 1 row, 2 rows, all rows
        monkeypatch.setattr(bulk, "STATEMENT_PARAMS", params)
        _empty_directory()
        path = tmp_path / "first.json"
        path.write_text(json.dumps(_data(random.Random(21), 121)))
        hsds_import(source=str(path))
        ordered = [
            str(sid)
            for sid in ServiceSearchDocument.objects.order_by("id").values_list(
                "service_id", flat=True
            )
        ]
        assert len(ordered) == 121 and ordered == sorted(ordered)
        runs.append((_import_all(tmp_path, batch_size=50), _snapshot()))
    assert runs[0] == runs[1] == runs[2]


@pytest.mark.skipif("connection.vendor != 'sqlite'", reason="SQLite's page cache and log")
@pytest.mark.parametrize("atomic", [False, True])
def test_an_import_sizes_sqlites_cache_and_log_for_itself_and_puts_them_back(tmp_path, atomic):
    """While an import runs, SQLite's page cache is large and its log is copied into the database
    seldom (a batch writes more than the default allows between copies); afterwards, and after
    an import that fails, both are as they were."""
    from linkwell.directory.services import importing

    def pragmas() -> tuple[int, int]:
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA cache_size")
            cache = int(cursor.fetchone()[0])
            cursor.execute("PRAGMA wal_autocheckpoint")
            return cache, int(cursor.fetchone()[0])

    with connection.cursor() as cursor:  # SQLite's defaults, whatever earlier tests left
        cursor.execute("PRAGMA cache_size = -2000")
        cursor.execute("PRAGMA wal_autocheckpoint = 1000")
    before = pragmas()
    assert before == (-2000, 1000)
    during = []
    path = tmp_path / "some.json"
    path.write_text(json.dumps(_data(random.Random(4), 30)))
    report = hsds_import(
        source=str(path),
        atomic=atomic,
        batch_size=10,
        on_progress=lambda n: during.append(pragmas()),
    )
    assert report.loaded == 50 and len(during) == 5
    assert set(during) == {(-importing.IMPORT_CACHE_KIB, importing.IMPORT_WAL_PAGES)}
    assert pragmas() == before
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps([{"id": "not an id", "name": "x"}]))
    assert hsds_import(source=str(bad), atomic=atomic).problems
    with pytest.raises(SourceError):
        hsds_import(source=str(tmp_path / "missing.json"), atomic=atomic)
    assert pragmas() == before


def _stored_and_described(ids) -> tuple[list[tuple], list[tuple]]:
    """PostgreSQL: the documents as stored (with their tsvector's text) and as documents_of
    describes them, stored as PostgreSQL keeps a document: no name or body, and the tsvector
    of that name (weight A) and body (weight B)."""
    from linkwell.directory.services.indexing import COLUMNS, documents_of

    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {', '.join(COLUMNS)}, search_vector::text "  # noqa: S608  # our names
            "FROM directory_servicesearchdocument ORDER BY service_id"
        )
        stored = [tuple(row) for row in cursor.fetchall()]
        docs = documents_of(ids)
        cursor.execute(
            "SELECT (setweight(to_tsvector('english'::regconfig, n), 'A') "
            "|| setweight(to_tsvector('english'::regconfig, b), 'B'))::text "
            "FROM unnest(%s::text[], %s::text[]) WITH ORDINALITY AS t(n, b, i) ORDER BY i",
            [[doc[1] for doc in docs], [doc[2] for doc in docs]],
        )
        vectors = [row[0] for row in cursor.fetchall()]
    described = [
        (sid, "", "", *rest, vector)
        for (sid, _, _, *rest), vector in zip(docs, vectors, strict=True)
    ]
    return stored, described


@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="PostgreSQL's documents in SQL")
def test_postgresql_builds_the_documents_that_documents_of_describes(tmp_path):
    """On PostgreSQL the search documents are built by the database in one statement per chunk
    of services; every document, new or rewritten, is the one documents_of reads and assembles:
    names, body parts in order, need labels (a code without one as itself), taxonomy terms,
    places each once in order of first appearance, facts and tokens."""
    from linkwell.directory.models import (
        Address,
        Attribute,
        Location,
        Organization,
        Service,
        ServiceAtLocation,
        ServiceDeliveryMode,
        ServiceNeed,
        ServiceProfile,
        Taxonomy,
        TaxonomyTerm,
    )
    from linkwell.directory.services import search_documents_rebuild
    from linkwell.directory.services.indexing import documents_of

    path = tmp_path / "directory.json"
    path.write_text(json.dumps(_data(random.Random(31), 150)))
    hsds_import(source=str(path))
    services = list(Service.objects.order_by("id"))
    ids = [s.id for s in services]
    stored, described = _stored_and_described(ids)
    assert len(stored) == 150
    assert stored == described

    rng = random.Random(32)
    taxonomy = Taxonomy.objects.create(id=uuid.uuid4(), name="Local", description="Terms")
    terms = [
        TaxonomyTerm.objects.create(id=uuid.uuid4(), name=name, description=name, taxonomy="x")
        for name in ("Debt counselling", "Peer support", "Cafe")
    ]
    assert taxonomy.id
    for service in services[:40]:
        for term in rng.sample(terms, k=rng.choice([1, 2, 3])):
            Attribute.objects.create(
                id=uuid.uuid4(), link_id=service.id, link_entity="service", taxonomy_term=term
            )
    for n, service in enumerate(services[40:80]):
        # Two more places: one shared by two of its links, one with two addresses whose city
        # repeats an earlier place, and a blank name and region left out.
        shared = Location.objects.create(
            id=uuid.uuid4(), location_type="physical", name="" if n % 3 == 0 else f"Hall {n}"
        )
        other = Location.objects.create(id=uuid.uuid4(), location_type="physical", name="Leeds")
        for place in (shared, shared, other):
            ServiceAtLocation.objects.create(id=uuid.uuid4(), service=service, location=place)
        for city, region in (("Leeds", ""), (f"Town {n % 4}", "Otley"), ("Bradford", None)):
            Address.objects.create(
                id=uuid.uuid4(),
                location=rng.choice([shared, other]),
                address_1="2 Low Road",
                city=city,
                region=region,
                state_province="West Yorkshire",
                postal_code="LS2 2BB",
                country="GB",
                address_type="physical",
            )
    for service in services[80:90]:
        service.alternate_name = "Also known as " + service.name
        service.eligibility_description = "Adults living in Leeds"
        service.organization = None
        service.save()
        ServiceProfile.objects.filter(service=service).delete()
        ServiceNeed.objects.filter(service=service).delete()
        ServiceDeliveryMode.objects.filter(service=service).delete()
    for service in services[90:95]:
        ServiceNeed.objects.create(service=service, need="not_a_known_need")
    Organization.objects.filter(id=services[95].organization_id).update(name="")
    search_documents_rebuild(service_ids=ids)
    stored, described = _stored_and_described(ids)
    assert stored == described
    bodies = {str(row[0]): row[2] for row in documents_of(ids)}
    assert "Debt counselling" in " ".join(bodies[str(s.id)] for s in services[:40])
    assert all(bodies[str(s.id)].count("Leeds") == 1 for s in services[40:80])
    assert "not_a_known_need" in bodies[str(services[90].id)]


@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="PostgreSQL's planner statistics")
@pytest.mark.parametrize(("atomic", "services"), [(False, 61), (True, 73)])
def test_a_large_import_builds_its_documents_with_the_directorys_statistics(
    tmp_path, monkeypatch, atomic, services
):
    """The search documents of a large import are built by statements planned for the directory
    as it now is: the tables they read have been analysed, with the rows of this import, before
    the documents are built (an import into an empty directory would otherwise plan them for
    empty tables). PostgreSQL keeps a table's statistics when the test's transaction is rolled
    back, so each case imports its own number of services."""
    from linkwell.directory.services import importing

    monkeypatch.setattr(importing, "ANALYZE_AFTER_RECORDS", 50)
    seen = {}
    rebuild = importing.search_documents_rebuild

    def watched(*, service_ids):
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT relname, reltuples FROM pg_class WHERE relname IN "
                "('directory_service', 'directory_serviceneed', 'directory_address')"
            )
            seen.update(cursor.fetchall())
        return rebuild(service_ids=service_ids)

    monkeypatch.setattr(importing, "search_documents_rebuild", watched)
    path = tmp_path / "directory.json"
    path.write_text(json.dumps(_data(random.Random(41), services)))
    report = hsds_import(source=str(path), atomic=atomic)
    assert report.created["service"] == services
    assert seen["directory_service"] == services
    assert seen["directory_address"] == services
    assert seen["directory_serviceneed"] > services
    assert ServiceSearchDocument.objects.count() == services
