"""Needs domains: the one vocabulary for what a person needs support with.

The codes are those of the shared standard `standards/needs-taxonomy.md` (stable identifiers;
labels may be reworded). A test checks this table against the standard file, so the running
application does not depend on a file outside the package.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class NeedDomain:
    code: str
    label: str
    covers: str


NEED_DOMAINS: tuple[NeedDomain, ...] = (
    NeedDomain(
        "housing",
        "Housing",
        "homelessness or risk of it, eviction, disrepair, damp, "
        "overcrowding, unsuitable housing, moving",
    ),
    NeedDomain(
        "money",
        "Money and debt",
        "debt, arrears, benefits and Universal Credit, budgeting, fuel and cost-of-living hardship",
    ),
    NeedDomain(
        "employment",
        "Work",
        "job loss, finding work, staying in work, sickness absence, "
        "workplace problems, return to work",
    ),
    NeedDomain(
        "loneliness",
        "Loneliness and isolation",
        "few or no social contacts, isolation, wanting company or new connections",
    ),
    NeedDomain("bereavement", "Bereavement", "grief after the death of someone close"),
    NeedDomain("caring", "Caring", "looking after someone, carer strain, respite"),
    NeedDomain(
        "mental_wellbeing",
        "Mental wellbeing",
        "stress, low mood, worry, anxiety, sleep problems, anger, low confidence",
    ),
    NeedDomain("physical_activity", "Getting active", "exercise, walking, sport, weight, fitness"),
    NeedDomain(
        "long_term_condition",
        "Living with a health condition",
        "long-term illness, pain, disability, mobility, managing a condition",
    ),
    NeedDomain("food", "Food", "not enough food, food banks, cooking, nutrition"),
    NeedDomain(
        "legal", "Legal advice", "employment law, consumer, family law, immigration law, disputes"
    ),
    NeedDomain("digital", "Getting online", "no device, no internet, digital skills"),
    NeedDomain(
        "learning",
        "Learning and skills",
        "courses, English language (ESOL), qualifications, literacy",
    ),
    NeedDomain(
        "relationships",
        "Family and relationships",
        "relationship breakdown, family conflict, parenting",
    ),
    NeedDomain(
        "substance_use", "Alcohol, drugs and gambling", "harmful drinking, drug use, gambling"
    ),
    NeedDomain(
        "safety",
        "Safety",
        "domestic abuse, exploitation, safeguarding concerns (always "
        "raises a safeguarding flag for a supervisor)",
    ),
    NeedDomain(
        "purpose",
        "Purpose and meaningful activity",
        "volunteering, hobbies, creativity, faith and community life",
    ),
    NeedDomain("transport", "Getting around", "travel costs, no transport, confidence to travel"),
    NeedDomain(
        "immigration", "Settling in the UK", "asylum, refugee status, newly arrived, settlement"
    ),
)

NEED_CODES: frozenset[str] = frozenset(d.code for d in NEED_DOMAINS)
NEED_LABELS: dict[str, str] = {d.code: d.label for d in NEED_DOMAINS}
# A need in this domain always raises a safeguarding flag for a supervisor.
SAFEGUARDING_NEED = "safety"

# For form fields and model choices: (code, label) pairs in the standard's order.
NEED_CHOICES: list[tuple[str, str]] = [(d.code, d.label) for d in NEED_DOMAINS]


def validate_need_codes(codes: list[str]) -> list[str]:
    """Return the codes de-duplicated in order; raise ValidationError naming any unknown code."""
    from django.core.exceptions import ValidationError

    unknown = [c for c in codes if c not in NEED_CODES]
    if unknown:
        raise ValidationError(
            "Unknown needs domain: %(codes)s.",
            params={"codes": ", ".join(unknown)},
            code="unknown_need",
        )
    return list(dict.fromkeys(codes))
