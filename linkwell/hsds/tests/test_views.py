import pytest
from django.test import Client

from linkwell.directory.models import Service
from linkwell.directory.services import hsds_import
from linkwell.directory.tests.factories import make_organization, make_service

from .hsds_schemas import errors, openapi_validator, validator

pytestmark = pytest.mark.django_db

SERVICE_ID = "ac148810-d857-441c-9679-408f346de14b"


@pytest.fixture
def spec(shared_dir):
    return shared_dir / "external" / "hsds" / "openreferral-specification-3.0"


@pytest.fixture
def loaded(spec):
    for name in ("organization_full.json", "service_full.json", "service_at_location_full.json"):
        assert hsds_import(source=str(spec / "examples" / name)).problems == []
    hsds_import(source=str(spec / "examples" / "taxonomy_term.json"), table="taxonomy_term")
    # The example was last checked in 2005; mark it verified so it is published.
    from django.utils import timezone

    from linkwell.directory.models import ServiceProfile

    ServiceProfile.objects.update(verified_at=timezone.now())


def get(path, **params):
    response = Client().get(path, params)
    return response.status_code, response.json()


def test_root_says_which_version(spec):
    status, body = get("/hsds/")
    assert status == 200
    assert errors(openapi_validator(spec, "/"), body) == []
    assert body["version"] == "3.0"


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/services", {}),
        ("/services", {"full": "true"}),
        ("/services", {"search": "counselling"}),
        ("/organizations", {}),
        ("/organizations", {"full_service": "true"}),
        ("/service_at_locations", {}),
        ("/taxonomies", {}),
        ("/taxonomy_terms", {}),
    ],
)
def test_list_responses_validate_against_the_openapi_schemas(spec, loaded, path, params):
    status, body = get(f"/hsds{path}", **params)
    assert status == 200
    assert errors(openapi_validator(spec, path), body) == []
    assert body["total_items"] >= 1 and body["contents"]


def test_detail_responses_validate_against_the_compiled_schemas(spec, loaded):
    status, body = get(f"/hsds/services/{SERVICE_ID}")
    assert status == 200
    assert errors(validator(spec, "compiled/service.json"), body) == []
    org_id = body["organization"]["id"]
    status, body = get(f"/hsds/organizations/{org_id}")
    assert errors(validator(spec, "compiled/organization.json"), body) == []
    sal_id = Service.objects.get(id=SERVICE_ID).service_at_locations.first().id
    status, body = get(f"/hsds/service_at_locations/{sal_id}")
    # openapi.json names compiled/service.json here, an error in the specification; a
    # service_at_location is returned and checked against its own compiled schema.
    assert errors(validator(spec, "compiled/service_at_location.json"), body) == []


def test_search_and_filters_on_services(loaded):
    make_service("Walking group")
    _, body = get("/hsds/services", search="walking")
    assert [s["name"] for s in body["contents"]] == ["Walking group"]
    org = make_organization("Other")
    make_service("Other service", organization=org)
    _, body = get("/hsds/services", organization_id=str(org.id))
    assert [s["name"] for s in body["contents"]] == ["Other service"]
    _, body = get("/hsds/services", modified_after="2999-01-01")
    assert body["total_items"] == 0 and body["empty"] is True


def test_paging_fields(loaded):
    for i in range(3):
        make_service(f"Service {i}")
    _, body = get("/hsds/services", per_page=2, page=2)
    assert body["total_items"] == 4
    assert body["total_pages"] == 2
    assert body["page_number"] == 2 and body["size"] == 2
    assert body["last_page"] is True and body["first_page"] is False


def test_bad_parameters_are_refused_with_the_error_shape():
    status, body = get("/hsds/services", per_page="lots")
    assert status == 400
    assert body == {
        "message": "per_page must be a whole number.",
        "extra": {"parameter": "per_page"},
    }
    status, _ = get("/hsds/services", taxonomy_term_id="nope")
    assert status == 400


def test_hidden_services_are_not_published():
    make_service("Gone", status="defunct")
    stale = make_service("Stale", verified_days_ago=400)
    _, body = get("/hsds/services")
    assert body["total_items"] == 0
    status, _ = get(f"/hsds/services/{stale.id}")
    assert status == 404
    status, _ = get("/hsds/services/not-a-uuid")
    assert status == 404


def test_the_api_is_read_only():
    assert Client().post("/hsds/services", {}).status_code == 405
