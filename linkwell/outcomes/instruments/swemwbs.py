"""SWEMWBS: the short, 7-item WEMWBS. Raw sum 7-35, reported through the Rasch conversion table.

Scoring (Warwick): sum the seven items, then transform the total with the conversion table
(``swemwbs_conversion.csv`` beside this module, Stewart-Brown et al. 2009). The transformation
works only for complete responses, so an incomplete form gets neither a raw total nor a metric.
"""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path

from .base import Instrument, Item, Score
from .wemwbs import FREQUENCY, WARWICK_LICENCE, WARWICK_PREAMBLE, WEMWBS_STATEMENTS

CONVERSION_CSV = Path(__file__).with_name("swemwbs_conversion.csv")


def load_conversion_table(path: Path = CONVERSION_CSV) -> dict[int, Decimal]:
    with path.open(newline="", encoding="utf-8") as fh:
        return {int(row["raw_score"]): Decimal(row["metric_score"]) for row in csv.DictReader(fh)}


CONVERSION: dict[int, Decimal] = load_conversion_table()

# The seven WEMWBS statements that make up SWEMWBS, in SWEMWBS order.
_SWEMWBS_FROM_WEMWBS = (1, 2, 3, 6, 7, 9, 11)


class Swemwbs(Instrument):
    code = "swemwbs"
    name = "Short Warwick-Edinburgh Mental Wellbeing Scale"
    short_name = "SWEMWBS"
    preamble = WARWICK_PREAMBLE
    items = tuple(
        Item(link_id=f"swemwbs-{n}", text=WEMWBS_STATEMENTS[w - 1], options=FREQUENCY)
        for n, w in enumerate(_SWEMWBS_FROM_WEMWBS, start=1)
    )
    min_total = 7
    max_total = 35
    snomed_total = "718466001"
    licence = WARWICK_LICENCE
    attribution = (
        "Short Warwick-Edinburgh Mental Wellbeing Scale (SWEMWBS) © University of Warwick and "
        "University of Edinburgh, 2008, all rights reserved."
    )

    def score_complete(
        self, values: list[int], *, item_scores: dict[str, int | None], flags: tuple[str, ...]
    ) -> Score:
        raw = sum(values)
        return Score(
            instrument=self.code,
            complete=True,
            answered=len(values),
            total=raw,
            metric=CONVERSION[raw],
            flags=flags,
            item_scores=item_scores,
        )
