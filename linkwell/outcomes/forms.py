"""Reading questionnaire answers from a posted form, one radio group per item.

Not a Django form class: the items come from the instrument at run time, and the instrument's own
validation names the item in its message, which the error summary shows as it is."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.http import QueryDict

from .instruments import Instrument


def item_field_name(index: int) -> str:
    return f"item-{index}"


@dataclass
class AnswersForm:
    instrument: Instrument
    data: QueryDict | None = None
    errors: dict[str, str] = field(default_factory=dict)
    answers: list[int | None] = field(default_factory=list)

    def is_valid(self) -> bool:
        if self.data is None:
            return False
        self.answers = []
        for index, item in enumerate(self.instrument.items, start=1):
            raw = (self.data.get(item_field_name(index)) or "").strip()
            if raw == "":
                self.answers.append(None)
                continue
            try:
                value = int(raw)
            except ValueError:
                value = None
            if value is None or value not in item.values:
                self.errors[item_field_name(index)] = f"Choose an answer for question {index}."
                self.answers.append(None)
            else:
                self.answers.append(value)
        if not self.errors and all(a is None for a in self.answers):
            self.errors[item_field_name(1)] = "Answer at least one question."
        return not self.errors

    def add_error(self, message: str, *, item: int | None = None) -> None:
        self.errors[item_field_name(item or 1)] = message

    def rows(self) -> list[dict[str, Any]]:
        """Each item with its options, the chosen value and any error, for the template."""
        rows = []
        for index, item in enumerate(self.instrument.items, start=1):
            name = item_field_name(index)
            chosen = (self.data.get(name) if self.data is not None else None) or ""
            rows.append(
                {
                    "index": index,
                    "name": name,
                    "text": item.text,
                    "error": self.errors.get(name, ""),
                    "inline": len(item.options) > 5,
                    "options": [
                        {
                            "value": o.value,
                            "label": o.label,
                            "id": f"{name}-{o.value}",
                            "checked": chosen == str(o.value),
                        }
                        for o in item.options
                    ],
                }
            )
        return rows
