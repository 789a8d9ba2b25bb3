from __future__ import annotations

from django import forms

from .models import DeliveryMode, Outcome, VenueKind


class AppointmentForm(forms.Form):
    starts_at = forms.DateTimeField(
        label="Date and time", widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    duration_minutes = forms.IntegerField(label="Length in minutes", min_value=5, max_value=480)
    mode = forms.ChoiceField(label="How the session happens", choices=DeliveryMode.choices)
    venue_kind = forms.ChoiceField(label="Venue", choices=VenueKind.choices, required=False)
    venue_detail = forms.CharField(label="Venue details", max_length=200, required=False)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]  # Form's own signature
        for name, field in self.fields.items():
            kind = "nhsuk-select" if isinstance(field, forms.ChoiceField) else "nhsuk-input"
            field.widget.attrs.setdefault("class", kind)
            if name == "duration_minutes":
                field.widget.attrs["class"] += " nhsuk-input--width-3"


class OutcomeForm(forms.Form):
    outcome = forms.ChoiceField(label="What happened", choices=[c for c in Outcome.choices if c[0]])
    reason = forms.CharField(label="Reason", required=False, widget=forms.Textarea)


class ExtensionForm(forms.Form):
    extra_sessions = forms.IntegerField(label="Extra sessions", min_value=1, max_value=20)
    reason = forms.CharField(label="Why more sessions are needed", widget=forms.Textarea)
