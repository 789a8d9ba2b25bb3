"""PHQ-9: nine items scored 0-3, total 0-27, severity cut-points at 5, 10, 15 and 20.

Item 9 ("better off dead or hurting yourself") answered 1 or more raises the ``phq9_item9`` flag
whatever the total, and also on an incomplete form: a risk answer is never ignored because another
item was left blank. The standards give no prorating rule, so only complete forms get a total.
"""

from __future__ import annotations

from .base import Instrument, Item, options

FREQUENCY_0_3 = options(
    [
        (0, "Not at all"),
        (1, "Several days"),
        (2, "More than half the days"),
        (3, "Nearly every day"),
    ]
)

PHQ_LICENCE = (
    "No permission required to reproduce, translate, display or distribute (Pfizer Inc., "
    "phqscreeners.com)."
)
PHQ_ATTRIBUTION = (
    "Developed by Drs. Robert L. Spitzer, Janet B.W. Williams, Kurt Kroenke and colleagues, with "
    "an educational grant from Pfizer Inc."
)
TWO_WEEKS = "Over the last 2 weeks, how often have you been bothered by any of the following?"

ITEM9_FLAG = "phq9_item9"

_ITEMS = (
    ("44250-9", "Little interest or pleasure in doing things"),
    ("44255-8", "Feeling down, depressed, or hopeless"),
    ("44259-0", "Trouble falling or staying asleep, or sleeping too much"),
    ("44254-1", "Feeling tired or having little energy"),
    ("44251-7", "Poor appetite or overeating"),
    (
        "44258-2",
        "Feeling bad about yourself, or that you are a failure or have let yourself or your "
        "family down",
    ),
    (
        "44252-5",
        "Trouble concentrating on things, such as reading the newspaper or watching television",
    ),
    (
        "44253-3",
        "Moving or speaking so slowly that other people could have noticed; or the opposite, "
        "being so fidgety or restless that you have been moving around a lot more than usual",
    ),
    ("44260-8", "Thoughts that you would be better off dead or of hurting yourself in some way"),
)


class Phq9(Instrument):
    code = "phq9"
    name = "Patient Health Questionnaire (PHQ-9)"
    short_name = "PHQ-9"
    preamble = TWO_WEEKS
    items = tuple(
        Item(link_id=f"phq9-{n}", text=text, options=FREQUENCY_0_3, loinc=loinc)
        for n, (loinc, text) in enumerate(_ITEMS, start=1)
    )
    min_total = 0
    max_total = 27
    loinc_panel = "44249-1"
    loinc_total = "44261-6"
    snomed_total = "720433000"
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
        if total <= 19:
            return "moderately severe"
        return "severe"

    def flags_for(self, values: list[int | None]) -> list[str]:
        item9 = values[8]
        return [ITEM9_FLAG] if item9 is not None and item9 >= 1 else []
