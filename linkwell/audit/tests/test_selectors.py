import uuid
from datetime import UTC, date, datetime

import pytest
import time_machine
from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from linkwell.accounts.tests.factories import UserFactory
from linkwell.audit.models import AuditEvent
from linkwell.audit.selectors import (
    AuditFilters,
    audit_page,
    audit_search_allowed,
    audit_search_for_user,
)
from linkwell.audit.services import audit_log
from linkwell.common.errors import Forbidden

NOBODY_SEES = ["link_worker", "teammate", "outsider", "referrer", "provider", "volunteer"]


def _search(user, **filters) -> list[AuditEvent]:
    events = audit_search_for_user(user=user, filters=AuditFilters(**filters))
    return [e for e in events if e.object_type != "AuditLog"]


def _thing(actor, object_id: str = "1", **kwargs) -> AuditEvent:
    return audit_log(action="read", object_type="Thing", object_id=object_id, actor=actor, **kwargs)


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["supervisor", "admin"])
def test_supervisors_and_admins_see_what_people_of_their_organisation_did(world, persona):
    mine = _thing(world.link_worker, "mine")
    _thing(world.outsider, "elsewhere")
    _thing(world.referrer, "gp")
    audit_log(action="login_failed", object_type="User", detail={"username": "someone"})
    found = _search(getattr(world, persona))
    assert [e.pk for e in found] == [mine.pk]


@pytest.mark.django_db
def test_superusers_see_every_row(world):
    root = UserFactory(username="root", is_superuser=True, is_staff=True)
    rows = [_thing(world.link_worker), _thing(world.outsider), _thing(None)]
    found = _search(root)
    assert {e.pk for e in found} == {r.pk for r in rows}


@pytest.mark.django_db
@pytest.mark.parametrize("persona", [*NOBODY_SEES, "commissioner"])
def test_other_roles_cannot_search_the_audit_log(world, persona):
    user = getattr(world, persona)
    assert not audit_search_allowed(user=user)
    with pytest.raises(Forbidden):
        audit_search_for_user(user=user, filters=AuditFilters())
    assert not AuditEvent.objects.filter(object_type="AuditLog").exists()


@pytest.mark.django_db
def test_a_supervisor_without_an_organisation_sees_nothing(world):
    loose = UserFactory(username="loose", role="supervisor")
    _thing(world.link_worker)
    assert _search(loose) == []


@pytest.mark.django_db
def test_searching_is_itself_written_to_the_audit_log(world):
    person = uuid.uuid4()
    audit_search_for_user(
        user=world.supervisor, filters=AuditFilters(person_uuid=person, action="read")
    )
    row = AuditEvent.objects.get(object_type="AuditLog")
    assert (row.action, row.actor, row.request_id) == ("read", world.supervisor, "")
    assert row.detail == {"filters": {"person_uuid": str(person), "action": "read"}}


@pytest.mark.django_db
def test_filters_narrow_the_search(world):
    about_person = audit_log(
        action="update", object_type="Person", object_id=str(uuid.uuid4()), actor=world.teammate
    )
    other = _thing(world.link_worker)
    sup = world.supervisor
    assert [e.pk for e in _search(sup, object_type="Person")] == [about_person.pk]
    assert [e.pk for e in _search(sup, actor_username="MATE")] == [about_person.pk]
    assert [e.pk for e in _search(sup, action="update")] == [about_person.pk]
    assert [e.pk for e in _search(sup, actor_username="lw")] == [other.pk]
    assert _search(sup, actor_username="nobody-by-that-name") == []


@pytest.mark.django_db
def test_person_and_request_filters(world):
    from linkwell.audit.context import RequestContext, reset_context, set_context
    from linkwell.people.tests.factories import PersonFactory

    person = PersonFactory()
    token = set_context(RequestContext(request_id="req-abc"))
    try:
        in_request = audit_log(action="read", obj=person, actor=world.link_worker)
    finally:
        reset_context(token)
    _thing(world.link_worker)
    assert [e.pk for e in _search(world.supervisor, person_uuid=person.uuid)] == [in_request.pk]
    assert [e.pk for e in _search(world.supervisor, request_id="req-abc")] == [in_request.pk]


@pytest.mark.django_db
def test_date_range_is_in_uk_time_and_includes_both_days(world):
    # 23:30 UTC on 30 June is 00:30 on 1 July in London (summer time).
    with time_machine.travel(datetime(2026, 6, 30, 23, 30, tzinfo=UTC), tick=False):
        first_of_july = _thing(world.link_worker, "late")
    with time_machine.travel(datetime(2026, 6, 30, 22, 59, tzinfo=UTC), tick=False):
        thirtieth = _thing(world.link_worker, "early")
    sup = world.supervisor
    july_1 = date(2026, 7, 1)
    june_30 = date(2026, 6, 30)
    assert [e.pk for e in _search(sup, date_from=july_1, date_to=july_1)] == [first_of_july.pk]
    assert [e.pk for e in _search(sup, date_from=june_30, date_to=june_30)] == [thirtieth.pk]
    assert len(_search(sup, date_from=june_30, date_to=july_1)) == 2
    assert [e.pk for e in _search(sup, date_to=june_30)] == [thirtieth.pk]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("filters", "field"),
    [
        ({"date_from": date(2026, 5, 2), "date_to": date(2026, 5, 1)}, "date_to"),
        ({"action": "shred"}, "action"),
        ({"request_id": "x" * 65}, "request_id"),
    ],
)
def test_impossible_filters_are_refused_and_not_logged(world, filters, field):
    with pytest.raises(ValidationError) as excinfo:
        audit_search_for_user(user=world.supervisor, filters=AuditFilters(**filters))
    assert field in excinfo.value.message_dict
    assert not AuditEvent.objects.filter(object_type="AuditLog").exists()


@pytest.mark.django_db
def test_pages_hold_fifty_rows_newest_first(world):
    rows = [_thing(world.link_worker, str(i)) for i in range(120)]
    events = AuditEvent.objects.filter(object_type="Thing").order_by("-id")
    first = audit_page(events)
    assert [e.pk for e in first.events] == [r.pk for r in reversed(rows[70:])]
    assert first.newer_than is None
    second = audit_page(events, before=first.older_than)
    assert [e.pk for e in second.events] == [r.pk for r in reversed(rows[20:70])]
    third = audit_page(events, before=second.older_than)
    assert [e.pk for e in third.events] == [r.pk for r in reversed(rows[:20])]
    assert third.older_than is None
    back = audit_page(events, after=third.newer_than)
    assert [e.pk for e in back.events] == [e.pk for e in second.events]


@pytest.mark.django_db
@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(size=st.integers(min_value=1, max_value=12), start=st.integers(min_value=0, max_value=30))
def test_paging_older_then_newer_visits_every_row_once(world, size, start):
    if not AuditEvent.objects.filter(object_type="Thing").exists():
        for i in range(23):
            _thing(world.link_worker, str(i))
    events = AuditEvent.objects.filter(object_type="Thing").order_by("-id")
    all_ids = list(events.values_list("id", flat=True))
    before = all_ids[start] if start < len(all_ids) else None
    expected = [i for i in all_ids if before is None or i < before]
    seen: list[int] = []
    pages = []
    page = audit_page(events, before=before, size=size)
    while True:
        pages.append([e.id for e in page.events])
        seen.extend(pages[-1])
        if page.older_than is None:
            break
        page = audit_page(events, before=page.older_than, size=size)
    assert seen == expected
    # Walking back with ``after`` gives the same pages in reverse.
    for previous in reversed(pages[:-1]):
        page = audit_page(events, after=page.newer_than, size=size)
        assert [e.id for e in page.events] == previous
