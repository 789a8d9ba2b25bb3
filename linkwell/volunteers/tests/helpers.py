"""Set-up for volunteer tests: a ready-to-match volunteer and a consenting person on a caseload."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from linkwell.accounts.models import Role
from linkwell.accounts.tests.factories import UserFactory
from linkwell.people.services import consent_record
from linkwell.people.tests.helpers import on_caseload
from linkwell.volunteers import services
from linkwell.volunteers.models import Volunteer, VolunteerStatus


def ready_volunteer(world, *, user=None, **fields) -> Volunteer:
    """An active befriender with a current DBS check and the required training done."""
    user = user or world.volunteer
    today = timezone.localdate()
    volunteer = services.volunteer_create(
        actor=world.link_worker,
        user=user,
        role=fields.pop("role", "befriender"),
        languages=fields.pop("languages", ["english"]),
        interests=fields.pop("interests", []),
        availability=fields.pop("availability", []),
        area=fields.pop("area", "LS6"),
    )
    module = volunteer.organisation.training_modules.filter(name="Safeguarding").first()
    if module is None:
        module = services.training_module_create(
            actor=world.link_worker,
            name="Safeguarding",
            required_for=["befriender", "peer_supporter"],
            valid_for_days=365,
        )
    services.volunteer_record_references(volunteer=volunteer, actor=world.link_worker, received=2)
    services.dbs_record(
        volunteer=volunteer,
        actor=world.link_worker,
        checked_on=today - dt.timedelta(days=10),
        renew_by=today + dt.timedelta(days=3 * 365),
    )
    services.training_record(
        volunteer=volunteer, actor=world.link_worker, module=module, completed_on=today
    )
    for status in ("references", "checks", "training", "active"):
        services.volunteer_set_status(volunteer=volunteer, actor=world.link_worker, status=status)
    volunteer.refresh_from_db()
    assert volunteer.status == VolunteerStatus.ACTIVE
    return volunteer


def other_volunteer_user(world):
    return UserFactory(
        username="vol2", organisation=world.volunteer.organisation, role=Role.VOLUNTEER
    )


def consenting_person(world, **fields):
    person = on_caseload(world.service_team, **fields)
    consent_record(
        person=person, purpose="support", given=True, actor=world.link_worker, method="verbal"
    )
    return person
