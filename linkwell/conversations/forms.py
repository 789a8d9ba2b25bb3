"""Forms for the conversation and plan pages. They only shape input; the services validate."""

from __future__ import annotations

from typing import Any

from django import forms

from linkwell.common.needs import NEED_DOMAINS
from linkwell.directory.models import DeliveryMode

from .models import Conversation, GroupPreference, Priority, SupportPlan, TimeOfDay

DAY_CHOICES = [
    (0, "Monday"),
    (1, "Tuesday"),
    (2, "Wednesday"),
    (3, "Thursday"),
    (4, "Friday"),
    (5, "Saturday"),
    (6, "Sunday"),
]
PLAN_ACTION_ROWS = 5


class ConversationForm(forms.Form):
    """One checkbox, priority and "in their words" box per needs domain, then the rest."""

    strengths = forms.CharField(
        label="Strengths: what is going well, what they are good at, who is there for them",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "class": "nhsuk-textarea"}),
    )
    delivery_modes = forms.MultipleChoiceField(
        label="Ways of meeting that suit them",
        choices=DeliveryMode.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    max_travel_km = forms.FloatField(
        label="How far can they travel (km)?",
        required=False,
        min_value=0,
        max_value=200,
        widget=forms.NumberInput(attrs={"class": "nhsuk-input nhsuk-input--width-4"}),
    )
    days = forms.TypedMultipleChoiceField(
        label="Days that suit",
        choices=DAY_CHOICES,
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    times = forms.MultipleChoiceField(
        label="Times that suit",
        choices=TimeOfDay.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    language = forms.CharField(
        label="Language they would like support in",
        required=False,
        max_length=60,
        widget=forms.TextInput(attrs={"class": "nhsuk-input nhsuk-input--width-20"}),
    )
    group = forms.ChoiceField(
        label="In a group or one to one?",
        choices=GroupPreference.choices,
        initial=GroupPreference.EITHER,
        widget=forms.RadioSelect,
    )
    avoid_mental_health_label = forms.BooleanField(
        label='They would rather not use services called "mental health" services',
        required=False,
    )
    notes = forms.CharField(
        label="Notes from the conversation",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "class": "nhsuk-textarea"}),
    )

    def __init__(self, *args: Any, current: Conversation | None = None, **kwargs: Any) -> None:
        if current is not None and "initial" not in kwargs:
            kwargs["initial"] = initial_from(current)
        super().__init__(*args, **kwargs)
        for domain in NEED_DOMAINS:
            self.fields[f"need_{domain.code}"] = forms.BooleanField(
                label=domain.label, required=False
            )
            self.fields[f"priority_{domain.code}"] = forms.TypedChoiceField(
                label=f"How important is {domain.label.lower()}?",
                choices=Priority.choices,
                coerce=int,
                initial=Priority.MEDIUM,
                required=False,
                widget=forms.Select(attrs={"class": "nhsuk-select"}),
            )
            self.fields[f"words_{domain.code}"] = forms.CharField(
                label="In their own words",
                required=False,
                max_length=2000,
                widget=forms.Textarea(attrs={"rows": 2, "class": "nhsuk-textarea"}),
            )

    def need_rows(self) -> list[dict[str, Any]]:
        return [
            {
                "domain": d,
                "checked": self[f"need_{d.code}"],
                "priority": self[f"priority_{d.code}"],
                "words": self[f"words_{d.code}"],
            }
            for d in NEED_DOMAINS
        ]

    def needs(self) -> list[dict[str, Any]]:
        data = self.cleaned_data
        return [
            {
                "code": d.code,
                "priority": data.get(f"priority_{d.code}") or Priority.MEDIUM,
                "own_words": data.get(f"words_{d.code}", ""),
            }
            for d in NEED_DOMAINS
            if data.get(f"need_{d.code}")
        ]

    def preferences(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "delivery_modes": data.get("delivery_modes") or [],
            "max_travel_km": data.get("max_travel_km"),
            "days": data.get("days") or [],
            "times": data.get("times") or [],
            "language": data.get("language", ""),
            "group": data.get("group") or GroupPreference.EITHER,
            "avoid_mental_health_label": data.get("avoid_mental_health_label", False),
        }


def initial_from(current: Conversation) -> dict[str, Any]:
    prefs = current.preferences or {}
    initial: dict[str, Any] = {
        "strengths": current.strengths,
        "notes": current.notes,
        "delivery_modes": prefs.get("delivery_modes", []),
        "max_travel_km": prefs.get("max_travel_km"),
        "days": prefs.get("days", []),
        "times": prefs.get("times", []),
        "language": prefs.get("language", ""),
        "group": prefs.get("group", GroupPreference.EITHER),
        "avoid_mental_health_label": prefs.get("avoid_mental_health_label", False),
    }
    for need in current.needs:
        initial[f"need_{need['code']}"] = True
        initial[f"priority_{need['code']}"] = need.get("priority", Priority.MEDIUM)
        initial[f"words_{need['code']}"] = need.get("own_words", "")
    return initial


class SuggestForm(forms.Form):
    text = forms.CharField(
        label="What the person said, or the reason for the referral",
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 3, "class": "nhsuk-textarea"}),
    )


class PlanForm(forms.Form):
    goals = forms.CharField(
        label="Goals, in the person's own words (one a line)",
        widget=forms.Textarea(attrs={"rows": 4, "class": "nhsuk-textarea"}),
    )
    review_date = forms.DateField(
        label="When we will look at the plan again",
        required=False,
        widget=forms.DateInput(
            attrs={"type": "date", "class": "nhsuk-input nhsuk-input--width-10"}
        ),
    )

    def __init__(self, *args: Any, current: SupportPlan | None = None, **kwargs: Any) -> None:
        if current is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "goals": "\n".join(current.goals),
                "review_date": current.review_date,
            }
            for i, action in enumerate(current.actions[:PLAN_ACTION_ROWS]):
                kwargs["initial"].update(
                    {
                        f"what_{i}": action["what"],
                        f"who_{i}": action["who"],
                        f"by_{i}": action["by"],
                    }
                )
        super().__init__(*args, **kwargs)
        for i in range(PLAN_ACTION_ROWS):
            self.fields[f"what_{i}"] = forms.CharField(
                label=f"Action {i + 1}: what will be done",
                required=False,
                max_length=500,
                widget=forms.TextInput(attrs={"class": "nhsuk-input"}),
            )
            self.fields[f"who_{i}"] = forms.CharField(
                label="Who will do it",
                required=False,
                max_length=200,
                widget=forms.TextInput(attrs={"class": "nhsuk-input nhsuk-input--width-20"}),
            )
            self.fields[f"by_{i}"] = forms.CharField(
                label="By when (optional)",
                required=False,
                widget=forms.DateInput(
                    attrs={"type": "date", "class": "nhsuk-input nhsuk-input--width-10"}
                ),
            )

    def action_rows(self) -> list[dict[str, Any]]:
        return [
            {"n": i + 1, "what": self[f"what_{i}"], "who": self[f"who_{i}"], "by": self[f"by_{i}"]}
            for i in range(PLAN_ACTION_ROWS)
        ]

    def goals_list(self) -> list[str]:
        return [g for g in self.cleaned_data["goals"].splitlines() if g.strip()]

    def actions(self) -> list[dict[str, str]]:
        data = self.cleaned_data
        return [
            {"what": data[f"what_{i}"], "who": data[f"who_{i}"], "by": data[f"by_{i}"]}
            for i in range(PLAN_ACTION_ROWS)
        ]
