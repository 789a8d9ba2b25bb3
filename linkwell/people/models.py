"""The person supported by the service, their demographics and their consent."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from linkwell.common.models import BaseModel


class ContactMethod(models.TextChoices):
    PHONE = "phone", "Phone call"
    SMS = "sms", "Text message"
    EMAIL = "email", "Email"
    LETTER = "letter", "Letter"


class EthnicCategory(models.TextChoices):
    """NHS Data Dictionary ETHNIC CATEGORY (2001 census classification) codes."""

    A = "A", "White - British"
    B = "B", "White - Irish"
    C = "C", "White - Any other White background"
    D = "D", "Mixed - White and Black Caribbean"
    E = "E", "Mixed - White and Black African"
    F = "F", "Mixed - White and Asian"
    G = "G", "Mixed - Any other mixed background"
    H = "H", "Asian or Asian British - Indian"
    J = "J", "Asian or Asian British - Pakistani"
    K = "K", "Asian or Asian British - Bangladeshi"
    L = "L", "Asian or Asian British - Any other Asian background"
    M = "M", "Black or Black British - Caribbean"
    N = "N", "Black or Black British - African"
    P = "P", "Black or Black British - Any other Black background"
    R = "R", "Other Ethnic Groups - Chinese"
    S = "S", "Other Ethnic Groups - Any other ethnic group"
    Z = "Z", "Not stated"
    NOT_KNOWN = "99", "Not known"


class Sex(models.TextChoices):
    FEMALE = "female", "Female"
    MALE = "male", "Male"
    INTERSEX = "intersex", "Intersex"
    NOT_STATED = "not_stated", "Prefer not to say"
    UNKNOWN = "unknown", "Not known"


class Person(BaseModel):
    # BaseModel's, without its index: nothing looks people up or orders them by when their record
    # was made, and the index was one more B-tree written with every new record.
    created_at = models.DateTimeField(auto_now_add=True)
    nhs_number = models.CharField(max_length=10, blank=True, db_index=True)
    given_name = models.CharField(max_length=100)
    family_name = models.CharField(max_length=100)
    preferred_name = models.CharField(max_length=100, blank=True)
    date_of_birth = models.DateField(null=True, blank=True)
    address = models.TextField(blank=True)
    postcode = models.CharField(max_length=8, blank=True, help_text="Normalised, e.g. 'LS6 1AB'.")
    phone = models.CharField(max_length=40, blank=True)
    email = models.EmailField(blank=True)
    preferred_contact_method = models.CharField(
        max_length=10, choices=ContactMethod.choices, default=ContactMethod.PHONE
    )
    preferred_contact_times = models.CharField(max_length=200, blank=True)
    language = models.CharField(max_length=60, default="English")
    interpreter_needed = models.BooleanField(default=False)
    accessibility_needs = models.TextField(blank=True)
    ethnic_category = models.CharField(
        max_length=2, choices=EthnicCategory.choices, default=EthnicCategory.NOT_KNOWN
    )
    sex = models.CharField(max_length=12, choices=Sex.choices, default=Sex.UNKNOWN)
    gender_identity = models.CharField(max_length=60, blank=True)
    # Index of Multiple Deprivation decile of the home postcode (1 = most deprived), for equity.
    deprivation_decile = models.PositiveSmallIntegerField(null=True, blank=True)
    gp_practice = models.ForeignKey(
        "accounts.Organisation",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="registered_people",
    )
    # Set when this record was merged into another; the survivor keeps all history. Indexed by
    # person_merged_into_idx, only where set (the look-ups and the PROTECT check all ask for one
    # record's merged records; a new record, merged into nothing, writes no index entry).
    merged_into = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="merged_records",
        db_index=False,
    )
    # Lower-cased names for duplicate matching and search.
    search_given_name = models.CharField(max_length=100, blank=True, editable=False)
    search_family_name = models.CharField(max_length=100, blank=True, editable=False)

    class Meta:
        ordering = ["family_name", "given_name"]
        indexes = [
            # Duplicate check: close match on date of birth plus name or postcode.
            models.Index(
                fields=["date_of_birth", "search_family_name"], name="person_dob_name_idx"
            ),
            models.Index(fields=["date_of_birth", "postcode"], name="person_dob_postcode_idx"),
            # Finding a person by name in the referrer's page.
            models.Index(
                fields=["search_family_name", "search_given_name"], name="person_name_idx"
            ),
            models.Index(
                fields=["merged_into"],
                condition=models.Q(merged_into__isnull=False),
                name="person_merged_into_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(deprivation_decile__isnull=True)
                | models.Q(deprivation_decile__gte=1, deprivation_decile__lte=10),
                name="person_deprivation_decile_range",
            ),
        ]

    def save(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        self.search_given_name = self.given_name.strip().lower()
        self.search_family_name = self.family_name.strip().lower()
        super().save(*args, **kwargs)

    @property
    def display_name(self) -> str:
        return f"{self.preferred_name or self.given_name} {self.family_name}"

    def __str__(self) -> str:
        return self.display_name


class ConsentPurpose(models.TextChoices):
    SUPPORT = "support", "Support by this service"
    SHARE_WITH_GP = "share_gp", "Share with my GP"
    SHARE_WITH_PROVIDERS = "share_providers", "Share with the services I am connected to"
    CONTACT_SMS = "contact_sms", "Contact me by text message"
    CONTACT_EMAIL = "contact_email", "Contact me by email"
    EVALUATION = "evaluation", "Use my anonymised information to evaluate the service"


class ConsentMethod(models.TextChoices):
    VERBAL = "verbal", "Said out loud (recorded by staff)"
    WRITTEN = "written", "Signed form"
    ONLINE = "online", "Online form"
    REFERRER = "referrer", "Confirmed by the referrer"


class Consent(BaseModel):
    """One consent decision. The newest record per person and purpose is the one in force."""

    # BaseModel's, without its index: consents are found by person and purpose and ordered by
    # recorded_at (consent_current_idx), never by when the row was made.
    created_at = models.DateTimeField(auto_now_add=True)

    # Indexed by consent_current_idx, which leads with it.
    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="consents", db_index=False
    )
    purpose = models.CharField(max_length=20, choices=ConsentPurpose.choices)
    given = models.BooleanField()
    recorded_at = models.DateTimeField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    method = models.CharField(max_length=10, choices=ConsentMethod.choices)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["-recorded_at", "-id"]
        indexes = [
            # "Is consent for this purpose in force?" reads the newest row per person and purpose.
            models.Index(fields=["person", "purpose", "-recorded_at"], name="consent_current_idx"),
        ]


class DuplicateStatus(models.TextChoices):
    OPEN = "open", "To review"
    MERGED = "merged", "Merged"
    KEPT_APART = "kept_apart", "Kept apart"


class PossibleDuplicate(BaseModel):
    """A pair of person records that may be the same person, for a link worker to decide."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    other = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(max_length=200)
    score = models.FloatField()
    status = models.CharField(
        max_length=12, choices=DuplicateStatus.choices, default=DuplicateStatus.OPEN
    )
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["person", "other"], name="duplicate_pair_unique"),
            models.CheckConstraint(
                condition=~models.Q(person=models.F("other")), name="duplicate_not_self"
            ),
        ]
