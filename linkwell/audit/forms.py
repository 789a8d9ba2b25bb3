"""The audit search form: every field optional, the same checks as the API."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from .models import AuditAction
from .selectors import AuditFilters, audit_filters_validate


class AuditSearchForm(forms.Form):
    person = forms.UUIDField(
        required=False,
        label="Person",
        help_text="Their reference, as shown on their record",
        error_messages={
            "invalid": "Enter the person's reference in full, as shown on their record."
        },
        widget=forms.TextInput(attrs={"class": "nhsuk-input", "spellcheck": "false"}),
    )
    actor = forms.CharField(
        required=False,
        max_length=150,
        label="Done by (username)",
        widget=forms.TextInput(
            attrs={"class": "nhsuk-input nhsuk-input--width-20", "spellcheck": "false"}
        ),
    )
    action = forms.ChoiceField(
        required=False,
        label="Action",
        choices=[("", "Any action"), *AuditAction.choices],
        widget=forms.Select(attrs={"class": "nhsuk-select"}),
    )
    object_type = forms.CharField(
        required=False,
        max_length=60,
        label="Type of record",
        help_text="For example Person, Referral, Episode or AuditLog",
        widget=forms.TextInput(attrs={"class": "nhsuk-input nhsuk-input--width-20"}),
    )
    date_from = forms.DateField(
        required=False,
        label="From (date)",
        help_text="For example 2026-11-24",
        error_messages={"invalid": "Enter the start date as year-month-day, like 2026-11-24."},
        widget=forms.DateInput(
            attrs={"class": "nhsuk-input nhsuk-input--width-10", "type": "date"}
        ),
    )
    date_to = forms.DateField(
        required=False,
        label="To (date)",
        help_text="Included in the search",
        error_messages={"invalid": "Enter the end date as year-month-day, like 2026-11-24."},
        widget=forms.DateInput(
            attrs={"class": "nhsuk-input nhsuk-input--width-10", "type": "date"}
        ),
    )
    request_id = forms.CharField(
        required=False,
        max_length=64,
        label="Request id",
        help_text="Shown to people as a reference when something goes wrong",
        widget=forms.TextInput(
            attrs={"class": "nhsuk-input nhsuk-input--width-20", "spellcheck": "false"}
        ),
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not self.errors:
            try:
                audit_filters_validate(self._filters(cleaned))
            except ValidationError as exc:
                for field, messages in exc.message_dict.items():
                    name = {"person_uuid": "person", "actor_username": "actor"}.get(field, field)
                    self.add_error(name if name in self.fields else None, messages)
        return cleaned

    @staticmethod
    def _filters(cleaned: dict[str, Any]) -> AuditFilters:
        return AuditFilters(
            person_uuid=cleaned.get("person"),
            actor_username=(cleaned.get("actor") or "").strip(),
            action=cleaned.get("action") or "",
            object_type=(cleaned.get("object_type") or "").strip(),
            date_from=cleaned.get("date_from"),
            date_to=cleaned.get("date_to"),
            request_id=(cleaned.get("request_id") or "").strip(),
        )

    def filters(self) -> AuditFilters:
        """Only after ``is_valid()``."""
        return self._filters(self.cleaned_data)
