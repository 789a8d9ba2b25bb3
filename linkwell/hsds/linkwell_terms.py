"""Linkwell's own facts about a service, carried in HSDS as attributes of one taxonomy.

HSDS has no fields for "which needs it meets" or "how it is delivered", so Linkwell publishes them
as attributes whose taxonomy term is one of the terms below (taxonomy "Linkwell service facts").
Ids are UUID5s of stable names, so the same service exports the same attribute ids every time and
another Linkwell reading the export recognises them.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

NAMESPACE = uuid.UUID("5b0f7d1e-2f43-4d55-9a57-4c3c6b1f0a11")
TAXONOMY_ID = uuid.uuid5(NAMESPACE, "taxonomy")
TAXONOMY = {
    "id": str(TAXONOMY_ID),
    "name": "Linkwell service facts",
    "description": "Needs met, delivery modes, eligibility, access, capacity and verification "
    "of a service, as recorded by a Linkwell social prescribing directory.",
    "version": "1",
}
# term code -> (name, description); the attribute's value carries the fact.
TERMS: dict[str, tuple[str, str]] = {
    "need": ("Need met", "A needs domain (Linkwell needs taxonomy) the service helps with."),
    "delivery_mode": ("Delivery mode", "How the service is delivered."),
    "community": ("Community", "A community the service is meant for."),
    "area_served": ("Area served", "A town, ward or borough the service covers."),
    "access": ("How to get in", "self_referral or referral_needed."),
    "cost": ("Cost", "free, paid or unknown."),
    "capacity": ("Capacity", "How many people the service can take at a time."),
    "typical_wait_days": ("Typical wait", "Typical wait in days before support starts."),
    "verified_at": ("Verified", "When the listing was last confirmed as correct (ISO 8601)."),
}
TERM_IDS: dict[str, uuid.UUID] = {code: uuid.uuid5(NAMESPACE, f"term:{code}") for code in TERMS}
CODE_BY_TERM_ID: dict[uuid.UUID, str] = {v: k for k, v in TERM_IDS.items()}
LIST_FACTS = ("need", "delivery_mode", "community", "area_served")


@dataclass
class ServiceFacts:
    """Facts read from attributes; ``present`` names the single-valued facts that were given."""

    lists: dict[str, list[str]] = field(default_factory=lambda: {k: [] for k in LIST_FACTS})
    values: dict[str, str] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return not self.values and not any(self.lists.values())

    def add(self, code: str, value: str) -> None:
        if code in self.lists:
            if value not in self.lists[code]:
                self.lists[code].append(value)
        else:
            self.values[code] = value


def term_json(code: str) -> dict[str, Any]:
    name, description = TERMS[code]
    return {
        "id": str(TERM_IDS[code]),
        "code": code,
        "name": name,
        "description": description,
        "taxonomy_id": str(TAXONOMY_ID),
        "taxonomy_detail": dict(TAXONOMY),
    }


def attribute_json(service_id: uuid.UUID | str, code: str, value: str) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid5(NAMESPACE, f"attribute:{service_id}:{code}:{value}")),
        "link_id": str(service_id),
        "link_type": "linkwell_fact",
        "link_entity": "service",
        "taxonomy_term_id": str(TERM_IDS[code]),
        "value": value,
        "taxonomy_term": term_json(code),
    }


def facts_to_attributes(service_id: uuid.UUID | str, facts: ServiceFacts) -> list[dict[str, Any]]:
    out = []
    for code in LIST_FACTS:
        out += [attribute_json(service_id, code, v) for v in facts.lists.get(code, [])]
    for code, value in facts.values.items():
        out.append(attribute_json(service_id, code, value))
    return out
