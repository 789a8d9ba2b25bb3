"""ONS4 personal wellbeing: four questions answered 0-10, each reported on its own.

ONS publishes no composite score, so ``total`` is always ``None``; each answered item gets its
threshold band (ONS FOI response): positive items 0-4 low, 5-6 medium, 7-8 high, 9-10 very high;
anxiety (higher is worse) 0-1 very low, 2-3 low, 4-5 medium, 6-10 high. An unanswered item simply
has no band; the others still count.
"""

from __future__ import annotations

from .base import Instrument, Item, Score, options

_POSITIVE_SCALE = options([(n, str(n)) for n in range(11)])

LIFE_SATISFACTION = "life_satisfaction"
WORTHWHILE = "worthwhile"
HAPPINESS = "happiness"
ANXIETY = "anxiety"


def positive_band(value: int) -> str:
    if value <= 4:
        return "low"
    if value <= 6:
        return "medium"
    if value <= 8:
        return "high"
    return "very high"


def anxiety_band(value: int) -> str:
    if value <= 1:
        return "very low"
    if value <= 3:
        return "low"
    if value <= 5:
        return "medium"
    return "high"


# Band order from worst to best, to tell a move up from a move down.
POSITIVE_BAND_ORDER = ("low", "medium", "high", "very high")
ANXIETY_BAND_ORDER = ("high", "medium", "low", "very low")


class Ons4(Instrument):
    code = "ons4"
    name = "ONS personal wellbeing (ONS4)"
    short_name = "ONS4"
    preamble = (
        "Please answer each question on a scale from 0 to 10, where 0 is 'not at all' and 10 is "
        "'completely'."
    )
    items = (
        Item(
            link_id=LIFE_SATISFACTION,
            text="Overall, how satisfied are you with your life nowadays?",
            options=_POSITIVE_SCALE,
        ),
        Item(
            link_id=WORTHWHILE,
            text=(
                "Overall, to what extent do you feel that the things you do in your life are "
                "worthwhile?"
            ),
            options=_POSITIVE_SCALE,
        ),
        Item(
            link_id=HAPPINESS,
            text="Overall, how happy did you feel yesterday?",
            options=_POSITIVE_SCALE,
        ),
        Item(
            link_id=ANXIETY,
            text=(
                "On a scale where nought is 'not at all anxious' and 10 is 'completely anxious', "
                "overall, how anxious did you feel yesterday?"
            ),
            options=_POSITIVE_SCALE,
        ),
    )
    min_total = None
    max_total = None
    licence = "Crown copyright, Office for National Statistics; Open Government Licence v3.0."
    attribution = (
        "Personal well-being questions from the Office for National Statistics (GSS harmonised "
        "standard for personal well-being)."
    )

    def _score(self, values: list[int | None], item_scores: dict[str, int | None]) -> Score:
        bands: dict[str, str] = {}
        for item, value in zip(self.items, values, strict=True):
            if value is None:
                continue
            bands[item.link_id] = (
                anxiety_band(value) if item.link_id == ANXIETY else positive_band(value)
            )
        answered = sum(v is not None for v in values)
        return Score(
            instrument=self.code,
            complete=answered == len(self.items),
            answered=answered,
            bands=bands,
            item_scores=item_scores,
            note="ONS4 has no composite score; each question is reported on its own.",
        )

    def score_complete(
        self, values: list[int], *, item_scores: dict[str, int | None], flags: tuple[str, ...]
    ) -> Score:
        return self._score(list(values), item_scores)

    def score_incomplete(
        self,
        values: list[int | None],
        *,
        item_scores: dict[str, int | None],
        flags: tuple[str, ...],
    ) -> Score:
        return self._score(values, item_scores)
