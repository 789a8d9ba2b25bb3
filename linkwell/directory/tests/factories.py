"""Directory test data: a service with its organization, profile, place and opening times."""

from __future__ import annotations

import datetime as dt
import uuid

from django.utils import timezone

from linkwell.directory.models import (
    Address,
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
from linkwell.directory.services import search_documents_rebuild

# Leeds city centre and a point about 10 km north-west of it.
CITY = (53.7997, -1.5492)
OUTSKIRTS = (53.8700, -1.6700)


def make_organization(name: str = "Northside Advice", **extra) -> Organization:
    return Organization.objects.create(
        id=uuid.uuid4(), name=name, description=f"{name} helps people", **extra
    )


def make_service(
    name: str = "Debt advice",
    *,
    organization: Organization | None = None,
    description: str = "Free help with debts and benefits",
    status: str = "active",
    needs: tuple[str, ...] = ("money",),
    modes: tuple[str, ...] = ("face_to_face",),
    at: tuple[float, float] | None = CITY,
    byday: str | None = "MO,WE",
    opens_at: str = "09:00",
    closes_at: str = "17:00",
    languages: tuple[str, ...] = ("en",),
    cost: str = "free",
    access: str = "self_referral",
    verified_days_ago: int = 10,
    minimum_age: float | None = None,
    maximum_age: float | None = None,
    index: bool = True,
) -> Service:
    organization = organization or make_organization()
    service = Service.objects.create(
        id=uuid.uuid4(),
        organization=organization,
        name=name,
        description=description,
        status=status,
        minimum_age=minimum_age,
        maximum_age=maximum_age,
        application_process="Phone us or drop in.",
    )
    ServiceProfile.objects.create(
        service=service,
        cost=cost,
        access=access,
        verified_at=timezone.now() - dt.timedelta(days=verified_days_ago),
    )
    for need in needs:
        ServiceNeed.objects.create(service=service, need=need)
    for mode in modes:
        ServiceDeliveryMode.objects.create(service=service, mode=mode)
    for code in languages:
        Language.objects.create(id=uuid.uuid4(), service=service, code=code, name=code)
    if at is not None:
        location = Location.objects.create(
            id=uuid.uuid4(),
            location_type="physical",
            organization=organization,
            name=f"{name} venue",
            latitude=at[0],
            longitude=at[1],
        )
        Address.objects.create(
            id=uuid.uuid4(),
            location=location,
            address_1="1 Market Street",
            city="Leeds",
            state_province="West Yorkshire",
            postal_code="LS1 1AA",
            country="GB",
            address_type="physical",
        )
        ServiceAtLocation.objects.create(id=uuid.uuid4(), service=service, location=location)
    if byday:
        Schedule.objects.create(
            id=uuid.uuid4(),
            service=service,
            freq="WEEKLY",
            byday=byday,
            opens_at=opens_at,
            closes_at=closes_at,
        )
    if index:
        search_documents_rebuild(service_ids=[service.id])
    return service
