"""Forms for the caseload and an episode's actions (rendered with the referrals field templates)."""

from __future__ import annotations

from django import forms

from linkwell.referrals.forms import AssignForm, NhsFormMixin

from .models import DischargeReason, EpisodeStatus

__all__ = ["AssignForm", "CloseEpisodeForm", "CASELOAD_FILTERS"]

# The caseload shows episodes in progress by default; closed ones on request.
CASELOAD_FILTERS: list[tuple[str, str]] = [
    ("", "All in progress"),
    (EpisodeStatus.OPEN, "Open (not started)"),
    (EpisodeStatus.ACTIVE, "Active"),
    (EpisodeStatus.CLOSING, "Closing"),
    (EpisodeStatus.CLOSED, "Closed"),
]


class CloseEpisodeForm(NhsFormMixin, forms.Form):
    discharge_reason = forms.ChoiceField(
        label="Why is support ending?",
        choices=[("", "Choose a reason"), *DischargeReason.choices],
        error_messages={"required": "Select why support is ending"},
    )
    note = forms.CharField(
        label="Anything to add (optional)",
        help_text="For the team's record. The referrer is told support ended and why.",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
