"""WEMWBS: the Warwick-Edinburgh Mental Wellbeing Scale, 14 items scored 1-5, total 14-70.

Scoring (Warwick "howto" page): the total is the simple sum of the 14 items, no conversion. The
standards give no rule for missing items, so only complete forms get a total.
"""

from __future__ import annotations

from .base import Instrument, Item, options

FREQUENCY = options(
    [
        (1, "None of the time"),
        (2, "Rarely"),
        (3, "Some of the time"),
        (4, "Often"),
        (5, "All of the time"),
    ]
)

WARWICK_PREAMBLE = (
    "Below are some statements about feelings and thoughts. Please choose the answer that best "
    "describes your experience of each over the last 2 weeks."
)

WARWICK_LICENCE = (
    "Free to use for non-commercial purposes once registered with Warwick Medical School; "
    "commercial use needs a licence from the University of Warwick. Items must not be changed."
)

WEMWBS_STATEMENTS = (
    "I've been feeling optimistic about the future",
    "I've been feeling useful",
    "I've been feeling relaxed",
    "I've been feeling interested in other people",
    "I've had energy to spare",
    "I've been dealing with problems well",
    "I've been thinking clearly",
    "I've been feeling good about myself",
    "I've been feeling close to other people",
    "I've been feeling confident",
    "I've been able to make up my own mind about things",
    "I've been feeling loved",
    "I've been interested in new things",
    "I've been feeling cheerful",
)


class Wemwbs(Instrument):
    code = "wemwbs"
    name = "Warwick-Edinburgh Mental Wellbeing Scale"
    short_name = "WEMWBS"
    preamble = WARWICK_PREAMBLE
    items = tuple(
        Item(link_id=f"wemwbs-{n}", text=text, options=FREQUENCY)
        for n, text in enumerate(WEMWBS_STATEMENTS, start=1)
    )
    min_total = 14
    max_total = 70
    # No LOINC code is known for WEMWBS; SNOMED CT from the NHS MHSDS reference data.
    snomed_total = "718426000"
    licence = WARWICK_LICENCE
    attribution = (
        "Warwick-Edinburgh Mental Wellbeing Scale (WEMWBS) © University of Warwick and "
        "University of Edinburgh, 2006, all rights reserved."
    )
