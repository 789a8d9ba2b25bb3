from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import (
    AuthenticationForm,
    PasswordChangeForm,
    PasswordResetForm,
    SetPasswordForm,
)
from django.core.validators import MaxLengthValidator

from .services import user_set_password

_INPUT = "nhsuk-input"


class LoginForm(AuthenticationForm):
    """Django's sign-in form with the username's length checked before anyone looks it up.

    Django sets the field's max_length after the field has made its validators, so no length was
    checked, and django-axes writes each failed attempt's username into a 255-character column: a
    longer one was a server error on PostgreSQL and stored whole on SQLite."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        username = self.fields["username"]
        longest = getattr(username, "max_length", None) or 150
        username.validators.append(
            MaxLengthValidator(longest, message=f"A username has no more than {longest} characters")
        )
        username.error_messages["required"] = "Enter your username"
        self.fields["password"].error_messages["required"] = "Enter your password"


class CodeForm(forms.Form):
    code = forms.CharField(
        label="Code",
        max_length=12,
        strip=True,
        error_messages={"required": "Enter the 6-digit code from your authenticator app."},
        widget=forms.TextInput(
            attrs={
                "class": f"{_INPUT} nhsuk-input--width-10",
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "spellcheck": "false",
            }
        ),
    )


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label="Token name",
        help_text="Say which system will use it, for example “GP referral integration”.",
        max_length=100,
        strip=True,
        error_messages={"required": "Give the token a name, such as the system that will use it."},
        widget=forms.TextInput(attrs={"class": f"{_INPUT} nhsuk-u-width-two-thirds"}),
    )


class NhsPasswordResetForm(PasswordResetForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["email"].label = "Email address"
        self.fields["email"].widget.attrs["class"] = f"{_INPUT} nhsuk-u-width-two-thirds"
        self.fields["email"].error_messages["required"] = "Enter your email address."
        self.fields["email"].error_messages["invalid"] = (
            "Enter an email address in the correct format, like name@example.org."
        )


class ServiceSetPasswordForm(SetPasswordForm):
    """Django's set-password form, saving through the service so the change is audited."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs["class"] = f"{_INPUT} nhsuk-u-width-two-thirds"

    def save(self, commit: bool = True) -> Any:
        return user_set_password(
            user=self.user, password=self.cleaned_data["new_password1"], actor=self.user
        )


class ServicePasswordChangeForm(PasswordChangeForm):
    """Change a password while signed in (old password first), saved and audited by the service."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs["class"] = f"{_INPUT} nhsuk-u-width-two-thirds"
        self.fields["old_password"].label = "Current password"

    def save(self, commit: bool = True) -> Any:
        return user_set_password(
            user=self.user, password=self.cleaned_data["new_password1"], actor=self.user
        )
