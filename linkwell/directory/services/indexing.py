"""Keeping the full-text search document of each service current.

The database's own index (FTS5 triggers on SQLite, the GIN expression index on PostgreSQL) follows
ServiceSearchDocument, so writing that row is all a change needs.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable

from django.db import connection, transaction

from linkwell.common.needs import NEED_LABELS
from linkwell.directory.models import (
    Address,
    Attribute,
    Service,
    ServiceAtLocation,
    ServiceNeed,
)
from linkwell.directory.search import among
from linkwell.directory.signals import services_changed

CHUNK = 2000
FACTS = ("status", "minimum_age", "maximum_age", "verified_at", "cost", "access")
UPSERT = (
    "INSERT INTO directory_servicesearchdocument (service_id, name, body, "  # noqa: S608  # constant
    + ", ".join(FACTS)
    + ") VALUES (%s, %s, %s, "
    + ", ".join(["%s"] * len(FACTS))
    + ") ON CONFLICT (service_id) DO UPDATE SET name = excluded.name, body = excluded.body, "
    + ", ".join(f"{c} = excluded.{c}" for c in FACTS)
)


def _chunks(ids: list[uuid.UUID]) -> Iterable[list[uuid.UUID]]:
    for i in range(0, len(ids), CHUNK):
        yield ids[i : i + CHUNK]


@transaction.atomic
def search_documents_rebuild(*, service_ids: Iterable[uuid.UUID]) -> int:
    """Rewrite the search documents of these services; returns how many were written.

    The name field holds the service's names (ranked higher); the body holds its description,
    eligibility, organisation, needs met, taxonomy terms and where it is. The document also
    carries the facts searches filter on (see ServiceSearchDocument).
    """
    written = 0
    sqlite = connection.vendor == "sqlite"
    adapt = connection.ops.adapt_datetimefield_value
    wanted = sorted(set(service_ids))
    for ids in _chunks(wanted):
        services = list(
            Service.objects.filter(id__in=among(ids)).values(
                "id",
                "name",
                "alternate_name",
                "description",
                "eligibility_description",
                "organization__name",
                "status",
                "minimum_age",
                "maximum_age",
                "profile__verified_at",
                "profile__cost",
                "profile__access",
            )
        )
        needs: dict[uuid.UUID, list[str]] = defaultdict(list)
        for sid, need in ServiceNeed.objects.filter(service_id__in=among(ids)).values_list(
            "service_id", "need"
        ):
            needs[sid].append(NEED_LABELS.get(need, need))
        places: dict[uuid.UUID, list[str]] = defaultdict(list)
        sal_rows = ServiceAtLocation.objects.filter(service_id__in=among(ids)).values_list(
            "service_id", "location_id", "location__name"
        )
        by_location: dict[uuid.UUID, list[uuid.UUID]] = defaultdict(list)
        for sid, lid, lname in sal_rows:
            if sid is None:
                continue
            if lname:
                places[sid].append(lname)
            if lid:
                by_location[lid].append(sid)
        for lid, city, region in Address.objects.filter(
            location_id__in=among(by_location)
        ).values_list("location_id", "city", "region"):
            for sid in by_location[lid]:
                places[sid] += [p for p in (city, region) if p]
        terms: dict[uuid.UUID, list[str]] = defaultdict(list)
        for link_id, term in Attribute.objects.filter(
            link_id__in=among(ids), taxonomy_term__isnull=False
        ).values_list("link_id", "taxonomy_term__name"):
            if link_id is not None:
                terms[link_id].append(term)
        docs = []
        for s in services:
            sid = s["id"]
            name = " ".join(p for p in (s["name"], s["alternate_name"]) if p)
            body = " ".join(
                p
                for p in (
                    s["description"],
                    s["eligibility_description"],
                    s["organization__name"],
                    " ".join(needs[sid]),
                    " ".join(terms[sid]),
                    " ".join(dict.fromkeys(places[sid])),
                )
                if p
            )
            verified = s["profile__verified_at"]
            docs.append(
                (
                    sid.hex if sqlite else sid,
                    name,
                    body,
                    s["status"],
                    s["minimum_age"],
                    s["maximum_age"],
                    None if verified is None else adapt(verified),
                    s["profile__cost"],
                    s["profile__access"],
                )
            )
        # One prepared upsert for the chunk (the database's full-text index follows the rows).
        with connection.cursor() as cursor:
            cursor.executemany(UPSERT, docs)
        written += len(docs)
    services_changed.send(sender=Service, service_ids=wanted)
    return written
