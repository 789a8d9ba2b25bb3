from datetime import UTC, datetime

import pytest
import time_machine
from django.urls import reverse

from linkwell.audit.models import AuditEvent
from linkwell.audit.services import audit_log

URL = "/audit/"


def _thing(actor, object_id: str = "1") -> AuditEvent:
    return audit_log(action="read", object_type="Thing", object_id=object_id, actor=actor)


def test_the_search_page_is_named_audit_search():
    assert reverse("audit:search") == URL


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["supervisor", "admin"])
def test_supervisors_and_admins_can_search(world, client_for, persona):
    with time_machine.travel(datetime(2026, 7, 1, 8, 5, 9, tzinfo=UTC), tick=False):
        _thing(world.link_worker, "found-it")
    _thing(world.outsider, "not-yours")
    response = client_for(getattr(world, persona)).get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert "found-it" in html
    assert "not-yours" not in html
    assert "1 Jul 2026, 09:05:09" in html  # shown in UK summer time
    assert 'for="id_date_from"' in html


@pytest.mark.django_db
@pytest.mark.parametrize(
    "persona",
    ["outsider", "link_worker", "teammate", "referrer", "provider", "volunteer", "commissioner"],
)
def test_everyone_else_is_refused(world, client_for, persona):
    _thing(world.link_worker, "secret")
    response = client_for(getattr(world, persona)).get(URL)
    assert response.status_code == 403
    assert b"secret" not in response.content
    assert not AuditEvent.objects.filter(object_type="AuditLog").exists()


@pytest.mark.django_db
def test_signed_out_visitors_are_sent_to_sign_in(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.django_db
def test_each_search_is_recorded_with_its_request_id(world, client_for):
    client = client_for(world.supervisor)
    response = client.get(URL, {"action": "update"}, HTTP_X_REQUEST_ID="search-123")
    assert response.status_code == 200
    row = AuditEvent.objects.get(object_type="AuditLog")
    assert (row.actor, row.action, row.request_id) == (world.supervisor, "read", "search-123")
    assert row.detail == {"filters": {"action": "update"}}


@pytest.mark.django_db
def test_filters_from_the_form_narrow_the_results(world, client_for):
    _thing(world.link_worker, "by-lw")
    _thing(world.teammate, "by-mate")
    html = client_for(world.supervisor).get(URL, {"actor": "mate"}).content.decode()
    assert "by-mate" in html
    assert "by-lw" not in html
    assert "Clear the search" in html


@pytest.mark.django_db
def test_bad_filters_show_an_error_summary_and_search_nothing(world, client_for):
    _thing(world.link_worker, "row")
    response = client_for(world.supervisor).get(
        URL, {"date_from": "2026-05-02", "date_to": "2026-05-01", "person": "not-a-uuid"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "There is a problem" in html
    assert "Enter the person&#x27;s reference in full" in html
    assert 'href="#id_person"' in html
    assert "Matching events" not in html
    assert not AuditEvent.objects.filter(object_type="AuditLog").exists()


@pytest.mark.django_db
def test_dates_in_the_wrong_order_are_explained(world, client_for):
    response = client_for(world.supervisor).get(
        URL, {"date_from": "2026-05-02", "date_to": "2026-05-01"}
    )
    html = response.content.decode()
    assert "The end date must be the same as or after the start date." in html
    assert 'href="#id_date_to"' in html


@pytest.mark.django_db
def test_results_are_paged_fifty_at_a_time_keeping_the_filters(world, client_for):
    for i in range(60):
        _thing(world.link_worker, f"row-{i:02d}-x")
    client = client_for(world.supervisor)
    html = client.get(URL, {"object_type": "Thing"}).content.decode()
    assert html.count("-x</span>") == 50
    assert "row-59-x" in html
    assert "row-09-x" not in html
    start = html.index('href="?object_type=Thing&amp;before=')
    older = html[start + 6 : html.index('"', start + 6)].replace("&amp;", "&")
    html = client.get(URL + older).content.decode()
    assert html.count("-x</span>") == 10
    assert "row-09-x" in html
    assert "Newer events" in html
    assert "Older events" not in html
