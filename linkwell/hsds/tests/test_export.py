import csv
import io
import json
from pathlib import Path

import pytest

from linkwell.directory.models import Service, ServiceNeed, ServiceProfile
from linkwell.directory.services import hsds_import
from linkwell.hsds.export import nest_by_ids, write_csv_package, write_json
from linkwell.hsds.reader import detect_table

from .hsds_schemas import errors, is_subset, validator

pytestmark = pytest.mark.django_db

EXAMPLES = [
    ("openreferral-specification-3.0", "service_full.json", "service"),
    ("openreferral-specification-3.0", "organization_full.json", "organization"),
    ("openreferral-specification-3.0", "service_at_location_full.json", "service_at_location"),
    ("openreferral-specification-3.0", "location.json", "location"),
    ("openreferral-specification-3.0", "taxonomy_term.json", "taxonomy_term"),
    ("oruk-uk-profile-3.0", "service_full.json", "service"),
    ("oruk-uk-profile-3.0", "organization_full.json", "organization"),
    ("oruk-uk-profile-3.0", "service_at_location_full.json", "service_at_location"),
]


@pytest.fixture
def spec(shared_dir) -> Path:
    return shared_dir / "external" / "hsds" / "openreferral-specification-3.0"


@pytest.mark.parametrize(("folder", "name", "table"), EXAMPLES)
def test_specification_examples_round_trip_without_loss(shared_dir, folder, name, table):
    path = shared_dir / "external" / "hsds" / folder / "examples" / name
    original = json.loads(path.read_text())
    report = hsds_import(source=str(path), table=table)
    assert report.problems == []
    [exported] = nest_by_ids(table, [original["id"]])
    assert is_subset(original, exported) == []


def test_exported_json_validates_against_the_compiled_schemas(shared_dir, spec):
    examples = spec / "examples"
    for name in ("organization_full.json", "service_full.json", "service_at_location_full.json"):
        assert hsds_import(source=str(examples / name)).problems == []
    out = io.StringIO()
    count = write_json(out)
    objects = json.loads(out.getvalue())
    assert count == len(objects) > 0
    schemas = {"organization": "compiled/organization.json", "service": "compiled/service.json"}
    schemas["taxonomy_term"] = "taxonomy_term.json"
    for obj in objects:
        table = detect_table(obj)
        assert table in schemas
        assert errors(validator(spec, schemas[table]), obj) == []


def test_linkwell_facts_are_exported_as_attributes_and_read_back(spec, tmp_path):
    assert hsds_import(source=str(spec / "examples" / "service_full.json")).problems == []
    service = Service.objects.get()
    ServiceNeed.objects.create(service=service, need="money")
    ServiceProfile.objects.filter(service=service).update(
        typical_wait_days=9, eligibility_communities=["carers"]
    )
    [exported] = nest_by_ids("service", [service.id])
    assert errors(validator(spec, "compiled/service.json"), exported) == []
    path = tmp_path / "service.json"
    path.write_text(json.dumps(exported))
    ServiceNeed.objects.all().delete()
    ServiceProfile.objects.all().delete()
    assert hsds_import(source=str(path)).problems == []
    profile = ServiceProfile.objects.get(service=service)
    assert profile.typical_wait_days == 9
    assert profile.eligibility_communities == ["carers"]
    assert list(ServiceNeed.objects.values_list("need", flat=True)) == ["money"]
    [again] = nest_by_ids("service", [service.id])
    assert sorted(a["id"] for a in again["attributes"]) == sorted(
        a["id"] for a in exported["attributes"]
    )


def test_csv_package_of_the_uk_profile_round_trips_without_loss(shared_dir, tmp_path):
    source = shared_dir / "external" / "hsds" / "oruk-uk-profile-3.0" / "examples" / "csv"
    assert hsds_import(source=str(source)).problems == []
    counts = write_csv_package(tmp_path)
    package = json.loads((tmp_path / "datapackage.json").read_text())
    assert {r["name"] for r in package["resources"]} >= {"service", "organization", "location"}
    for original_name, table in [
        ("services.csv", "service"),
        ("locations.csv", "location"),
        ("schedule.csv", "schedule"),
        ("phones.csv", "phone"),
    ]:
        with (source / original_name).open(newline="") as f:
            original = {r["id"]: r for r in csv.DictReader(f)}
        with (tmp_path / f"{table}.csv").open(newline="") as f:
            exported = {r["id"]: r for r in csv.DictReader(f)}
        assert counts[table] >= len(original)
        for row_id, row in original.items():
            for key, value in row.items():
                if value == "":
                    continue
                got = exported[row_id][key]
                try:
                    assert float(got) == float(value), (table, key)
                except ValueError:
                    assert got == value, (table, key)


def test_specification_csv_example_dangling_organization_is_reported_and_rest_loads(spec):
    # The official tabular example's location names an organization the package does not hold.
    report = hsds_import(source=str(spec / "examples" / "csv"))
    assert report.problems[0] == (
        "locations.csv line 2",
        "location 3a19ff88-4620-4d17-9830-ac1d859eb5d5: organization_id "
        "985e4a42-bd9f-4edc-911d-0243a4640aca names no organization in the data",
    )
    assert Service.objects.filter(id="ac148810-d857-441c-9679-408f346de14b").exists()


def test_exported_csv_package_imports_again_unchanged(shared_dir, tmp_path):
    source = shared_dir / "external" / "hsds" / "oruk-uk-profile-3.0" / "examples" / "csv"
    assert hsds_import(source=str(source)).problems == []
    write_csv_package(tmp_path / "first")
    report = hsds_import(source=str(tmp_path / "first"))
    assert report.problems == []
    # Only Linkwell's own taxonomy of service facts is new; every HSDS row is updated in place.
    assert {t for t, n in report.created.items() if n} <= {"taxonomy", "taxonomy_term"}
    write_csv_package(tmp_path / "second")
    for path in (tmp_path / "first").glob("*.csv"):
        assert path.read_text() == (tmp_path / "second" / path.name).read_text()
