import datetime as dt

import pytest

from linkwell.common.errors import NotFound
from linkwell.community import groups
from linkwell.directory.models import Service

pytestmark = pytest.mark.django_db


def _group(world, **fields):
    return groups.group_save(
        actor=world.link_worker,
        name=fields.pop("name", "Tuesday Walkers"),
        kind="activity",
        meeting_place="Headingley Library",
        meeting_times="Tuesdays 10am",
        **fields,
    )


def test_a_group_appears_in_the_directory_and_updates_there(world):
    group = _group(world)
    service = Service.objects.get(id=group.directory_service_id)
    assert service.name == "Tuesday Walkers"
    groups.group_save(
        actor=world.link_worker,
        group=group,
        name="Tuesday Walkers and Talkers",
        kind="activity",
        meeting_place="Headingley Library",
        meeting_times="Tuesdays 10am",
    )
    service.refresh_from_db()
    assert service.name == "Tuesday Walkers and Talkers"
    assert Service.objects.filter(id=group.directory_service_id).count() == 1


def test_sustainability_from_attendance_facilitators_and_funding(world):
    steady = _group(world, name="A steady group", funding="secured")
    for name in ("Jo", "Ravi"):
        groups.facilitator_add(actor=world.link_worker, group=steady, name=name, trained=True)
    shaky = _group(world, name="B shaky group")
    groups.facilitator_add(actor=world.link_worker, group=shaky, name="Kim", trained=False)
    start = dt.date(2026, 1, 6)
    steady_counts = [10, 11, 10, 11, 10, 12]
    shaky_counts = [12, 12, 11, 6, 5, 4]
    for week, (a, b) in enumerate(zip(steady_counts, shaky_counts, strict=True)):
        day = start + dt.timedelta(weeks=week)
        groups.attendance_record(actor=world.link_worker, group=steady, met_on=day, attended=a)
        groups.attendance_record(actor=world.link_worker, group=shaky, met_on=day, attended=b)
    first, second = groups.group_sustainability_for_user(user=world.supervisor)
    assert (first.trend, first.sustainable, first.trained_facilitators) == ("steady", True, 2)
    assert second.trend == "falling"
    assert second.recent_average == 5.0 and second.earlier_average == pytest.approx(11.7)
    assert second.concerns == [
        "Fewer than two trained facilitators.",
        "No funding.",
        "Attendance is falling.",
    ]


def test_outsider_cannot_see_or_change_groups(world):
    group = _group(world)
    with pytest.raises(NotFound):
        groups.facilitator_add(actor=world.outsider, group=group, name="X", trained=True)
    assert groups.group_sustainability_for_user(user=world.outsider) == []
    with pytest.raises(NotFound):
        groups.group_sustainability_for_user(user=world.volunteer)


def test_board_meeting_keeps_its_actions(world):
    meeting = groups.board_meeting_record(
        actor=world.link_worker,
        held_on=dt.date(2026, 10, 1),
        summary="Talked about waiting times",
        actions=[("Publish waiting times on the website", "Service manager")],
    )
    assert [a.action for a in meeting.actions.all()] == ["Publish waiting times on the website"]
