"""GAD-7: seven items scored 0-3, total 0-21; bands 0-4 minimal, 5-9 mild, 10-14 moderate,
15-21 severe. Only complete forms get a total (the standards give no prorating rule)."""

from __future__ import annotations

from .base import Instrument, Item
from .phq9 import FREQUENCY_0_3, PHQ_ATTRIBUTION, PHQ_LICENCE, TWO_WEEKS

_ITEMS = (
    "Feeling nervous, anxious or on edge",
    "Not being able to stop or control worrying",
    "Worrying too much about different things",
    "Trouble relaxing",
    "Being so restless that it is hard to sit still",
    "Becoming easily annoyed or irritable",
    "Feeling afraid, as if something awful might happen",
)


class Gad7(Instrument):
    code = "gad7"
    name = "Generalised Anxiety Disorder scale (GAD-7)"
    short_name = "GAD-7"
    preamble = TWO_WEEKS
    items = tuple(
        Item(link_id=f"gad7-{n}", text=text, options=FREQUENCY_0_3)
        for n, text in enumerate(_ITEMS, start=1)
    )
    min_total = 0
    max_total = 21
    loinc_panel = "69737-5"
    loinc_total = "70274-6"
    snomed_total = "445455005"
    licence = PHQ_LICENCE
    attribution = PHQ_ATTRIBUTION
    higher_is_better = False

    def band_for_total(self, total: int) -> str | None:
        if total <= 4:
            return "minimal"
        if total <= 9:
            return "mild"
        if total <= 14:
            return "moderate"
        return "severe"
