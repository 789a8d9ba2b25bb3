"""Linkwell's own facts about a directory service, kept beside the HSDS record.

They are exported as HSDS attributes (taxonomy "linkwell", see linkwell/hsds/linkwell_terms.py) so
another directory can read them, and read back from those attributes on import.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from linkwell.common.models import BaseModel
from linkwell.common.needs import NEED_CHOICES

from .hsds import Organization, Service


class DeliveryMode(models.TextChoices):
    """DESIGN.md "a mixed model of location"."""

    FACE_TO_FACE = "face_to_face", "Face to face"
    TELEPHONE = "telephone", "By telephone"
    VIDEO = "video", "By video call"
    HOME_VISIT = "home_visit", "Home visit"
    COMMUNITY_VENUE = "community_venue", "At a community venue"
    ONLINE_GROUP = "online_group", "Online group"


class Community(models.TextChoices):
    """Communities a service is meant for (eligibility), beside its age range."""

    OLDER_PEOPLE = "older_people", "Older people"
    YOUNG_PEOPLE = "young_people", "Young people"
    BAME = "bame", "Black, Asian and minority ethnic communities"
    CARERS = "carers", "Carers"
    DISABLED_PEOPLE = "disabled_people", "Disabled people"
    LGBTQ = "lgbtq", "LGBTQ+ people"
    MEN = "men", "Men"
    WOMEN = "women", "Women"
    PARENTS = "parents", "Parents and families"
    VETERANS = "veterans", "Armed forces veterans"
    REFUGEES = "refugees", "Refugees and people seeking asylum"


class Access(models.TextChoices):
    SELF_REFERRAL = "self_referral", "You can contact them yourself"
    REFERRAL_NEEDED = "referral_needed", "You need a referral"


class Cost(models.TextChoices):
    FREE = "free", "Free"
    PAID = "paid", "There is a cost"
    UNKNOWN = "unknown", "Cost not known"


class ReviewStatus(models.TextChoices):
    CURRENT = "current", "Up to date"
    DUE = "due_for_review", "Due for review"  # unverified for LINKWELL["DIRECTORY_REVIEW_DAYS"]
    EXPIRED = "expired", "Out of date"  # unverified for DIRECTORY_HIDE_DAYS: out of public search


class ServiceProfile(models.Model):
    service = models.OneToOneField(
        Service, on_delete=models.CASCADE, primary_key=True, related_name="profile"
    )
    # Community codes (Community) the service is meant for; empty means everyone.
    eligibility_communities = models.JSONField(default=list, blank=True)
    # Free-text areas (towns, wards, boroughs); HSDS service_area rows carry the published extent.
    areas_served = models.JSONField(default=list, blank=True)
    access = models.CharField(max_length=20, choices=Access.choices, default=Access.SELF_REFERRAL)
    cost = models.CharField(max_length=10, choices=Cost.choices, default=Cost.UNKNOWN)
    capacity = models.PositiveIntegerField(null=True, blank=True)
    typical_wait_days = models.PositiveIntegerField(null=True, blank=True)
    verified_at = models.DateTimeField(null=True, blank=True)
    review_status = models.CharField(
        max_length=20, choices=ReviewStatus.choices, default=ReviewStatus.CURRENT
    )
    review_reminder_sent_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [
            # Freshness sweep: services whose verification is older than a cut-off.
            models.Index(fields=["verified_at"], name="dir_profile_verified"),
            # Search's per-match filter test (visibility, cost, access) read from the index alone.
            models.Index(
                fields=["service", "verified_at", "cost", "access"], name="dir_profile_filter"
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(access__in=Access.values), name="dir_profile_access_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(cost__in=Cost.values), name="dir_profile_cost_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(review_status__in=ReviewStatus.values),
                name="dir_profile_review_status_valid",
            ),
        ]


class ServiceNeed(models.Model):
    """A needs domain (linkwell/common/needs.py) the service meets."""

    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="needs_met")
    need = models.CharField(max_length=30, choices=NEED_CHOICES)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["service", "need"], name="dir_service_need_unique")
        ]
        # Search filter "meets this need": need first, then the service ids.
        indexes = [models.Index(fields=["need", "service"], name="dir_need_service")]


class ServiceDeliveryMode(models.Model):
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="delivery_modes")
    mode = models.CharField(max_length=20, choices=DeliveryMode.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["service", "mode"], name="dir_service_mode_unique"),
            models.CheckConstraint(
                condition=models.Q(mode__in=DeliveryMode.values), name="dir_service_mode_valid"
            ),
        ]
        # Search filter "delivered this way".
        indexes = [models.Index(fields=["mode", "service"], name="dir_mode_service")]


class ServiceSearchDocument(models.Model):
    """The text a service is found by; the full-text index (FTS5 or tsvector) is built on it.

    The integer id is the FTS5 rowid. Written only by the search indexer in services.
    On PostgreSQL the row keeps its text only as the weighted tsvector ``search_vector`` (not
    on this model): a name or body written is turned into it and emptied (migration 0011), so
    every text match reads a narrower row.
    """

    service = models.OneToOneField(
        Service, on_delete=models.CASCADE, related_name="search_document"
    )
    name = models.TextField()
    body = models.TextField()
    # Copies of the facts every search filters on (the service's status and ages, its profile's
    # verification, cost and access), so a text match is tested against them in the row it has
    # already read. Written with the document and kept in step by database triggers on the
    # service and profile tables (migration 0007), whatever writes those.
    status = models.CharField(max_length=18, null=True, blank=True)
    verified_at = models.DateTimeField(null=True, blank=True)
    cost = models.CharField(max_length=10, null=True, blank=True)
    access = models.CharField(max_length=20, null=True, blank=True)
    minimum_age = models.FloatField(null=True, blank=True)
    maximum_age = models.FloatField(null=True, blank=True)
    # The needs met and delivery modes as "|code|code|" ("" for none), kept in step by triggers
    # on their tables (migration 0008): a filter on them is a substring test in this row.
    # Nullable only so that SQLite adds the columns without rebuilding the table (which would
    # drop its full-text triggers); the indexer and the triggers always write text.
    needs = models.TextField(null=True, blank=True)
    modes = models.TextField(null=True, blank=True)


class Postcode(models.Model):
    """ONS Postcode Directory centroids for the offline geocoder (normalised: no space, upper)."""

    postcode = models.CharField(max_length=8, primary_key=True)
    latitude = models.FloatField()
    longitude = models.FloatField()


class ListingChangeStatus(models.TextChoices):
    LIVE = "live", "Live"
    PENDING = "pending", "Waiting for review"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"


class ListingChange(BaseModel):
    """One change to a listing, kept for good: what changed, who, and whether it is live."""

    service = models.ForeignKey(
        Service, on_delete=models.SET_NULL, null=True, blank=True, related_name="changes"
    )
    # Kept when the service row is gone so the history still names it.
    service_ref = models.UUIDField()
    organization = models.ForeignKey(
        Organization, on_delete=models.SET_NULL, null=True, blank=True, related_name="changes"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(max_length=20)  # edit, verify, status, import, reminder
    status = models.CharField(
        max_length=10, choices=ListingChangeStatus.choices, default=ListingChangeStatus.LIVE
    )
    # {field: [old, new]} for edits; the proposal waiting for review when status is pending.
    changes = models.JSONField(default=dict, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_note = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            # The directory manager's queue of pending edits.
            models.Index(fields=["status", "created_at"], name="dir_change_status"),
        ]
