from __future__ import annotations

from typing import Any

from django import forms

from linkwell.accounts.models import Organisation, OrganisationKind
from linkwell.referrals.forms import UuidChoiceField

# NHS.UK frontend classes per widget, so the fields look like the rest of the service.
NHSUK_CLASSES = {
    forms.Textarea: "nhsuk-textarea",
    forms.Select: "nhsuk-select",
    forms.CheckboxInput: "nhsuk-checkboxes__input",
    forms.RadioSelect: "nhsuk-radios__input",
}


class NhsukForm(forms.Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            css = next(
                (c for kind, c in NHSUK_CLASSES.items() if isinstance(field.widget, kind)),
                "nhsuk-input",
            )
            field.widget.attrs.setdefault("class", css)


class ProgrammeForm(NhsukForm):
    name = forms.CharField(label="Name", max_length=200)
    description = forms.CharField(label="What it is about", required=False, widget=forms.Textarea)
    provider = UuidChoiceField(
        label="Run by a community organisation (optional)",
        queryset=Organisation.objects.filter(kind=OrganisationKind.COMMUNITY_PROVIDER).order_by(
            "name"
        ),
        required=False,
        empty_label="Our own team",
    )


class GroupSessionForm(NhsukForm):
    starts_at = forms.DateTimeField(
        label="Date and time", widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    duration_minutes = forms.IntegerField(
        label="Length in minutes", min_value=15, max_value=480, initial=90
    )
    capacity = forms.IntegerField(label="Places", min_value=1, max_value=200, initial=12)
    venue = forms.CharField(label="Where it meets", max_length=200, required=False)
    online = forms.BooleanField(label="Online session", required=False)


class PollForm(NhsukForm):
    score = forms.TypedChoiceField(
        label="How much did today help?",
        choices=[(n, str(n)) for n in range(1, 6)],
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose a number from 1 to 5."},
    )
    comment = forms.CharField(
        label="Anything you would like to tell us? (optional)",
        required=False,
        max_length=1000,
        widget=forms.Textarea,
    )
