"""Forms for the referral front door: the referrer's page, the public self-referral form and the
link worker's actions on a referral.

Forms only check and tidy what a person typed; the services decide everything else (duplicates,
teams, deadlines, alerts). Templates render these fields with the NHS design system markup in
``referrals/fields/``.
"""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

from django import forms
from django.core import signing
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils import timezone

from linkwell.accounts.models import OrganisationKind, Role, User
from linkwell.common.needs import NEED_CHOICES
from linkwell.people.models import ContactMethod
from linkwell.people.validation import normalise_nhs_number, normalise_postcode
from linkwell.referrals.models import ReferralSource, Urgency

YES_NO = [("yes", "Yes"), ("no", "No")]

# The source of a referral made on the referrer's page follows the kind of their organisation.
SOURCE_FOR_ORGANISATION_KIND = {
    OrganisationKind.GP_PRACTICE: ReferralSource.GP_PRACTICE,
    OrganisationKind.TALKING_THERAPIES: ReferralSource.TALKING_THERAPIES,
    OrganisationKind.JOB_CENTRE: ReferralSource.JOB_CENTRE,
    OrganisationKind.HOUSING_PROVIDER: ReferralSource.HOUSING,
    OrganisationKind.COMMUNITY_PROVIDER: ReferralSource.COMMUNITY,
}

# Spam resistance for the public form without third-party CAPTCHAs (see SelfReferralForm).
SELF_REFERRAL_TOKEN_SALT = "linkwell.referrals.self-referral-form"  # noqa: S105  # a salt, not a secret
SELF_REFERRAL_MIN_SECONDS = 3
SELF_REFERRAL_MAX_SECONDS = 2 * 60 * 60


class NhsFormMixin:
    """What the NHS error summary needs: each message with a link to the input it is about."""

    def error_summary(self) -> list[tuple[str, str]]:
        form: forms.BaseForm = self  # type: ignore[assignment]
        items: list[tuple[str, str]] = []
        first_field = next(iter(form.fields), None)
        # Problems with the whole form (a refused timestamp, a service's refusal) come first.
        ordered = sorted(form.errors.items(), key=lambda item: item[0] != NON_FIELD_ERRORS)
        for name, errors in ordered:
            if name == NON_FIELD_ERRORS:
                anchor = self.error_anchor(first_field) if first_field else "#maincontent"
            else:
                anchor = self.error_anchor(name)
            items.extend((anchor, str(message)) for message in errors)
        return items

    def error_anchor(self, name: str) -> str:
        form: forms.BaseForm = self  # type: ignore[assignment]
        bound = form[name]
        widget = form.fields[name].widget
        if isinstance(widget, DateInputWidget):
            return f"#{bound.auto_id}_day"
        if isinstance(widget, forms.RadioSelect | forms.CheckboxSelectMultiple):
            return f"#{bound.auto_id}_0"
        return f"#{bound.auto_id}"

    def add_service_error(self, error: ValidationError, field_map: dict[str, str]) -> None:
        """Show a service's ValidationError beside the fields it names (or above the form)."""
        form: forms.BaseForm = self  # type: ignore[assignment]
        if hasattr(error, "error_dict"):
            for key, messages in error.message_dict.items():
                field = field_map.get(key, key)
                target = field if field in form.fields else None
                for message in messages:
                    form.add_error(target, message)
        else:
            for message in error.messages:
                form.add_error(None, message)


class DateInputWidget(forms.MultiWidget):
    """The NHS date input: three boxes for day, month and year."""

    def __init__(self) -> None:
        numeric = {"inputmode": "numeric"}
        super().__init__(
            widgets={
                "day": forms.TextInput(attrs=numeric),
                "month": forms.TextInput(attrs=numeric),
                "year": forms.TextInput(attrs=numeric),
            }
        )

    def decompress(self, value: Any) -> list[Any]:
        if isinstance(value, dt.date):
            return [value.day, value.month, value.year]
        return [None, None, None]


def date_from_parts(value: Any, subject: str) -> dt.date | None:
    """The date typed into the NHS date input's three boxes (day, month, year), or None when all
    three are empty; otherwise a ValidationError with the NHS service manual's messages."""
    if isinstance(value, dt.date):
        return value
    parts = [str(p or "").strip() for p in (value or ["", "", ""])]
    if not any(parts):
        return None
    subject = subject[0].upper() + subject[1:]
    for part, name in zip(parts, ("day", "month", "year"), strict=True):
        if not part:
            raise ValidationError(f"{subject} must include a {name}", code="incomplete")
    day, month, year = parts
    # A day or month of more than two digits is no date (and 2**31 of them was a server error:
    # too large for the calendar's arithmetic).
    digits = all(p.isdecimal() for p in parts)
    if not digits or len(day) > 2 or len(month) > 2 or len(year) != 4:
        raise ValidationError(f"{subject} must be a real date", code="invalid")
    try:
        return dt.date(int(year), int(month), int(day))
    except ValueError:
        raise ValidationError(f"{subject} must be a real date", code="invalid") from None


class DateOfBirthField(forms.Field):
    """A past date typed as day, month and year, with the NHS service manual's error messages."""

    widget = DateInputWidget

    def __init__(
        self, *, subject: str = "date of birth", whose: str = "your", **kwargs: Any
    ) -> None:
        self.subject = subject
        super().__init__(**kwargs)
        self.error_messages["required"] = f"Enter {whose} {subject}"

    def to_python(self, value: Any) -> dt.date | None:
        value = date_from_parts(value, self.subject)
        if value is None:
            return None
        subject = self.subject[0].upper() + self.subject[1:]
        today = timezone.localdate()
        if value > today:
            raise ValidationError(f"{subject} must be in the past", code="future")
        if value.year < today.year - 120:
            raise ValidationError(f"{subject} must be a real date", code="too_old")
        return value


def _clean_nhs_number(raw: str) -> str:
    if not raw.strip():
        return ""
    return normalise_nhs_number(raw)


def _clean_postcode(raw: str) -> str:
    return normalise_postcode(raw)


class ReferralForm(NhsFormMixin, forms.Form):
    """The referrer's page: one screen a GP receptionist can finish in under a minute."""

    given_name = forms.CharField(
        label="Given name",
        max_length=100,
        error_messages={"required": "Enter the person's given name"},
    )
    family_name = forms.CharField(
        label="Family name",
        max_length=100,
        error_messages={"required": "Enter the person's family name"},
    )
    date_of_birth = DateOfBirthField(
        label="Date of birth", help_text="For example, 15 3 1984", whose="the person's"
    )
    nhs_number = forms.CharField(
        label="NHS number (optional)",
        required=False,
        max_length=20,
        help_text="10 digits, for example 485 777 3457",
    )
    postcode = forms.CharField(
        label="Postcode", max_length=10, error_messages={"required": "Enter the person's postcode"}
    )
    phone = forms.CharField(
        label="Phone number",
        max_length=40,
        error_messages={"required": "Enter a phone number for the person"},
    )
    reason = forms.CharField(
        label="Why are you referring them?",
        help_text="In the person's own words where you can: what is going on in their life.",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=4000,
        error_messages={"required": "Enter why you are referring the person"},
    )
    suggested_needs = forms.MultipleChoiceField(
        label="What might they want support with? (optional)",
        help_text="Select all that apply. The person will choose with their link worker.",
        choices=NEED_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    urgency = forms.ChoiceField(
        label="How soon should we contact them?",
        choices=Urgency.choices,
        initial=Urgency.ROUTINE,
        widget=forms.RadioSelect,
        error_messages={"required": "Select how soon we should contact the person"},
    )
    risk_of_harm = forms.ChoiceField(
        label="Is the person at risk of harm to themselves or others?",
        choices=YES_NO,
        widget=forms.RadioSelect,
        error_messages={"required": "Select yes if the person is at risk of harm"},
    )
    risk_details = forms.CharField(
        label="Tell us about the risk",
        help_text="What you know and what has already been done, for example a crisis team call.",
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    safeguarding_concern = forms.BooleanField(
        label="There is a safeguarding concern (for example abuse, neglect or exploitation)",
        required=False,
    )
    safeguarding_details = forms.CharField(
        label="Tell us about the safeguarding concern",
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    consent_confirmed = forms.BooleanField(
        label="The person agrees to be referred and to be contacted by the link worker service",
        error_messages={
            "required": "Confirm the person agrees to be referred and contacted. "
            "If they have not agreed, do not refer them."
        },
    )

    # Staff who take a referral by phone or letter say where it came from; a referrer's page
    # takes the source from their organisation.
    source = forms.ChoiceField(
        label="Where did this referral come from?",
        choices=[("", "Choose where it came from"), *ReferralSource.choices],
        error_messages={"required": "Select where the referral came from"},
    )
    referrer_name = forms.CharField(
        label="Name of the person who referred them (optional)", required=False, max_length=200
    )
    referrer_contact = forms.CharField(
        label="Their phone number or email, for the message back (optional)",
        required=False,
        max_length=200,
    )

    STAFF_ONLY_FIELDS = ("source", "referrer_name", "referrer_contact")
    # A person found on the register brings their record: these are not asked again.
    PERSON_FIELDS = (
        "given_name",
        "family_name",
        "date_of_birth",
        "nhs_number",
        "postcode",
        "phone",
    )

    def __init__(self, *args: Any, user: User, person_found: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.person_found = person_found
        if not self.is_staff_intake:
            for name in self.STAFF_ONLY_FIELDS:
                del self.fields[name]
        if person_found:
            for name in self.PERSON_FIELDS:
                del self.fields[name]

    @property
    def is_staff_intake(self) -> bool:
        return self.user.role in (Role.LINK_WORKER, Role.SUPERVISOR)

    def clean_given_name(self) -> str:
        return self.cleaned_data["given_name"].strip()

    def clean_family_name(self) -> str:
        return self.cleaned_data["family_name"].strip()

    def clean_nhs_number(self) -> str:
        return _clean_nhs_number(self.cleaned_data["nhs_number"])

    def clean_postcode(self) -> str:
        return _clean_postcode(self.cleaned_data["postcode"])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("risk_of_harm") == "yes" and not data.get("risk_details", "").strip():
            self.add_error("risk_details", "Tell us about the risk of harm")
        if data.get("safeguarding_concern") and not data.get("safeguarding_details", "").strip():
            self.add_error("safeguarding_details", "Tell us about the safeguarding concern")
        return data

    def referral_source(self) -> str:
        if self.is_staff_intake:
            return self.cleaned_data["source"]
        org = self.user.organisation
        kind = org.kind if org else ""
        return SOURCE_FOR_ORGANISATION_KIND.get(kind, ReferralSource.OTHER)  # type: ignore[call-overload]

    def person_details(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "given_name": data["given_name"],
            "family_name": data["family_name"],
            "date_of_birth": data["date_of_birth"],
            "nhs_number": data["nhs_number"],
            "postcode": data["postcode"],
            "phone": data["phone"].strip(),
        }

    def combined_risk_details(self) -> str:
        data = self.cleaned_data
        parts = []
        if data.get("risk_of_harm") == "yes":
            parts.append(data["risk_details"].strip())
        if data.get("safeguarding_concern"):
            parts.append("Safeguarding: " + data["safeguarding_details"].strip())
        return "\n\n".join(parts)

    def service_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for referrals.services.referral_create (actor and team aside)."""
        data = self.cleaned_data
        kwargs: dict[str, Any] = {
            "source": self.referral_source(),
            "reason": data["reason"].strip(),
            "suggested_needs": list(data["suggested_needs"]),
            "urgency": data["urgency"],
            "risk_of_harm": data["risk_of_harm"] == "yes",
            "safeguarding_concern": bool(data["safeguarding_concern"]),
            "risk_details": self.combined_risk_details(),
            "consent_confirmed": bool(data["consent_confirmed"]),
        }
        if not self.person_found:
            kwargs["person_details"] = self.person_details()
        if self.is_staff_intake:
            kwargs["referrer_name"] = data["referrer_name"].strip()
            kwargs["referrer_contact"] = data["referrer_contact"].strip()
        else:
            kwargs["referring_organisation"] = self.user.organisation
            kwargs["referrer_name"] = self.user.display_name
            kwargs["referrer_contact"] = self.user.email or self.user.phone
        return kwargs


class FindPersonForm(NhsFormMixin, forms.Form):
    """The first step of the referrer's page: find the person by NHS number, or by their name and
    date of birth (a postcode narrows it). Exact matches only (people.finding)."""

    nhs_number = forms.CharField(
        label="NHS number",
        required=False,
        max_length=20,
        help_text="10 digits, for example 485 777 3457",
    )
    given_name = forms.CharField(label="Given name", required=False, max_length=100)
    family_name = forms.CharField(label="Family name", required=False, max_length=100)
    date_of_birth = DateOfBirthField(
        label="Date of birth",
        help_text="For example, 15 3 1984",
        whose="the person's",
        required=False,
    )
    postcode = forms.CharField(label="Postcode (optional)", required=False, max_length=10)

    def clean_nhs_number(self) -> str:
        return _clean_nhs_number(self.cleaned_data["nhs_number"])

    def clean_postcode(self) -> str:
        raw = self.cleaned_data["postcode"]
        return _clean_postcode(raw) if raw.strip() else ""

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors or data.get("nhs_number"):
            return data
        given = data.get("given_name", "").strip()
        family = data.get("family_name", "").strip()
        dob = data.get("date_of_birth")
        if not (given or family or dob):
            self.add_error(
                "nhs_number",
                "Enter the person's NHS number, or their given name, family name and date of birth",
            )
            return data
        if not given:
            self.add_error("given_name", "Enter the person's given name in full")
        if not family:
            self.add_error("family_name", "Enter the person's family name in full")
        if dob is None:
            self.add_error("date_of_birth", "Enter the person's date of birth")
        return data

    def query(self) -> dict[str, Any]:
        """Keyword arguments for people.finding.person_find_for_referral (user aside)."""
        data = self.cleaned_data
        if data["nhs_number"]:
            return {"nhs_number": data["nhs_number"]}
        return {
            "given_name": data["given_name"].strip(),
            "family_name": data["family_name"].strip(),
            "date_of_birth": data["date_of_birth"],
            "postcode": data["postcode"],
        }

    def as_initial(self) -> dict[str, Any]:
        """What was typed, kept (JSON-safe) to fill in the new-person form if nobody is found."""
        data = self.cleaned_data
        dob = data.get("date_of_birth")
        return {
            "nhs_number": data.get("nhs_number", ""),
            "given_name": data.get("given_name", "").strip(),
            "family_name": data.get("family_name", "").strip(),
            "date_of_birth": dob.isoformat() if dob else "",
            "postcode": data.get("postcode", ""),
        }


def self_referral_token(*, issued_at: float | None = None) -> str:
    """A signed record of when the public form was shown; the submission must bring it back."""
    return signing.dumps(
        {"t": time.time() if issued_at is None else issued_at}, salt=SELF_REFERRAL_TOKEN_SALT
    )


class SelfReferralForm(NhsFormMixin, forms.Form):
    """The public self-referral form: short, plain words, no account.

    Spam resistance without a third-party CAPTCHA: ``website`` is a honeypot that people never
    see (bots fill every box), and ``form_token`` is a signed timestamp: a person cannot read and
    fill the form in under 3 seconds, and a form left open for over 2 hours is sent again so an
    old copied token cannot be replayed for ever.
    """

    given_name = forms.CharField(
        label="First name", max_length=100, error_messages={"required": "Enter your first name"}
    )
    family_name = forms.CharField(
        label="Last name", max_length=100, error_messages={"required": "Enter your last name"}
    )
    preferred_name = forms.CharField(
        label="What would you like us to call you? (optional)", required=False, max_length=100
    )
    date_of_birth = DateOfBirthField(label="Date of birth", help_text="For example, 15 3 1984")
    postcode = forms.CharField(
        label="Postcode",
        max_length=10,
        help_text="We only support people who live in our area.",
        error_messages={"required": "Enter your postcode"},
    )
    preferred_contact_method = forms.ChoiceField(
        label="How should we contact you?",
        choices=[
            (ContactMethod.PHONE, "Phone call"),
            (ContactMethod.SMS, "Text message"),
            (ContactMethod.EMAIL, "Email"),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": "Select how we should contact you"},
    )
    phone = forms.CharField(
        label="Phone number", required=False, max_length=40, widget=forms.TextInput()
    )
    mobile = forms.CharField(
        label="Mobile phone number", required=False, max_length=40, widget=forms.TextInput()
    )
    email = forms.EmailField(
        label="Email address",
        required=False,
        max_length=254,
        error_messages={"invalid": "Enter an email address like name@example.com"},
    )
    preferred_contact_times = forms.CharField(
        label="When is a good time to contact you? (optional)",
        help_text="For example, weekday mornings.",
        required=False,
        max_length=200,
    )
    reason = forms.CharField(
        label="What would you like support with?",
        help_text="In your own words. For example, money worries, feeling lonely, "
        "housing, work, or caring for someone.",
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=4000,
        error_messages={"required": "Tell us what you would like support with"},
    )
    at_risk = forms.ChoiceField(
        label="Are you at risk of harm, or do you feel unsafe right now?",
        choices=YES_NO,
        widget=forms.RadioSelect,
        error_messages={"required": "Select yes if you feel unsafe or at risk of harm"},
    )
    consent_confirmed = forms.BooleanField(
        label="I agree that the link worker service can keep these details and contact me "
        "about support",
        error_messages={
            "required": "Tick the box to agree that we can keep your details and contact you"
        },
    )
    # A honeypot: hidden from people (and from screen readers); any value means a bot.
    website = forms.CharField(label="Leave this field empty", required=False)
    form_token = forms.CharField(widget=forms.HiddenInput, required=False)

    TOO_FAST = (
        "That was quicker than we expected. Please check your answers and send the form again."
    )
    TOO_OLD = (
        "This form was open for more than 2 hours, so we could not send it. "
        "Please check your answers and send it again."
    )
    NOT_SENT = "We could not send your form. Please check your answers and try again."

    def __init__(self, *args: Any, now: float | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.now = time.time() if now is None else now
        # A fresh token every time the form is shown, including after errors.
        self.initial["form_token"] = self_referral_token(issued_at=self.now)

    def clean_given_name(self) -> str:
        return self.cleaned_data["given_name"].strip()

    def clean_family_name(self) -> str:
        return self.cleaned_data["family_name"].strip()

    def clean_postcode(self) -> str:
        return _clean_postcode(self.cleaned_data["postcode"])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("website"):
            raise ValidationError(self.NOT_SENT, code="honeypot")
        try:
            issued = float(
                signing.loads(data.get("form_token") or "", salt=SELF_REFERRAL_TOKEN_SALT)["t"]
            )
        except (signing.BadSignature, KeyError, TypeError, ValueError):
            raise ValidationError(self.NOT_SENT, code="bad_token") from None
        elapsed = self.now - issued
        if elapsed < SELF_REFERRAL_MIN_SECONDS:
            raise ValidationError(self.TOO_FAST, code="too_fast")
        if elapsed > SELF_REFERRAL_MAX_SECONDS:
            raise ValidationError(self.TOO_OLD, code="too_old")
        method = data.get("preferred_contact_method")
        if method == ContactMethod.PHONE and not data.get("phone", "").strip():
            self.add_error("phone", "Enter a phone number so we can call you")
        if method == ContactMethod.SMS and not data.get("mobile", "").strip():
            self.add_error("mobile", "Enter a mobile phone number so we can text you")
        if method == ContactMethod.EMAIL and not data.get("email") and "email" not in self.errors:
            self.add_error("email", "Enter an email address so we can email you")
        return data

    @property
    def said_at_risk(self) -> bool:
        value = self.data.get("at_risk") if self.is_bound else None
        return value == "yes"

    def service_details(self) -> dict[str, Any]:
        """The ``details`` for referrals.services.referral_create_self."""
        data = self.cleaned_data
        method = data["preferred_contact_method"]
        phone = data["mobile"] if method == ContactMethod.SMS else data["phone"]
        return {
            "given_name": data["given_name"],
            "family_name": data["family_name"],
            "preferred_name": data["preferred_name"].strip(),
            "date_of_birth": data["date_of_birth"],
            "postcode": data["postcode"],
            "phone": (phone or data["phone"] or data["mobile"]).strip(),
            "email": data["email"],
            "preferred_contact_method": method,
            "preferred_contact_times": data["preferred_contact_times"].strip(),
            "reason": data["reason"].strip(),
            "risk_of_harm": data["at_risk"] == "yes",
            "consent_confirmed": bool(data["consent_confirmed"]),
        }


class DeclineReason:
    NOT_ELIGIBLE = "Not eligible for this service"
    DIFFERENT_SERVICE = "Needs a different service"
    NO_CONTACT = "Could not contact the person"
    PERSON_DECLINED = "The person declined"
    OTHER = "other"

    CHOICES = [
        ("", "Choose a reason"),
        (NOT_ELIGIBLE, NOT_ELIGIBLE),
        (DIFFERENT_SERVICE, DIFFERENT_SERVICE),
        (NO_CONTACT, NO_CONTACT),
        (PERSON_DECLINED, PERSON_DECLINED),
        (OTHER, "Other"),
    ]


class DeclineForm(NhsFormMixin, forms.Form):
    reason_choice = forms.ChoiceField(
        label="Why are you declining this referral?",
        choices=DeclineReason.CHOICES,
        error_messages={"required": "Select why you are declining the referral"},
    )
    reason_text = forms.CharField(
        label="Tell the referrer more",
        help_text="Required for 'Other'. The referrer sees this message.",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("reason_choice") == DeclineReason.OTHER and not data.get("reason_text"):
            self.add_error("reason_text", "Enter why you are declining the referral")
        return data

    def reason(self) -> str:
        choice = self.cleaned_data["reason_choice"]
        text = self.cleaned_data["reason_text"].strip()
        if choice == DeclineReason.OTHER:
            return text
        return f"{choice}. {text}" if text else choice


class ReasonForm(NhsFormMixin, forms.Form):
    """Put on hold or cancel: the Gravity workflow needs a reason for both."""

    reason = forms.CharField(
        label="Reason",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "Enter a reason"},
    )

    def __init__(self, *args: Any, label: str = "Reason", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reason"].label = label
        self.fields["reason"].error_messages["required"] = f"Enter {label[0].lower()}{label[1:]}"


class UuidChoiceField(forms.ModelChoiceField):
    """A choice of record by its public uuid. Django's field answers a value that is not a uuid
    at all with the model field's own message ("“2” is not a valid UUID."); here it is the
    field's "choose one of these" message, as for any other value not among the choices."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(to_field_name="uuid", **kwargs)

    def to_python(self, value: Any) -> Any:
        try:
            return super().to_python(value)
        except ValidationError as exc:
            if exc.code == "invalid_choice":
                raise
            raise ValidationError(
                self.error_messages["invalid_choice"],
                code="invalid_choice",
                params={"value": value},
            ) from None


class AssignForm(NhsFormMixin, forms.Form):
    """Choose a link worker from the team that holds the referral or episode."""

    link_worker = UuidChoiceField(
        label="Assign to",
        queryset=User.objects.none(),
        empty_label="Choose a link worker",
        error_messages={
            "required": "Select a link worker",
            "invalid_choice": "Select a link worker from this team",
        },
    )

    def __init__(self, *args: Any, team: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["link_worker"]
        # Staff accounts of the team (not people supported by the service).
        field.queryset = User.objects.filter(  # type: ignore[attr-defined]
            team=team, is_active=True, role__in=(Role.LINK_WORKER, Role.SUPERVISOR)
        ).order_by("first_name", "last_name", "username")
        field.label_from_instance = lambda u: u.display_name  # type: ignore[attr-defined]
