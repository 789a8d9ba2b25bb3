"""NHS Talking Therapies (formerly IAPT) paired-score classifications.

Definitions as in standards/outcome-measures.md section 6:
- caseness: PHQ-9 >= 10 or GAD-7 >= 8; a referral is at caseness if either measure is;
- reliable change: PHQ-9 by >= 6 points, GAD-7 by >= 4 points;
- reliable improvement: a reliable decrease on at least one measure and no reliable increase on
  the other; reliable deterioration is the mirror image; one measure improving reliably while the
  other deteriorates reliably is neither;
- recovery: at caseness at the first assessment and not at caseness on both measures at the last;
  people not at caseness at the start are outside the recovery denominator, so for them
  ``recovery`` and ``reliable_recovery`` are ``None`` (not applicable) rather than ``False``;
- reliable recovery: recovered and reliably improved.
Where only one measure was collected, the classifications use that measure alone.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from linkwell.common.errors import ApplicationError, quoted

PHQ9_CASENESS = 10
GAD7_CASENESS = 8
PHQ9_RELIABLE_CHANGE = 6
GAD7_RELIABLE_CHANGE = 4
_RANGES = {"phq9": (0, 27), "gad7": (0, 21)}


@dataclass(frozen=True)
class TalkingTherapiesChange:
    measures: tuple[str, ...]
    caseness_start: bool
    caseness_end: bool
    phq9_caseness_start: bool | None
    phq9_caseness_end: bool | None
    gad7_caseness_start: bool | None
    gad7_caseness_end: bool | None
    phq9_change: int | None
    gad7_change: int | None
    reliable_improvement: bool
    reliable_deterioration: bool
    # None where the person was not at caseness at the start: excluded from the recovery rate.
    recovery: bool | None
    reliable_recovery: bool | None
    in_recovery_denominator: bool

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["measures"] = list(self.measures)
        return data


def _check_pair(name: str, pair: Any) -> tuple[int, int] | None:
    if pair is None:
        return None
    low, high = _RANGES[name]
    if not isinstance(pair, list | tuple) or len(pair) != 2:
        raise ApplicationError(
            f"{name} must be a pair of totals [first, last].", extra={"field": name}
        )
    for position, value in zip(("first", "last"), pair, strict=True):
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise ApplicationError(
                f"The {position} {name} total must be a whole number from {low} to {high}; "
                f"got {quoted(value)}.",
                extra={"field": name, "position": position},
            )
    return int(pair[0]), int(pair[1])


def talking_therapies_change(*, phq9: Any = None, gad7: Any = None) -> TalkingTherapiesChange:
    """Classify a pair of first and last totals. At least one measure must be given."""
    phq = _check_pair("phq9", phq9)
    gad = _check_pair("gad7", gad7)
    if phq is None and gad is None:
        raise ApplicationError(
            "Send at least one measure: phq9 and/or gad7 as [first, last] totals.",
            extra={"fields": ["phq9", "gad7"]},
        )

    phq_case = (phq[0] >= PHQ9_CASENESS, phq[1] >= PHQ9_CASENESS) if phq else None
    gad_case = (gad[0] >= GAD7_CASENESS, gad[1] >= GAD7_CASENESS) if gad else None
    case_start = bool((phq_case and phq_case[0]) or (gad_case and gad_case[0]))
    case_end = bool((phq_case and phq_case[1]) or (gad_case and gad_case[1]))

    # Positive change = the score went up (worse, for both measures).
    phq_change = phq[1] - phq[0] if phq else None
    gad_change = gad[1] - gad[0] if gad else None
    decreases = [
        phq_change is not None and phq_change <= -PHQ9_RELIABLE_CHANGE,
        gad_change is not None and gad_change <= -GAD7_RELIABLE_CHANGE,
    ]
    increases = [
        phq_change is not None and phq_change >= PHQ9_RELIABLE_CHANGE,
        gad_change is not None and gad_change >= GAD7_RELIABLE_CHANGE,
    ]
    improvement = any(decreases) and not any(increases)
    deterioration = any(increases) and not any(decreases)

    recovery = (not case_end) if case_start else None
    reliable_recovery = (recovery and improvement) if case_start else None
    return TalkingTherapiesChange(
        measures=tuple(name for name, pair in (("phq9", phq), ("gad7", gad)) if pair),
        caseness_start=case_start,
        caseness_end=case_end,
        phq9_caseness_start=phq_case[0] if phq_case else None,
        phq9_caseness_end=phq_case[1] if phq_case else None,
        gad7_caseness_start=gad_case[0] if gad_case else None,
        gad7_caseness_end=gad_case[1] if gad_case else None,
        phq9_change=phq_change,
        gad7_change=gad_change,
        reliable_improvement=improvement,
        reliable_deterioration=deterioration,
        recovery=recovery,
        reliable_recovery=reliable_recovery,
        in_recovery_denominator=case_start,
    )
