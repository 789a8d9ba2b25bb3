"""Demo directory: each community provider gets an HSDS organization and 1-3 services.

Everything is fictional: invented names and streets, phone numbers from Ofcom's drama ranges,
email addresses at example.org. Positions are the rough centres of the demo's outward codes
(they are registered as postcodes too, so "how far" works in the demo without the ONSPD file).
A few listings are left unverified for months so the freshness rules have something to show.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from linkwell.common.demo import DemoContext
from linkwell.hsds import linkwell_terms as lt

from .services import hsds_import_objects
from .services.geography import postcodes_add
from .services.listings import organization_link

# Rough centres of the demo's outward codes.
AREAS: dict[str, tuple[str, float, float]] = {
    "LS6": ("Headingley", 53.8225, -1.5760),
    "LS7": ("Chapel Allerton", 53.8290, -1.5380),
    "LS8": ("Roundhay", 53.8270, -1.5050),
    "LS9": ("Burmantofts", 53.8000, -1.5150),
    "LS11": ("Beeston", 53.7780, -1.5550),
    "LS12": ("Armley", 53.7960, -1.5900),
    "LS14": ("Seacroft", 53.8180, -1.4550),
    "LS15": ("Cross Gates", 53.8050, -1.4500),
}
VENUES = ("Community Centre", "Library", "Methodist Church Hall", "Health Centre", "Youth Hub")
STREETS = ("Beckside Road", "Millpond Lane", "Sycamore Row", "Weaver Street", "Orchard Walk")
DAYS = ("MO", "TU", "WE", "TH", "FR", "SA")
# Extra ways a provider runs its support: (name suffix, description, modes, days, hours).
VARIANTS = (
    ("drop-in", "Come along, no appointment needed.", ["community_venue", "face_to_face"]),
    ("phone line", "Ring us and talk it through with an adviser.", ["telephone"]),
    ("online group", "A friendly group on video, from home.", ["online_group", "video"]),
    ("home visits", "For people who cannot easily get out, we come to you.", ["home_visit"]),
)
COMMUNITIES = ("older_people", "carers", "bame", "young_people", "disabled_people", "parents")
LANGUAGES = (("en", "English"), ("ur", "Urdu"), ("pl", "Polish"), ("pa", "Punjabi"))
# Namespace for the demo's HSDS ids, so the same seed gives the same ids.
DEMO_NS = uuid.UUID("0f1d6a3e-8c55-4d0e-9d1b-5e2a7c3b9f40")


def _id(*parts: object) -> str:
    return str(uuid.uuid5(DEMO_NS, ":".join(str(p) for p in parts)))


def _service(ctx: DemoContext, spec: Any, org_id: str, n: int, verified: dt.datetime) -> dict:
    outward = ctx.pick(list(AREAS))
    area, lat, lon = AREAS[outward]
    variant = VARIANTS[(n - 1) % len(VARIANTS)] if n else None
    name = spec.name if variant is None else f"{spec.name} {variant[0]}"
    modes = ["face_to_face", "community_venue"] if variant is None else list(variant[2])
    sid = _id(spec.key, n)
    start = ctx.rng.choice([9, 10, 13])
    days = sorted(ctx.rng.sample(DAYS, ctx.rng.randint(1, 3)), key=DAYS.index)
    access = "referral_needed" if ctx.chance(0.25) else "self_referral"
    paid = ctx.chance(0.1)
    facts = lt.ServiceFacts()
    for need in spec.needs:
        facts.add("need", need)
    for mode in modes:
        facts.add("delivery_mode", mode)
    if ctx.chance(0.4):
        facts.add("community", ctx.pick(COMMUNITIES))
    facts.add("area_served", area)
    facts.add("access", access)
    facts.add("cost", "paid" if paid else "free")
    facts.add("capacity", str(ctx.rng.choice([8, 12, 20, 30])))
    facts.add("typical_wait_days", str(ctx.rng.choice([0, 3, 7, 14, 28])))
    facts.add("verified_at", verified.isoformat())
    location_id = _id(spec.key, n, "location")
    letters = "ABDEFGHJLNPQRSTUWXYZ"
    postcode = f"{outward} {ctx.rng.randint(1, 9)}{ctx.pick(letters)}{ctx.pick(letters)}"
    code, language = ctx.pick(LANGUAGES[1:]) if ctx.chance(0.3) else LANGUAGES[0]
    service: dict[str, Any] = {
        "id": sid,
        "organization_id": org_id,
        "name": name,
        "description": spec.description if variant is None else f"{spec.description} {variant[1]}",
        "status": "temporarily closed" if ctx.chance(0.05) else "active",
        "email": f"hello@{spec.key.replace('_', '-')}.example.org",
        "application_process": (
            "Ask your GP practice or link worker to refer you."
            if access == "referral_needed"
            else "Ring or email us, or just come along."
        ),
        "fees_description": "£3 a session, free for people on benefits." if paid else "Free.",
        "eligibility_description": f"Adults living in or near {area}.",
        "minimum_age": 18,
        "phones": [{"id": _id(sid, "phone"), "number": ctx.drama_landline(), "type": "voice"}],
        "languages": [{"id": _id(sid, "language", code), "name": language, "code": code}],
        "schedules": [
            {
                "id": _id(sid, "schedule"),
                "freq": "WEEKLY",
                "wkst": "MO",
                "byday": ",".join(days),
                "opens_at": f"{start:02d}:00",
                "closes_at": f"{start + 3:02d}:00",
            }
        ],
        "service_areas": [{"id": _id(sid, "area"), "name": area, "extent_type": "other"}],
        "attributes": lt.facts_to_attributes(sid, facts),
    }
    if "online_group" not in modes and "telephone" not in modes:
        service["service_at_locations"] = [
            {
                "id": _id(sid, "sal"),
                "location": {
                    "id": location_id,
                    "location_type": "physical",
                    "organization_id": org_id,
                    "name": f"{area} {ctx.pick(VENUES)}",
                    "latitude": round(lat + ctx.rng.uniform(-0.01, 0.01), 5),
                    "longitude": round(lon + ctx.rng.uniform(-0.015, 0.015), 5),
                    "addresses": [
                        {
                            "id": _id(location_id, "address"),
                            "address_1": f"{ctx.rng.randint(1, 120)} {ctx.pick(STREETS)}",
                            "city": "Leeds",
                            "region": area,
                            "state_province": "West Yorkshire",
                            "postal_code": postcode,
                            "country": "GB",
                            "address_type": "physical",
                        }
                    ],
                },
            }
        ]
    return service


def build(ctx: DemoContext) -> None:
    from linkwell.directory.models import Organization

    specs = {spec.key: spec for spec in ctx.extra.get("community_providers", ())}
    providers = ctx.organisations_of_kind("community_provider")
    postcodes_add(points={code: (lat, lon) for code, (_, lat, lon) in AREAS.items()})
    objects: list[dict[str, Any]] = []
    with ctx.progress("Community directory", len(providers)) as bar:
        for key, account_org in ctx.organisations.items():
            if account_org.kind != "community_provider":
                continue
            spec = specs.get(key)
            if spec is None:
                continue
            org_id = _id(key, "organization")
            services = []
            for n in range(ctx.rng.randint(1, 3)):
                # Most listings were checked recently; about one in eight has been left alone
                # for over six months and one in twenty for over a year.
                roll = ctx.rng.random()
                days = (
                    ctx.rng.randint(370, 500)
                    if roll < 0.05
                    else ctx.rng.randint(190, 360)
                    if roll < 0.17
                    else ctx.rng.randint(1, 150)
                )
                services.append(_service(ctx, spec, org_id, n, ctx.now - dt.timedelta(days=days)))
            objects.append(
                {
                    "id": org_id,
                    "name": account_org.name,
                    "description": spec.description,
                    "email": f"info@{key.replace('_', '-')}.example.org",
                    "website": f"https://{key.replace('_', '-')}.example.org",
                    "legal_status": "Registered charity",
                    "services": services,
                }
            )
            ctx.count("directory services", len(services))
            bar.update()
    hsds_import_objects(objects=objects, table="organization")
    # Link each listing to the provider organisation whose users keep it current; the demo
    # provider's own organisation publishes straight away, the others wait for a review.
    for key, account_org in ctx.organisations.items():
        if key in specs:
            organization_link(
                organization=Organization.objects.get(id=_id(key, "organization")),
                organisation=account_org,
                edits_need_review=key != "money_matters",
                actor=None,
            )
    ctx.count("directory organisations", len(objects))
