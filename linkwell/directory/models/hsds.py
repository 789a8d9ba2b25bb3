"""Open Referral HSDS 3.0 objects, one model per table of the tabular schema.

Ids are the HSDS UUIDs themselves (HSDS requires UUIDs), so an import upserts by id and an export
gives the same ids back. Text fields keep the exact strings HSDS carried (dates such as
``assured_date`` are plain strings in HSDS 3.0), so a round trip loses nothing. Optional fields are
nullable: "absent" and "empty" are different things in the published data. The reference columns
keep their HSDS names (``service_id``, ``organization_id``...) so the tabular format maps 1:1.

``service_capacity``, ``unit`` and ``url`` come from the HSDS 3.1 draft; importing them from newer
feeds keeps those facts instead of dropping them.
"""

from __future__ import annotations

from django.db import models


class HsdsModel(models.Model):
    """Base for every HSDS table; ``HSDS_TABLE`` is the table's name in the specification."""

    HSDS_TABLE = ""
    id = models.UUIDField(primary_key=True)
    # When Linkwell last wrote the row (import or edit): the API's modified_after filter uses it.
    linkwell_updated_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = models.Manager()

    class Meta:
        abstract = True


class Taxonomy(HsdsModel):
    """HSDS `taxonomy`: The taxonomies from which taxonomy terms are taken."""

    HSDS_TABLE = "taxonomy"

    name = models.TextField()
    description = models.TextField()
    uri = models.TextField(null=True, blank=True)
    version = models.TextField(null=True, blank=True)


class TaxonomyTerm(HsdsModel):
    """HSDS `taxonomy_term`: Each service can be categorized according to one or more taxonomy
    terms.
    """

    HSDS_TABLE = "taxonomy_term"

    code = models.TextField(null=True, blank=True)
    name = models.TextField()
    description = models.TextField()
    parent_id = models.UUIDField(null=True, blank=True)
    taxonomy = models.TextField(null=True, blank=True)
    language = models.TextField(null=True, blank=True)
    # Not a foreign key: terms often name a taxonomy published elsewhere (the UK profile's own
    # example does), and the term is still worth keeping. JSON nests it as taxonomy_detail.
    taxonomy_id = models.UUIDField(null=True, blank=True, db_index=True)
    term_uri = models.TextField(null=True, blank=True)

    # Open Referral UK profile 3.0 addition.
    term = models.TextField(null=True, blank=True)


class Organization(HsdsModel):
    """HSDS `organization`: The details about each organization delivering services."""

    HSDS_TABLE = "organization"

    name = models.TextField()
    alternate_name = models.TextField(null=True, blank=True)
    description = models.TextField()
    email = models.TextField(null=True, blank=True)
    website = models.TextField(null=True, blank=True)
    tax_status = models.TextField(null=True, blank=True)
    tax_id = models.TextField(null=True, blank=True)
    year_incorporated = models.FloatField(null=True, blank=True)
    legal_status = models.TextField(null=True, blank=True)
    logo = models.TextField(null=True, blank=True)
    uri = models.TextField(null=True, blank=True)
    parent_organization_id = models.UUIDField(null=True, blank=True)
    # Linkwell's own: the provider organisation whose users keep these listings current, and
    # whether their edits go live at once or wait for a directory manager.
    linkwell_organisation = models.ForeignKey(
        "accounts.Organisation",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="directory_organizations",
    )
    edits_need_review = models.BooleanField(default=True)


class OrganizationIdentifier(HsdsModel):
    """HSDS `organization_identifier`: The details of the third party identifiers for
    organizations, such as: company registration number, charity number, tax registration
    number.
    """

    HSDS_TABLE = "organization_identifier"

    organization = models.ForeignKey(
        "Organization",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="organization_identifiers",
    )
    identifier_scheme = models.TextField(null=True, blank=True)
    identifier_type = models.TextField()
    identifier = models.TextField()


class Program(HsdsModel):
    """HSDS `program`: The details of collections of related services."""

    HSDS_TABLE = "program"

    organization = models.ForeignKey(
        "Organization", on_delete=models.CASCADE, null=True, blank=True, related_name="programs"
    )
    name = models.TextField()
    alternate_name = models.TextField(null=True, blank=True)
    description = models.TextField()


class Service(HsdsModel):
    """HSDS `service`: The details of the services provided by organizations to a range of
    different groups.
    """

    HSDS_TABLE = "service"

    organization = models.ForeignKey(
        "Organization", on_delete=models.CASCADE, null=True, blank=True, related_name="services"
    )
    program = models.ForeignKey(
        "Program", on_delete=models.SET_NULL, null=True, blank=True, related_name="services"
    )
    name = models.TextField()
    alternate_name = models.TextField(null=True, blank=True)
    description = models.TextField(null=True, blank=True)
    url = models.TextField(null=True, blank=True)
    email = models.TextField(null=True, blank=True)
    status = models.CharField(
        max_length=18,
        choices=[
            ("active", "active"),
            ("inactive", "inactive"),
            ("defunct", "defunct"),
            ("temporarily closed", "temporarily closed"),
        ],
    )
    interpretation_services = models.TextField(null=True, blank=True)
    application_process = models.TextField(null=True, blank=True)
    fees_description = models.TextField(null=True, blank=True)
    wait_time = models.TextField(null=True, blank=True)
    fees = models.TextField(null=True, blank=True)
    accreditations = models.TextField(null=True, blank=True)
    eligibility_description = models.TextField(null=True, blank=True)
    minimum_age = models.FloatField(null=True, blank=True)
    maximum_age = models.FloatField(null=True, blank=True)
    assured_date = models.TextField(null=True, blank=True)
    assurer_email = models.TextField(null=True, blank=True)
    licenses = models.TextField(null=True, blank=True)
    alert = models.TextField(null=True, blank=True)
    last_modified = models.TextField(null=True, blank=True)

    class Meta:
        indexes = [
            # Search tests every full-text match against the filters by id: with the columns
            # the filters read in the index, that test never visits the (wide) table row.
            models.Index(
                fields=["id", "status", "minimum_age", "maximum_age"], name="hsds_service_filter"
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(
                    status__in=["active", "inactive", "defunct", "temporarily closed"]
                ),
                name="hsds_service_status_valid",
            ),
        ]


class Location(HsdsModel):
    """HSDS `location`: The locations where organizations operate."""

    HSDS_TABLE = "location"

    location_type = models.CharField(
        max_length=8,
        choices=[("physical", "physical"), ("postal", "postal"), ("virtual", "virtual")],
    )
    url = models.TextField(null=True, blank=True)
    organization = models.ForeignKey(
        "Organization", on_delete=models.CASCADE, null=True, blank=True, related_name="locations"
    )
    name = models.TextField(null=True, blank=True)
    alternate_name = models.TextField(null=True, blank=True)
    description = models.TextField(null=True, blank=True)
    transportation = models.TextField(null=True, blank=True)
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    external_identifier = models.TextField(null=True, blank=True)
    external_identifier_type = models.TextField(null=True, blank=True)

    class Meta:
        indexes = [
            # Distance search and matching: the bounding-box prefilter before the haversine,
            # answered from the index alone (the id is in it, for the join to the services).
            models.Index(fields=["latitude", "longitude", "id"], name="hsds_location_box"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(location_type__in=["physical", "postal", "virtual"]),
                name="hsds_location_location_type_valid",
            ),
        ]


class ServiceAtLocation(HsdsModel):
    """HSDS `service_at_location`: A link between a service and a specific location."""

    HSDS_TABLE = "service_at_location"

    service = models.ForeignKey(
        "Service",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="service_at_locations",
    )
    location = models.ForeignKey(
        "Location",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="service_at_locations",
    )
    description = models.TextField(null=True, blank=True)

    class Meta:
        indexes = [
            # From the locations in a bounding box to their services, from the index alone.
            models.Index(fields=["location", "service"], name="hsds_sal_location_service"),
        ]


class Address(HsdsModel):
    """HSDS `address`: The addresses of locations where organizations operate."""

    HSDS_TABLE = "address"

    location = models.ForeignKey(
        "Location", on_delete=models.CASCADE, null=True, blank=True, related_name="addresses"
    )
    attention = models.TextField(null=True, blank=True)
    address_1 = models.TextField()
    address_2 = models.TextField(null=True, blank=True)
    city = models.TextField()
    region = models.TextField(null=True, blank=True)
    state_province = models.TextField()
    postal_code = models.TextField()
    country = models.TextField()
    address_type = models.CharField(
        max_length=8,
        choices=[("physical", "physical"), ("postal", "postal"), ("virtual", "virtual")],
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(address_type__in=["physical", "postal", "virtual"]),
                name="hsds_address_address_type_valid",
            ),
        ]


class Phone(HsdsModel):
    """HSDS `phone`: The details of the telephone numbers used to contact organizations, services,
    and locations.
    """

    HSDS_TABLE = "phone"

    location = models.ForeignKey(
        "Location", on_delete=models.CASCADE, null=True, blank=True, related_name="phones"
    )
    service = models.ForeignKey(
        "Service", on_delete=models.CASCADE, null=True, blank=True, related_name="phones"
    )
    organization = models.ForeignKey(
        "Organization", on_delete=models.CASCADE, null=True, blank=True, related_name="phones"
    )
    contact = models.ForeignKey(
        "Contact", on_delete=models.CASCADE, null=True, blank=True, related_name="phones"
    )
    service_at_location = models.ForeignKey(
        "ServiceAtLocation", on_delete=models.CASCADE, null=True, blank=True, related_name="phones"
    )
    number = models.TextField()
    extension = models.FloatField(null=True, blank=True)
    type = models.TextField(null=True, blank=True)
    description = models.TextField(null=True, blank=True)


class Contact(HsdsModel):
    """HSDS `contact`: The details of the named contacts for services and organizations."""

    HSDS_TABLE = "contact"

    organization = models.ForeignKey(
        "Organization", on_delete=models.CASCADE, null=True, blank=True, related_name="contacts"
    )
    service = models.ForeignKey(
        "Service", on_delete=models.CASCADE, null=True, blank=True, related_name="contacts"
    )
    service_at_location = models.ForeignKey(
        "ServiceAtLocation",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="contacts",
    )
    location = models.ForeignKey(
        "Location", on_delete=models.CASCADE, null=True, blank=True, related_name="contacts"
    )
    name = models.TextField(null=True, blank=True)
    title = models.TextField(null=True, blank=True)
    department = models.TextField(null=True, blank=True)
    email = models.TextField(null=True, blank=True)


class Schedule(HsdsModel):
    """HSDS `schedule`: The details of when a service or location is open."""

    HSDS_TABLE = "schedule"

    service = models.ForeignKey(
        "Service", on_delete=models.CASCADE, null=True, blank=True, related_name="schedules"
    )
    location = models.ForeignKey(
        "Location", on_delete=models.CASCADE, null=True, blank=True, related_name="schedules"
    )
    service_at_location = models.ForeignKey(
        "ServiceAtLocation",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="schedules",
    )
    valid_from = models.TextField(null=True, blank=True)
    valid_to = models.TextField(null=True, blank=True)
    dtstart = models.TextField(null=True, blank=True)
    timezone = models.FloatField(null=True, blank=True)
    until = models.TextField(null=True, blank=True)
    count = models.FloatField(null=True, blank=True)
    wkst = models.CharField(
        max_length=2,
        choices=[
            ("MO", "MO"),
            ("TU", "TU"),
            ("WE", "WE"),
            ("TH", "TH"),
            ("FR", "FR"),
            ("SA", "SA"),
            ("SU", "SU"),
        ],
        null=True,
        blank=True,
    )
    freq = models.CharField(
        max_length=7, choices=[("WEEKLY", "WEEKLY"), ("MONTHLY", "MONTHLY")], null=True, blank=True
    )
    interval = models.FloatField(null=True, blank=True)
    byday = models.TextField(null=True, blank=True)
    byweekno = models.TextField(null=True, blank=True)
    bymonthday = models.TextField(null=True, blank=True)
    byyearday = models.TextField(null=True, blank=True)
    description = models.TextField(null=True, blank=True)
    opens_at = models.TextField(null=True, blank=True)
    closes_at = models.TextField(null=True, blank=True)
    schedule_link = models.TextField(null=True, blank=True)
    attending_type = models.TextField(null=True, blank=True)
    notes = models.TextField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(wkst__in=["MO", "TU", "WE", "TH", "FR", "SA", "SU"])
                | models.Q(wkst__isnull=True),
                name="hsds_schedule_wkst_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(freq__in=["WEEKLY", "MONTHLY"]) | models.Q(freq__isnull=True),
                name="hsds_schedule_freq_valid",
            ),
        ]


class Language(HsdsModel):
    """HSDS `language`: The languages that are spoken at locations or services."""

    HSDS_TABLE = "language"

    service = models.ForeignKey(
        "Service", on_delete=models.CASCADE, null=True, blank=True, related_name="languages"
    )
    location = models.ForeignKey(
        "Location", on_delete=models.CASCADE, null=True, blank=True, related_name="languages"
    )
    phone = models.ForeignKey(
        "Phone", on_delete=models.CASCADE, null=True, blank=True, related_name="languages"
    )
    name = models.TextField(null=True, blank=True)
    code = models.TextField(null=True, blank=True)
    note = models.TextField(null=True, blank=True)


class Accessibility(HsdsModel):
    """HSDS `accessibility`: The details of the arrangements for access to locations for people who
    have disabilities.
    """

    HSDS_TABLE = "accessibility"

    location = models.ForeignKey(
        "Location",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="accessibility_set",
    )
    description = models.TextField(null=True, blank=True)
    details = models.TextField(null=True, blank=True)
    url = models.TextField(null=True, blank=True)

    # Open Referral UK profile 3.0 addition.
    accessibility = models.TextField(null=True, blank=True)


class ServiceArea(HsdsModel):
    """HSDS `service_area`: The details of the geographic area for which a service is available."""

    HSDS_TABLE = "service_area"

    service = models.ForeignKey(
        "Service", on_delete=models.CASCADE, null=True, blank=True, related_name="service_areas"
    )
    name = models.TextField(null=True, blank=True)
    description = models.TextField(null=True, blank=True)
    extent = models.TextField(null=True, blank=True)
    extent_type = models.TextField(null=True, blank=True)
    uri = models.TextField(null=True, blank=True)

    # Open Referral UK profile 3.0 addition.
    service_area = models.TextField(null=True, blank=True)


class CostOption(HsdsModel):
    """HSDS `cost_option`: The costs of a service at certain points in time."""

    HSDS_TABLE = "cost_option"

    service = models.ForeignKey(
        "Service", on_delete=models.CASCADE, null=True, blank=True, related_name="cost_options"
    )
    valid_from = models.TextField(null=True, blank=True)
    valid_to = models.TextField(null=True, blank=True)
    option = models.TextField(null=True, blank=True)
    currency = models.TextField(null=True, blank=True)
    amount = models.FloatField(null=True, blank=True)
    amount_description = models.TextField(null=True, blank=True)


class Funding(HsdsModel):
    """HSDS `funding`: The sources of funding for a service or organization."""

    HSDS_TABLE = "funding"

    organization = models.ForeignKey(
        "Organization", on_delete=models.CASCADE, null=True, blank=True, related_name="fundings"
    )
    service = models.ForeignKey(
        "Service", on_delete=models.CASCADE, null=True, blank=True, related_name="fundings"
    )
    source = models.TextField(null=True, blank=True)


class RequiredDocument(HsdsModel):
    """HSDS `required_document`: The details of any documents that are required in order to access
    or use services.
    """

    HSDS_TABLE = "required_document"

    service = models.ForeignKey(
        "Service",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="required_documents",
    )
    document = models.TextField(null=True, blank=True)
    uri = models.TextField(null=True, blank=True)


class Unit(HsdsModel):
    """HSDS `unit`: The details of units which are used to measure service capacity."""

    HSDS_TABLE = "unit"

    name = models.TextField()
    scheme = models.TextField(null=True, blank=True)
    identifier = models.TextField(null=True, blank=True)
    uri = models.TextField(null=True, blank=True)


class ServiceCapacity(HsdsModel):
    """HSDS `service_capacity`: The details of service capacities for services."""

    HSDS_TABLE = "service_capacity"

    service = models.ForeignKey(
        "Service", on_delete=models.CASCADE, null=True, blank=True, related_name="capacities"
    )
    unit = models.ForeignKey(
        "Unit", on_delete=models.CASCADE, null=True, blank=True, related_name="capacities"
    )
    available = models.FloatField()
    maximum = models.FloatField(null=True, blank=True)
    description = models.TextField(null=True, blank=True)
    updated = models.TextField()


class Url(HsdsModel):
    """HSDS `url`: A URL with a label"""

    HSDS_TABLE = "url"

    label = models.TextField(null=True, blank=True)
    url = models.TextField()
    organization = models.ForeignKey(
        "Organization", on_delete=models.CASCADE, null=True, blank=True, related_name="urls"
    )
    service = models.ForeignKey(
        "Service", on_delete=models.CASCADE, null=True, blank=True, related_name="urls"
    )


class Attribute(HsdsModel):
    """HSDS `attribute`: A link between a service and one or more classifications that describe the
    nature of the service provided.
    """

    HSDS_TABLE = "attribute"

    link_id = models.UUIDField(null=True, blank=True)
    taxonomy_term = models.ForeignKey(
        "TaxonomyTerm", on_delete=models.CASCADE, null=True, blank=True, related_name="attributes"
    )
    link_type = models.TextField(null=True, blank=True)
    link_entity = models.TextField(null=True, blank=True)
    value = models.TextField(null=True, blank=True)


class Metadata(HsdsModel):
    """HSDS `metadata`: A record of the changes that have been made to the data in order to
    maintain provenance information.
    """

    HSDS_TABLE = "metadata"

    resource_id = models.UUIDField(null=True, blank=True)
    resource_type = models.TextField(null=True, blank=True)
    last_action_date = models.TextField()
    last_action_type = models.TextField()
    field_name = models.TextField()
    previous_value = models.TextField()
    replacement_value = models.TextField()
    updated_by = models.TextField()


class MetaTableDescription(HsdsModel):
    """HSDS `meta_table_description`: Metadata about individual tables."""

    HSDS_TABLE = "meta_table_description"

    name = models.TextField(null=True, blank=True)
    language = models.TextField(null=True, blank=True)
    character_set = models.TextField(null=True, blank=True)


# Every HSDS table by its specification name, in an order where referenced tables come first.
_ALL_TABLES: list[type[HsdsModel]] = [
    Taxonomy,
    TaxonomyTerm,
    Organization,
    OrganizationIdentifier,
    Program,
    Service,
    Location,
    ServiceAtLocation,
    Address,
    Contact,
    Phone,
    Schedule,
    Language,
    Accessibility,
    ServiceArea,
    CostOption,
    Funding,
    RequiredDocument,
    Unit,
    ServiceCapacity,
    Url,
    Attribute,
    Metadata,
    MetaTableDescription,
]
HSDS_MODELS: dict[str, type[HsdsModel]] = {m.HSDS_TABLE: m for m in _ALL_TABLES}
