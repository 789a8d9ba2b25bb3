"""Organisations, teams, users with roles (DESIGN.md "Who uses it") and API tokens."""

from __future__ import annotations

import hashlib
import re
import uuid

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models

from linkwell.common.models import BaseModel


class OrganisationKind(models.TextChoices):
    SOCIAL_PRESCRIBING_SERVICE = "social_prescribing_service", "Social prescribing service"
    GP_PRACTICE = "gp_practice", "GP practice"
    TALKING_THERAPIES = "talking_therapies", "NHS Talking Therapies service"
    JOB_CENTRE = "job_centre", "Job centre"
    HOUSING_PROVIDER = "housing_provider", "Housing provider"
    COMMUNITY_PROVIDER = "community_provider", "Community provider"
    OTHER = "other", "Other"


# NHS ODS codes for GP practices are short upper-case codes such as "Y01234" or "A81001".
ODS_CODE_RE = re.compile(r"^[A-Z0-9]{3,6}$")
ODS_CODE_MESSAGE = "Enter the practice's ODS code: 3 to 6 capital letters or numbers, like Y01234."


def normalise_ods_code(value: str | None) -> str | None:
    """Trim and upper-case an ODS code; an empty code is stored as NULL so uniqueness holds."""
    if value is None:
        return None
    value = value.strip().upper()
    return value or None


class Organisation(BaseModel):
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=40, choices=OrganisationKind.choices)
    # NHS Organisation Data Service code; GP practices have one (e.g. "Y01234").
    ods_code = models.CharField(max_length=10, blank=True, null=True, unique=True)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    postcode = models.CharField(max_length=10, blank=True)
    require_two_factor_for_all = models.BooleanField(
        default=False, help_text="Ask every user of this organisation for a TOTP code at sign-in."
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(kind="gp_practice") | models.Q(ods_code__isnull=False),
                name="gp_practice_has_ods_code",
            )
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        self.ods_code = normalise_ods_code(self.ods_code)
        if self.kind == OrganisationKind.GP_PRACTICE:
            if not self.ods_code:
                raise ValidationError({"ods_code": "A GP practice needs its ODS code."})
            if not ODS_CODE_RE.match(self.ods_code):
                raise ValidationError({"ods_code": ODS_CODE_MESSAGE})


class Team(BaseModel):
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="teams")
    name = models.CharField(max_length=200)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "name"], name="team_name_unique")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.organisation.name})"


class Role(models.TextChoices):
    LINK_WORKER = "link_worker", "Link worker"
    SUPERVISOR = "supervisor", "Supervisor"
    REFERRER = "referrer", "Referrer"
    PROVIDER = "provider", "Provider"
    VOLUNTEER = "volunteer", "Volunteer"
    COMMISSIONER = "commissioner", "Commissioner or analyst"
    ADMIN = "admin", "Administrator"


class User(AbstractUser):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.LINK_WORKER)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="users"
    )
    team = models.ForeignKey(
        Team, on_delete=models.SET_NULL, null=True, blank=True, related_name="members"
    )
    phone = models.CharField(max_length=40, blank=True)
    require_two_factor = models.BooleanField(
        default=False, help_text="Ask this user for a TOTP code at sign-in whatever their role."
    )

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.username

    def has_role(self, *roles: str) -> bool:
        return self.is_authenticated and self.role in roles

    def clean(self) -> None:
        super().clean()
        team = self.team if self.team_id else None
        if team is not None and not self.organisation_id:
            self.organisation_id = team.organisation_id
        if team is not None and team.organisation_id != self.organisation_id:
            raise ValidationError(
                {"team": "Choose a team that belongs to the user's organisation."}
            )


class ApiToken(BaseModel):
    """A bearer token for a system client. Only a SHA-256 digest is stored; the token is shown once.

    A token is 'lw_' + a random secret; the first 8 characters after the prefix are kept in clear as
    ``prefix`` so an administrator can tell tokens apart without seeing them.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=16)
    # Looked up on every API request with a bearer token.
    key_hash = models.CharField(max_length=64, unique=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    @staticmethod
    def hash_key(raw: str) -> str:
        return hashlib.sha256(raw.encode()).hexdigest()

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
