import json
import threading
import uuid
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import pytest

from linkwell.audit.models import AuditEvent
from linkwell.directory.models import Organization, Phone, Service, ServiceSearchDocument
from linkwell.directory.selectors import service_search
from linkwell.directory.services import hsds_import
from linkwell.hsds.reader import SourceError
from linkwell.hsds.structure import MAX_TEXT_LENGTH

pytestmark = pytest.mark.django_db


def _service(name="Debt advice", **extra):
    org_id = extra.pop("org_id", None) or str(uuid.uuid4())
    return {
        "id": str(uuid.uuid4()),
        "name": name,
        "status": "active",
        "description": f"{name} for everyone",
        "organization": {"id": org_id, "name": "Advice Centre", "description": "Advice"},
        **extra,
    }


def _write(tmp_path, data, name="data.json"):
    path = tmp_path / name
    path.write_text(json.dumps(data))
    return str(path)


def test_array_of_services_loads_and_is_searchable(tmp_path):
    report = hsds_import(source=_write(tmp_path, [_service(), _service("Walking group")]))
    assert report.problems == []
    assert report.created["service"] == 2
    assert ServiceSearchDocument.objects.count() == 2
    found = service_search(query="walking", include_hidden=True)
    assert [hit.service.name for hit in found.hits] == ["Walking group"]
    assert AuditEvent.objects.filter(action="directory.import").count() == 1


def test_reimport_updates_in_place_and_never_duplicates(tmp_path):
    service = _service()
    hsds_import(source=_write(tmp_path, [service]))
    service["name"] = "Debt and money advice"
    report = hsds_import(source=_write(tmp_path, [service]))
    assert report.updated["service"] == 1 and report.created["service"] == 0
    assert Service.objects.get().name == "Debt and money advice"


def test_record_without_id_is_reported_and_the_rest_load(tmp_path):
    broken = _service("No id")
    del broken["id"]
    report = hsds_import(source=_write(tmp_path, [broken, _service("Good")]))
    assert report.problems == [
        ("data.json item 0", "data.json item 0.id: required by HSDS but missing")
    ]
    assert list(Service.objects.values_list("name", flat=True)) == ["Good"]


def test_id_that_is_not_a_uuid_is_refused(tmp_path):
    report = hsds_import(source=_write(tmp_path, [_service(id="service-1")]))
    assert "is not a UUID" in report.problems[0][1]
    assert not Service.objects.exists()


def test_wrong_type_is_reported_with_the_field_path(tmp_path):
    bad = _service(minimum_age="twelve")
    report = hsds_import(source=_write(tmp_path, [bad]))
    assert report.problems[0][1] == "data.json item 0.minimum_age: expected a number, got str"
    bad = _service(phones=[{"id": str(uuid.uuid4()), "number": 123}])
    report = hsds_import(source=_write(tmp_path, [bad]))
    assert report.problems[0][1] == "data.json item 0.phones[0].number: expected text, got int"
    assert not Phone.objects.exists()


def test_unknown_status_is_refused(tmp_path):
    report = hsds_import(source=_write(tmp_path, [_service(status="open")]))
    assert "is not one of active, inactive, defunct, temporarily closed" in report.problems[0][1]


def test_broken_reference_is_reported(tmp_path):
    service = _service()
    del service["organization"]
    service["organization_id"] = str(uuid.uuid4())
    report = hsds_import(source=_write(tmp_path, [service]))
    assert "names no organization in the data" in report.problems[0][1]
    assert not Service.objects.exists()


def test_duplicate_ids_in_one_file_keep_the_later_record_and_warn(tmp_path):
    first = _service("First")
    second = {**first, "name": "Second"}
    report = hsds_import(source=_write(tmp_path, [first, second]))
    assert Service.objects.get().name == "Second"
    assert "appeared before at data.json item 0" in report.warnings[0]


def test_huge_text_is_refused_with_its_size(tmp_path):
    report = hsds_import(
        source=_write(tmp_path, [_service(description="x" * (MAX_TEXT_LENGTH + 1))])
    )
    assert "more than the 65,536 allowed" in report.problems[0][1]


def test_atomic_import_loads_nothing_when_one_record_is_bad(tmp_path):
    bad = _service()
    del bad["name"]
    report = hsds_import(source=_write(tmp_path, [_service(), bad]), atomic=True)
    assert report.rolled_back
    assert not Service.objects.exists() and not Organization.objects.exists()


def test_invalid_json_is_a_source_error(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text('[{"id": ')
    with pytest.raises(SourceError):
        hsds_import(source=str(path))


def test_paginated_pages_are_followed_from_a_url(tmp_path):
    services = [_service(f"Service {i}") for i in range(3)]
    pages = {
        1: {"total_items": 3, "total_pages": 2, "page_number": 1, "size": 2,
            "first_page": True, "last_page": False, "empty": False, "contents": services[:2]},
        2: {"total_items": 3, "total_pages": 2, "page_number": 2, "size": 1,
            "first_page": False, "last_page": True, "empty": False, "contents": services[2:]},
    }  # fmt: skip
    for n, page in pages.items():
        (tmp_path / f"services{n}.json").write_text(json.dumps(page))

    class Handler(SimpleHTTPRequestHandler):
        def translate_path(self, path):
            page = path.split("page=")[-1] if "page=" in path else "1"
            return str(tmp_path / f"services{page}.json")

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(Handler, directory=str(tmp_path)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/services"
        report = hsds_import(source=url)
    finally:
        server.shutdown()
    assert report.problems == []
    assert Service.objects.count() == 3


def test_import_command_prints_a_summary_and_refusals(tmp_path, capsys):
    from django.core.management import call_command

    bad = _service()
    del bad["id"]
    call_command("import_hsds", _write(tmp_path, [_service(), bad]), "--no-progress")
    out, err = capsys.readouterr()
    assert "2 records read, 1 loaded, 1 refused" in out
    assert "Refused data.json item 1" in err


def test_import_command_says_when_it_indexes_what_it_read(tmp_path, capsys):
    """After the last record the progress bar says what the import is doing (indexing the
    services for search and matching), not a count that has stopped moving."""
    from django.core.management import call_command

    services = [_service(), _service()]
    call_command("import_hsds", _write(tmp_path, services))
    out, err = capsys.readouterr()
    assert "Indexing 2 services for search and matching" in err
    assert "2 records read, 2 loaded, 0 refused" in out

    call_command("import_hsds", _write(tmp_path, services[:1]), "--no-progress")
    assert "Indexing" not in capsys.readouterr().err
