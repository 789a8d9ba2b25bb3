"""Forms for the community staff pages. They check and tidy what was typed; the services decide
the rest (who may write, dates in the future, duplicates)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from linkwell.referrals.forms import NhsFormMixin
from linkwell.volunteers.forms import NhsDateField

from .models import FeedbackKind, Funding, GroupKind

YES_NO = [("yes", "Yes"), ("no", "No")]


class GroupForm(NhsFormMixin, forms.Form):
    name = forms.CharField(label="Group name", max_length=200)
    kind = forms.ChoiceField(label="Kind of group", choices=GroupKind.choices)
    description = forms.CharField(
        label="What the group does",
        required=False,
        widget=forms.Textarea,
        max_length=2000,
        help_text="Shown in the directory.",
    )
    meeting_place = forms.CharField(
        label="Where it meets", max_length=200, help_text="For example: Headingley Library"
    )
    meeting_times = forms.CharField(
        label="When it meets", max_length=200, help_text="For example: Tuesdays 10am to 12pm"
    )
    funding = forms.ChoiceField(label="Funding", choices=Funding.choices)


class FacilitatorForm(NhsFormMixin, forms.Form):
    name = forms.CharField(label="Facilitator's name", max_length=100)
    trained = forms.ChoiceField(
        label="Have they done facilitator training?", choices=YES_NO, widget=forms.RadioSelect
    )


class AttendanceForm(NhsFormMixin, forms.Form):
    met_on = NhsDateField(label="Date the group met", subject="date the group met")
    attended = forms.IntegerField(label="How many came", min_value=0, max_value=500)


class ProgrammeForm(NhsFormMixin, forms.Form):
    title = forms.CharField(
        label="Programme title",
        max_length=200,
        help_text="For example: Poverty-related distress, one hour for the whole practice team",
    )
    description = forms.CharField(
        label="Description", required=False, widget=forms.Textarea, max_length=4000
    )


class SessionForm(NhsFormMixin, forms.Form):
    programme = forms.ChoiceField(label="Programme")
    practice = forms.ChoiceField(label="Practice or partner trained")
    delivered_on = NhsDateField(label="Date of the session", subject="date of the session")
    trainers = forms.CharField(
        label="Trainers",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=1000,
        help_text="One per line, for example a GP and a community partner with lived experience.",
    )
    attendance = forms.IntegerField(label="How many attended", min_value=0, max_value=1000)
    feedback_score = forms.DecimalField(
        label="Average feedback score (0 to 5)",
        required=False,
        min_value=Decimal(0),
        max_value=Decimal(5),
        max_digits=3,
        decimal_places=1,
    )
    feedback_notes = forms.CharField(
        label="What attendees said", required=False, widget=forms.Textarea, max_length=4000
    )

    def __init__(
        self,
        *args: Any,
        programmes: list[tuple[str, str]],
        practices: list[tuple[str, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["programme"].choices = [("", "Choose a programme"), *programmes]  # type: ignore[attr-defined]
        self.fields["practice"].choices = [("", "Choose a practice or partner"), *practices]  # type: ignore[attr-defined]

    def clean_trainers(self) -> list[str]:
        raw = self.cleaned_data["trainers"]
        return [line.strip() for line in raw.splitlines() if line.strip()]


class ReportPeriodForm(forms.Form):
    days = forms.IntegerField(
        label="Days before and after the training", min_value=7, max_value=365, initial=90
    )


class FeedbackFilterForm(forms.Form):
    about = forms.ChoiceField(label="About", required=False)
    kind = forms.ChoiceField(
        label="Kind", required=False, choices=[("", "Feedback and ideas"), *FeedbackKind.choices]
    )
    identity = forms.ChoiceField(
        label="Sent",
        required=False,
        choices=[("", "Named and anonymous"), ("named", "Named"), ("anonymous", "Anonymous")],
    )

    def __init__(self, *args: Any, about: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["about"].choices = [("", "Anything"), *about]  # type: ignore[attr-defined]


class YouSaidForm(NhsFormMixin, forms.Form):
    you_said = forms.CharField(
        label="You said", widget=forms.Textarea(attrs={"rows": 3}), max_length=1000
    )
    we_did = forms.CharField(
        label="We did", widget=forms.Textarea(attrs={"rows": 3}), max_length=1000
    )
    publish = forms.BooleanField(label="Publish it on the public page now", required=False)


class BoardMeetingForm(NhsFormMixin, forms.Form):
    held_on = NhsDateField(label="Date of the meeting", subject="date of the meeting")
    summary = forms.CharField(
        label="What was discussed", required=False, widget=forms.Textarea, max_length=4000
    )
    actions = forms.CharField(
        label="Actions",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=4000,
        help_text="One per line, as: what will be done | who will do it",
    )

    def clean_actions(self) -> list[tuple[str, str]]:
        pairs: list[tuple[str, str]] = []
        for number, line in enumerate(self.cleaned_data["actions"].splitlines(), start=1):
            if not line.strip():
                continue
            text, _, owner = line.partition("|")
            if not text.strip() or not owner.strip():
                raise ValidationError(
                    f"Action {number} needs what will be done and who will do it, separated by |",
                    code="owner",
                )
            if len(text.strip()) > 300 or len(owner.strip()) > 100:
                raise ValidationError(
                    f"Action {number} is too long: 300 characters for the action, "
                    "100 for who does it",
                    code="length",
                )
            pairs.append((text.strip(), owner.strip()))
        return pairs
