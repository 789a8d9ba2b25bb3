import uuid

import pytest
from django.db import IntegrityError, connection, transaction

from linkwell.directory.models import HSDS_MODELS, Organization, Service, ServiceSearchDocument

pytestmark = pytest.mark.django_db


def test_every_hsds_table_of_the_specification_has_a_model():
    expected = {
        "organization", "service", "location", "service_at_location", "address", "phone",
        "contact", "schedule", "language", "accessibility", "service_area", "cost_option",
        "funding", "program", "required_document", "service_capacity", "unit", "url",
        "organization_identifier", "taxonomy", "taxonomy_term", "attribute", "metadata",
        "meta_table_description",
    }  # fmt: skip
    assert set(HSDS_MODELS) == expected


def test_service_status_outside_the_hsds_list_is_refused():
    org = Organization.objects.create(id=uuid.uuid4(), name="Org", description="d")
    with pytest.raises(IntegrityError), transaction.atomic():
        Service.objects.create(id=uuid.uuid4(), organization=org, name="S", status="open")


def _found(word: str) -> list:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT rowid FROM directory_service_fts WHERE directory_service_fts MATCH %s",
                [word],
            )
        else:
            cursor.execute(
                "SELECT id FROM directory_servicesearchdocument "
                "WHERE search_vector @@ websearch_to_tsquery('english', %s)",
                [word],
            )
        return cursor.fetchall()


def test_search_document_is_indexed_by_the_database_engine():
    org = Organization.objects.create(id=uuid.uuid4(), name="Org", description="d")
    service = Service.objects.create(id=uuid.uuid4(), organization=org, name="S", status="active")
    document = ServiceSearchDocument.objects.create(
        service=service, name="Debt advice", body="benefits"
    )
    assert len(_found("debt")) == 1 and len(_found("benefits")) == 1
    document.refresh_from_db()
    if connection.vendor == "postgresql":
        # The row keeps the text only as its tsvector (migration 0011).
        assert (document.name, document.body) == ("", "")
    # Text written again replaces what the document is found by.
    document.name, document.body = "Housing help", "repairs"
    document.save()
    assert _found("debt") == [] and len(_found("repairs")) == 1
    # Writing its other columns leaves it found as it was.
    ServiceSearchDocument.objects.filter(pk=document.pk).update(status="inactive")
    document.refresh_from_db()
    document.save()
    assert len(_found("housing")) == 1 and len(_found("repairs")) == 1
