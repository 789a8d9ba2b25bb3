"""The one interface every outcome measure implements.

Adding a measure is "copy a sibling, change three things": subclass :class:`Instrument`, give it
its ``code``, ``items`` and codes, implement ``score_complete`` (and ``bands_for`` where the measure
has bands), then list it in ``linkwell.outcomes.instruments.REGISTRY``.

Answers are a list with one entry per item, in item order: an ``int`` that is one of the item's
option values, or ``None`` for an item the person left blank. Anything else (wrong count, a value
that is not an option, a string, a float, a boolean) raises :class:`InvalidAnswers` naming the
item, and nothing is scored.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, ClassVar

from linkwell.common.errors import ApplicationError, quoted


class InvalidAnswers(ApplicationError):
    """A 400: the answers do not fit the instrument. ``extra`` names the item."""


@dataclass(frozen=True)
class Option:
    value: int
    label: str


@dataclass(frozen=True)
class Item:
    link_id: str
    text: str
    options: tuple[Option, ...]
    loinc: str = ""

    @property
    def values(self) -> frozenset[int]:
        return frozenset(o.value for o in self.options)

    def label_for(self, value: int | None) -> str:
        for option in self.options:
            if option.value == value:
                return option.label
        return ""


@dataclass(frozen=True)
class Score:
    """The result of scoring one form.

    ``total`` is the raw sum (``None`` when the instrument's rules do not allow scoring an
    incomplete form, or when the measure has no composite, as ONS4). ``metric`` is the reported
    score where it differs from the raw sum (the SWEMWBS metric score). ``bands`` maps a scale
    (``"total"`` or an item's link id) to its band label. ``flags`` lists risk flags raised by the
    answers whatever the total, e.g. ``"phq9_item9"``.
    """

    instrument: str
    complete: bool
    answered: int
    total: int | None = None
    metric: Decimal | None = None
    bands: dict[str, str] = field(default_factory=dict)
    severity: str | None = None
    flags: tuple[str, ...] = ()
    item_scores: dict[str, int | None] = field(default_factory=dict)
    note: str = ""

    @property
    def reported(self) -> Decimal | int | None:
        """The number to compare over time: the metric where there is one, else the total."""
        return self.metric if self.metric is not None else self.total

    def as_dict(self) -> dict[str, Any]:
        return {
            "instrument": self.instrument,
            "complete": self.complete,
            "answered": self.answered,
            "total": self.total,
            "metric": float(self.metric) if self.metric is not None else None,
            "bands": dict(self.bands),
            "severity": self.severity,
            "flags": list(self.flags),
            "item_scores": dict(self.item_scores),
            "note": self.note,
        }


class Instrument:
    """A validated questionnaire: its items, codes, licence and scoring rule."""

    code: ClassVar[str]
    name: ClassVar[str]
    short_name: ClassVar[str]
    # The question stem shown above the items ("Over the last 2 weeks, how often...").
    preamble: ClassVar[str] = ""
    items: ClassVar[tuple[Item, ...]]
    # Range of the reported total score (None where the measure has no composite).
    min_total: ClassVar[int | None]
    max_total: ClassVar[int | None]
    loinc_panel: ClassVar[str] = ""
    loinc_total: ClassVar[str] = ""
    snomed_total: ClassVar[str] = ""
    licence: ClassVar[str]
    attribution: ClassVar[str]
    # Whether a higher score means the person is doing better (wellbeing) or worse (symptoms).
    higher_is_better: ClassVar[bool] = True

    def validate(self, answers: Any) -> list[int | None]:
        """Check the shape and values; return the answers as a list of ints and Nones."""
        if not isinstance(answers, list | tuple):
            raise InvalidAnswers(
                f"Answers for {self.short_name} must be a list of {len(self.items)} values.",
                extra={"instrument": self.code},
            )
        if len(answers) != len(self.items):
            raise InvalidAnswers(
                f"{self.short_name} has {len(self.items)} items; {len(answers)} answers were sent.",
                extra={"instrument": self.code, "expected": len(self.items), "got": len(answers)},
            )
        clean: list[int | None] = []
        for index, (item, value) in enumerate(zip(self.items, answers, strict=True), start=1):
            if value is None:
                clean.append(None)
                continue
            allowed = sorted(item.values)
            if isinstance(value, bool) or not isinstance(value, int):
                raise InvalidAnswers(
                    f"Item {index} ({item.text}) must be a whole number from {allowed[0]} to "
                    f"{allowed[-1]}, or null if not answered; got {quoted(value)}.",
                    extra={"instrument": self.code, "item": index, "link_id": item.link_id},
                )
            if value not in item.values:
                raise InvalidAnswers(
                    f"Item {index} ({item.text}) must be from {allowed[0]} to {allowed[-1]}; "
                    f"got {value}.",
                    extra={
                        "instrument": self.code,
                        "item": index,
                        "link_id": item.link_id,
                        "allowed": allowed,
                    },
                )
            clean.append(value)
        return clean

    def score(self, answers: Any) -> Score:
        """Validate and score. Incomplete forms follow :meth:`score_incomplete`."""
        clean = self.validate(answers)
        item_scores = {item.link_id: v for item, v in zip(self.items, clean, strict=True)}
        answered = sum(v is not None for v in clean)
        flags = tuple(self.flags_for(clean))
        if answered < len(self.items):
            return self.score_incomplete(clean, item_scores=item_scores, flags=flags)
        return self.score_complete(
            [v for v in clean if v is not None], item_scores=item_scores, flags=flags
        )

    def score_complete(
        self, values: list[int], *, item_scores: dict[str, int | None], flags: tuple[str, ...]
    ) -> Score:
        total = sum(values)
        band = self.band_for_total(total)
        return Score(
            instrument=self.code,
            complete=True,
            answered=len(values),
            total=total,
            bands={"total": band} if band else {},
            severity=band,
            flags=flags,
            item_scores=item_scores,
        )

    def score_incomplete(
        self,
        values: list[int | None],
        *,
        item_scores: dict[str, int | None],
        flags: tuple[str, ...],
    ) -> Score:
        """Default rule: a sum score needs every item; no prorating (the standards give none)."""
        answered = sum(v is not None for v in values)
        return Score(
            instrument=self.code,
            complete=False,
            answered=answered,
            flags=flags,
            item_scores=item_scores,
            note=f"{self.short_name} is scored only when all {len(self.items)} items are answered.",
        )

    def band_for_total(self, total: int) -> str | None:
        return None

    def flags_for(self, values: list[int | None]) -> list[str]:
        return []

    def describe(self) -> dict[str, Any]:
        """The instrument as data, for the API and forms."""
        return {
            "code": self.code,
            "name": self.name,
            "short_name": self.short_name,
            "preamble": self.preamble,
            "items": [
                {
                    "link_id": item.link_id,
                    "text": item.text,
                    "loinc": item.loinc,
                    "options": [{"value": o.value, "label": o.label} for o in item.options],
                }
                for item in self.items
            ],
            "min_total": self.min_total,
            "max_total": self.max_total,
            "loinc_panel": self.loinc_panel,
            "loinc_total": self.loinc_total,
            "snomed_total": self.snomed_total,
            "licence": self.licence,
            "attribution": self.attribution,
        }


def options(pairs: Sequence[tuple[int, str]]) -> tuple[Option, ...]:
    return tuple(Option(value, label) for value, label in pairs)
