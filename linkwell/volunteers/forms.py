"""Forms for the staff pages about volunteers. They only check and tidy what was typed; the
services decide the rest (recruitment order, consent, checks that stop a match)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from linkwell.referrals.forms import DateInputWidget, NhsFormMixin, date_from_parts

from .models import MatchEndReason, VolunteerRole, VolunteerStatus

YES_NO = [("yes", "Yes"), ("no", "No")]


class NhsDateField(forms.Field):
    """A date typed as day, month and year (the NHS date input), past or future as asked."""

    widget = DateInputWidget

    def __init__(self, *, subject: str, past_only: bool = True, **kwargs: Any) -> None:
        self.subject = subject
        self.past_only = past_only
        super().__init__(**kwargs)
        self.error_messages["required"] = f"Enter the {subject}"

    def to_python(self, value: Any) -> dt.date | None:
        value = date_from_parts(value, self.subject)
        if value is None:
            return None
        subject = self.subject[0].upper() + self.subject[1:]
        if self.past_only and value > timezone.localdate():
            raise ValidationError(f"{subject} must be today or in the past", code="future")
        return value


def words(raw: str) -> list[str]:
    """'Urdu, Punjabi' -> ['urdu', 'punjabi']: the lower-case lists volunteers are matched on."""
    return [w.strip().lower() for w in raw.replace(";", ",").split(",") if w.strip()]


class VolunteerCreateForm(NhsFormMixin, forms.Form):
    user = forms.ChoiceField(
        label="Who is applying",
        help_text="People with a volunteer sign-in in your service who have no record yet.",
    )
    role = forms.ChoiceField(label="Role", choices=VolunteerRole.choices)
    languages = forms.CharField(
        label="Languages",
        required=False,
        help_text="Separate with commas, for example: Urdu, English",
    )
    interests = forms.CharField(
        label="Interests", required=False, help_text="For example: walking, gardening, football"
    )
    availability = forms.CharField(
        label="When they are free",
        required=False,
        help_text="Day and part of day, for example: mon_am, wed_pm",
    )
    area = forms.CharField(
        label="Postcode district they cover",
        required=False,
        max_length=8,
        help_text="For example LS6",
    )
    max_matches = forms.IntegerField(
        label="Most people matched at once", min_value=1, max_value=10, initial=2
    )

    def __init__(self, *args: Any, users: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"].choices = [("", "Choose a person"), *users]  # type: ignore[attr-defined]


class StatusForm(NhsFormMixin, forms.Form):
    status = forms.ChoiceField(label="Move to", choices=VolunteerStatus.choices)


class ReferencesForm(NhsFormMixin, forms.Form):
    received = forms.IntegerField(label="References received", min_value=0, max_value=5)


class DbsForm(NhsFormMixin, forms.Form):
    checked_on = NhsDateField(label="Date of the DBS check", subject="date of the DBS check")
    renew_by = NhsDateField(
        label="Renew by", subject="renewal date", past_only=False, help_text="For example 1 4 2029"
    )


class TrainingForm(NhsFormMixin, forms.Form):
    module = forms.ChoiceField(label="Training module")
    completed_on = NhsDateField(label="Date completed", subject="completion date")

    def __init__(self, *args: Any, modules: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["module"].choices = [("", "Choose a module"), *modules]  # type: ignore[attr-defined]


class ModuleForm(NhsFormMixin, forms.Form):
    name = forms.CharField(label="Module name", max_length=200)
    required_for = forms.MultipleChoiceField(
        label="Required for",
        choices=VolunteerRole.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    valid_for_days = forms.IntegerField(
        label="Valid for (days)",
        required=False,
        min_value=1,
        max_value=3650,
        help_text="Leave empty if it never needs renewing.",
    )


class SupervisionForm(NhsFormMixin, forms.Form):
    held_on = NhsDateField(label="Date of the session", subject="session date")
    notes = forms.CharField(label="Notes", required=False, widget=forms.Textarea, max_length=4000)


class SuggestionFilterForm(forms.Form):
    interests = forms.CharField(label="The person's interests", required=False, max_length=200)
    availability = forms.CharField(
        label="When the person is free", required=False, max_length=200, help_text="mon_am, wed_pm"
    )


class MatchConfirmForm(NhsFormMixin, forms.Form):
    volunteer = forms.UUIDField(widget=forms.HiddenInput)
    agreed_plan_items = forms.CharField(
        label="What the person agreed the volunteer helps with",
        help_text="One thing per line. The volunteer sees only these, the first name and how "
        "the person likes to be contacted.",
        widget=forms.Textarea,
        max_length=2000,
    )

    def clean_agreed_plan_items(self) -> list[str]:
        raw = self.cleaned_data["agreed_plan_items"]
        return [line.strip() for line in raw.splitlines() if line.strip()]


class ReviewForm(NhsFormMixin, forms.Form):
    going_well = forms.ChoiceField(
        label="Is the match going well?", choices=YES_NO, widget=forms.RadioSelect
    )
    notes = forms.CharField(label="Notes", required=False, widget=forms.Textarea, max_length=4000)


class EndForm(NhsFormMixin, forms.Form):
    reason = forms.ChoiceField(
        label="Why is the match ending?", choices=MatchEndReason.choices, widget=forms.RadioSelect
    )
    note = forms.CharField(
        label="More detail",
        required=False,
        widget=forms.Textarea,
        max_length=2000,
        help_text="Needed when the reason is 'Other'.",
    )


class PeriodForm(forms.Form):
    start = forms.DateField(label="From", widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label="To", widget=forms.DateInput(attrs={"type": "date"}))
