"""Change between two stored responses of the same measure: the numbers behind the episode
outcomes page and the person's history.

The pair compared is the baseline and discharge responses when both exist, otherwise the first and
the latest. Meaningful change thresholds come from ``settings.LINKWELL["MEANINGFUL_CHANGE"]``
(SWEMWBS and WEMWBS 3 by default: the lenient 1-SEM rule; standards/outcome-measures.md).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings

from .instruments.ons4 import ANXIETY, ANXIETY_BAND_ORDER, POSITIVE_BAND_ORDER
from .models import Occasion, QuestionnaireResponse
from .polls import instrument_for_code
from .talking_therapies import (
    GAD7_RELIABLE_CHANGE,
    PHQ9_RELIABLE_CHANGE,
    TalkingTherapiesChange,
    talking_therapies_change,
)

DEFAULT_MEANINGFUL_CHANGE: dict[str, float] = {"swemwbs": 3, "wemwbs": 3}
RELIABLE_CHANGE: dict[str, float] = {"phq9": PHQ9_RELIABLE_CHANGE, "gad7": GAD7_RELIABLE_CHANGE}


def meaningful_change_thresholds() -> dict[str, Decimal]:
    configured: dict[str, float] = settings.LINKWELL.get("MEANINGFUL_CHANGE", {})  # type: ignore[assignment]  # settings.LINKWELL is an untyped dict
    merged = {**DEFAULT_MEANINGFUL_CHANGE, **configured}
    return {code: Decimal(str(value)) for code, value in merged.items()}


@dataclass(frozen=True)
class BandMove:
    item: str
    text: str
    before: str
    after: str
    direction: str  # "better", "worse" or "same"


@dataclass(frozen=True)
class MeasureChange:
    instrument_code: str
    instrument_name: str
    first: QuestionnaireResponse
    last: QuestionnaireResponse
    before: Decimal | None = None
    after: Decimal | None = None
    change: Decimal | None = None
    threshold: Decimal | None = None
    # "improved", "worse", "no meaningful change", or "" where there is no score to compare.
    verdict: str = ""
    band_moves: tuple[BandMove, ...] = field(default_factory=tuple)

    def as_dict(self) -> dict[str, Any]:
        return {
            "instrument": self.instrument_code,
            "first": {"uuid": str(self.first.uuid), "occasion": self.first.occasion},
            "last": {"uuid": str(self.last.uuid), "occasion": self.last.occasion},
            "before": float(self.before) if self.before is not None else None,
            "after": float(self.after) if self.after is not None else None,
            "change": float(self.change) if self.change is not None else None,
            "threshold": float(self.threshold) if self.threshold is not None else None,
            "verdict": self.verdict,
            "band_moves": [m.__dict__ for m in self.band_moves],
        }


@dataclass(frozen=True)
class EpisodeChange:
    measures: tuple[MeasureChange, ...]
    talking_therapies: TalkingTherapiesChange | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "measures": [m.as_dict() for m in self.measures],
            "talking_therapies": (
                self.talking_therapies.as_dict() if self.talking_therapies else None
            ),
        }


def _reported(response: QuestionnaireResponse) -> Decimal | None:
    if response.metric is not None:
        return Decimal(response.metric)
    if response.total is not None:
        return Decimal(response.total)
    return None


def pick_pair(
    responses: Sequence[QuestionnaireResponse],
) -> tuple[QuestionnaireResponse, QuestionnaireResponse] | None:
    """Baseline and discharge if both exist, else first and latest (by completion time).

    Only responses with a score count, except for ONS4 whose items stand alone."""
    usable = [r for r in responses if r.complete or r.instrument_code == "ons4"]
    usable.sort(key=lambda r: (r.completed_at, r.pk or 0))
    if len(usable) < 2:
        return None
    baseline = [r for r in usable if r.occasion == Occasion.BASELINE]
    discharge = [r for r in usable if r.occasion == Occasion.DISCHARGE]
    if baseline and discharge and baseline[0].completed_at < discharge[-1].completed_at:
        return baseline[0], discharge[-1]
    return usable[0], usable[-1]


def _verdict(code: str, change: Decimal, higher_is_better: bool) -> tuple[Decimal | None, str]:
    thresholds: dict[str, Decimal] = {
        **meaningful_change_thresholds(),
        **{code: Decimal(value) for code, value in RELIABLE_CHANGE.items()},
    }
    if code not in thresholds:
        # A service's own poll has no published threshold: say which way it moved, nothing more.
        return None, "no change" if change == 0 else ("higher" if change > 0 else "lower")
    threshold = thresholds[code]
    if abs(change) < threshold:
        return threshold, "no meaningful change"
    better = change > 0 if higher_is_better else change < 0
    return threshold, "improved" if better else "worse"


def _ons4_moves(first: QuestionnaireResponse, last: QuestionnaireResponse) -> tuple[BandMove, ...]:
    instrument = instrument_for_code("ons4")
    moves = []
    for item in instrument.items:
        before, after = first.bands.get(item.link_id), last.bands.get(item.link_id)
        if not before or not after:
            continue
        order = ANXIETY_BAND_ORDER if item.link_id == ANXIETY else POSITIVE_BAND_ORDER
        step = order.index(after) - order.index(before)
        direction = "better" if step > 0 else "worse" if step < 0 else "same"
        moves.append(BandMove(item.link_id, item.text, before, after, direction))
    return tuple(moves)


def measure_change(responses: Sequence[QuestionnaireResponse]) -> MeasureChange | None:
    """Change for one measure's responses (all the same instrument), or None with fewer than two."""
    pair = pick_pair(responses)
    if pair is None:
        return None
    first, last = pair
    instrument = instrument_for_code(first.instrument_code)
    if first.instrument_code == "ons4":
        return MeasureChange(
            instrument_code="ons4",
            instrument_name=instrument.name,
            first=first,
            last=last,
            band_moves=_ons4_moves(first, last),
        )
    before, after = _reported(first), _reported(last)
    if before is None or after is None:
        return None
    change = after - before
    threshold, verdict = _verdict(first.instrument_code, change, instrument.higher_is_better)
    return MeasureChange(
        instrument_code=first.instrument_code,
        instrument_name=instrument.name,
        first=first,
        last=last,
        before=before,
        after=after,
        change=change,
        threshold=threshold,
        verdict=verdict,
    )


def episode_change(responses: Iterable[QuestionnaireResponse]) -> EpisodeChange:
    """Change for every measure with two or more usable responses, plus the Talking Therapies
    classifications when PHQ-9 and/or GAD-7 have pairs."""
    by_code: dict[str, list[QuestionnaireResponse]] = {}
    for response in responses:
        by_code.setdefault(response.instrument_code, []).append(response)
    measures = []
    for code in sorted(by_code):
        result = measure_change(by_code[code])
        if result is not None:
            measures.append(result)
    pairs = {
        m.instrument_code: [m.first.total, m.last.total]
        for m in measures
        if m.instrument_code in ("phq9", "gad7")
    }
    tt = talking_therapies_change(**pairs) if pairs else None
    return EpisodeChange(measures=tuple(measures), talking_therapies=tt)
