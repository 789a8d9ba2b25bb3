"""Forms for a person's record, consent and duplicate decisions. They check shape; the services
decide and save."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone

from linkwell.accounts.models import Organisation, OrganisationKind

from .models import ConsentMethod, ConsentPurpose, Person
from .validation import normalise_nhs_number, normalise_postcode

# Input widths that hint at the expected length (NHS design system guidance).
_WIDTHS = {"nhs_number": 10, "postcode": 10, "phone": 20, "date_of_birth": 10}


def style_for_nhsuk(form: forms.BaseForm) -> None:
    """Give each widget the NHS design system class (and the error class when it has an error)."""
    for name, field in form.fields.items():
        widget = field.widget
        if isinstance(widget, forms.RadioSelect | forms.CheckboxInput):
            continue
        if isinstance(widget, forms.Select):
            css = "nhsuk-select"
        elif isinstance(widget, forms.Textarea):
            css = "nhsuk-textarea"
        else:
            css = "nhsuk-input"
        described_by = [f"id_{name}-hint"] if field.help_text else []
        if form.is_bound and name in form.errors:
            css += f" {css}--error"
            described_by.append(f"id_{name}-error")
        width = _WIDTHS.get(name)
        widget.attrs["class"] = f"{css} nhsuk-input--width-{width}" if width else css
        if described_by:
            widget.attrs["aria-describedby"] = " ".join(described_by)


class NhsukFormMixin:
    def full_clean(self) -> None:
        super().full_clean()  # type: ignore[misc]
        style_for_nhsuk(self)  # type: ignore[arg-type]


class PersonForm(NhsukFormMixin, forms.ModelForm):
    class Meta:
        model = Person
        fields = [
            "given_name",
            "family_name",
            "preferred_name",
            "nhs_number",
            "date_of_birth",
            "address",
            "postcode",
            "phone",
            "email",
            "preferred_contact_method",
            "preferred_contact_times",
            "language",
            "interpreter_needed",
            "accessibility_needs",
            "ethnic_category",
            "sex",
            "gender_identity",
            "gp_practice",
        ]
        labels = {
            "given_name": "Given name",
            "family_name": "Family name",
            "preferred_name": "Preferred name (what they like to be called)",
            "nhs_number": "NHS number (optional)",
            "date_of_birth": "Date of birth",
            "postcode": "Postcode",
            "phone": "Phone number",
            "email": "Email address",
            "preferred_contact_method": "How they prefer to be contacted",
            "preferred_contact_times": "Best times to contact them",
            "language": "Preferred language",
            "interpreter_needed": "Needs an interpreter",
            "accessibility_needs": "Accessibility needs",
            "ethnic_category": "Ethnic group",
            "sex": "Sex",
            "gender_identity": "Gender identity (in their words, optional)",
            "gp_practice": "GP practice",
        }
        help_texts = {
            "nhs_number": "10 digits, for example 943 476 5919.",
            "date_of_birth": "For example, 31 3 1980 or 1980-03-31.",
            "postcode": "For example, LS6 1AB.",
            "accessibility_needs": "For example, step-free access, large print, a hearing loop.",
        }
        widgets = {
            "date_of_birth": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "address": forms.Textarea(attrs={"rows": 3}),
            "accessibility_needs": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        gp = self.fields["gp_practice"]
        gp.queryset = Organisation.objects.filter(  # type: ignore[attr-defined]
            kind=OrganisationKind.GP_PRACTICE, is_active=True
        )
        gp.required = False
        # Spaces and dashes are allowed on the way in and removed on cleaning.
        self.fields["nhs_number"] = forms.CharField(
            label="NHS number (optional)",
            required=False,
            max_length=20,
            help_text="10 digits, for example 943 476 5919.",
        )
        self.fields["postcode"] = forms.CharField(
            label="Postcode", required=False, max_length=10, help_text="For example, LS6 1AB."
        )
        self.fields["date_of_birth"] = forms.DateField(
            label="Date of birth",
            required=False,
            input_formats=["%Y-%m-%d", "%d/%m/%Y", "%d %m %Y"],
            help_text="For example, 1980-03-31 or 31/03/1980.",
            widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        )
        style_for_nhsuk(self)

    def clean_nhs_number(self) -> str:
        return normalise_nhs_number(self.cleaned_data.get("nhs_number") or "")

    def clean_postcode(self) -> str:
        return normalise_postcode(self.cleaned_data.get("postcode") or "")

    def clean_date_of_birth(self) -> Any:
        dob = self.cleaned_data.get("date_of_birth")
        if dob and dob > timezone.localdate():
            raise forms.ValidationError("The date of birth cannot be in the future.")
        return dob


class ConsentForm(NhsukFormMixin, forms.Form):
    purpose = forms.ChoiceField(label="What is the consent for?", choices=ConsentPurpose.choices)
    given = forms.TypedChoiceField(
        label="Their decision",
        choices=[("yes", "They agree (consent given)"), ("no", "They do not agree, or withdraw")],
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
        error_messages={"required": "Choose whether they agree or do not agree."},
    )
    method = forms.ChoiceField(label="How was it recorded?", choices=ConsentMethod.choices)
    note = forms.CharField(
        label="Note (optional)",
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        style_for_nhsuk(self)


class MergeForm(forms.Form):
    keep = forms.UUIDField(label="Which record should be kept?")

    def __init__(self, *args: Any, choices: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._allowed = {value for value, _ in choices}

    def clean_keep(self) -> Any:
        keep = self.cleaned_data["keep"]
        if str(keep) not in self._allowed:
            raise forms.ValidationError("Choose one of the two records to keep.")
        return keep
