"""Forms of the directory pages."""

from __future__ import annotations

from django import forms

from linkwell.common.needs import NEED_CHOICES
from linkwell.common.paging import MAX_PAGE

from .models import DeliveryMode

DAY_CHOICES = [
    ("", "Any day"),
    ("now", "Open now"),
    ("0", "Monday"),
    ("1", "Tuesday"),
    ("2", "Wednesday"),
    ("3", "Thursday"),
    ("4", "Friday"),
    ("5", "Saturday"),
    ("6", "Sunday"),
]


class DirectorySearchForm(forms.Form):
    q = forms.CharField(label="What are you looking for?", required=False, max_length=200)
    postcode = forms.CharField(label="Your postcode", required=False, max_length=10)
    need = forms.ChoiceField(
        label="Help with", required=False, choices=[("", "Anything"), *NEED_CHOICES]
    )
    mode = forms.MultipleChoiceField(
        label="How you would like to take part",
        required=False,
        choices=DeliveryMode.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    free = forms.BooleanField(label="Free services only", required=False)
    self_referral = forms.BooleanField(label="I can contact them myself", required=False)
    age = forms.IntegerField(label="Your age", required=False, min_value=0, max_value=120)
    language = forms.CharField(label="Language", required=False, max_length=40)
    day = forms.ChoiceField(label="When", required=False, choices=DAY_CHOICES)
    distance = forms.ChoiceField(
        label="Within",
        required=False,
        choices=[("", "Any distance (up to 15 miles)"), ("1", "1 mile"), ("3", "3 miles"),
                 ("5", "5 miles"), ("10", "10 miles")],
    )  # fmt: skip
    sort = forms.ChoiceField(
        label="Sort by",
        required=False,
        choices=[("relevance", "Best match"), ("distance", "Nearest first")],
    )
    page = forms.IntegerField(
        required=False, min_value=1, max_value=MAX_PAGE, widget=forms.HiddenInput
    )

    def clean(self) -> dict:
        data = super().clean() or {}
        if data.get("sort") == "distance" and not data.get("postcode"):
            self.add_error("postcode", "Enter your postcode to sort by distance.")
        if data.get("distance") and not data.get("postcode"):
            self.add_error("postcode", "Enter your postcode to search within a distance.")
        return data


class ListingForm(forms.Form):
    """What a provider can change about a listing; the HSDS record keeps the rest."""

    name = forms.CharField(label="Name of the service", max_length=200)
    description = forms.CharField(
        label="What it offers", widget=forms.Textarea(attrs={"rows": 5}), required=False
    )
    status = forms.ChoiceField(
        label="Is it running?",
        choices=[
            ("active", "Running"),
            ("temporarily closed", "Temporarily closed"),
            ("inactive", "Not running for now (hidden)"),
            ("defunct", "Closed for good (hidden)"),
        ],
        widget=forms.RadioSelect,
    )
    application_process = forms.CharField(
        label="How people get in", widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    access = forms.ChoiceField(
        label="Can people contact you themselves?",
        choices=[("self_referral", "Yes"), ("referral_needed", "No, they need a referral")],
        widget=forms.RadioSelect,
    )
    cost = forms.ChoiceField(
        label="Cost",
        choices=[("free", "Free"), ("paid", "There is a cost"), ("unknown", "Not sure")],
        widget=forms.RadioSelect,
    )
    fees_description = forms.CharField(label="Cost details", required=False, max_length=500)
    needs = forms.MultipleChoiceField(
        label="Helps with", choices=NEED_CHOICES, widget=forms.CheckboxSelectMultiple
    )
    delivery_modes = forms.MultipleChoiceField(
        label="How it runs", choices=DeliveryMode.choices, widget=forms.CheckboxSelectMultiple
    )
    typical_wait_days = forms.IntegerField(
        label="Typical wait in days", required=False, min_value=0, max_value=3650
    )
    capacity = forms.IntegerField(
        label="How many people it can take at a time", required=False, min_value=0
    )
    email = forms.EmailField(label="Email", required=False)
    url = forms.URLField(label="Website", required=False, assume_scheme="https")
    alert = forms.CharField(label="Notice to show (optional)", required=False, max_length=500)
