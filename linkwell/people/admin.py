"""Read-only admin views of people. Changes go through the pages and services, which validate,
audit and keep merges whole; the admin must not bypass them."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from linkwell.audit.services import audit_log

from .models import Consent, Person, PossibleDuplicate


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Person)
class PersonAdmin(ReadOnlyAdmin):
    list_display = ["display_name", "date_of_birth", "postcode", "created_at", "merged_into"]
    list_filter = ["interpreter_needed", "sex"]
    search_fields = ["search_family_name", "search_given_name", "nhs_number", "postcode"]
    readonly_fields = ["uuid", "created_at", "updated_at"]

    def get_object(
        self, request: HttpRequest, object_id: str, from_field: str | None = None
    ) -> Any:
        person = super().get_object(request, object_id, from_field)
        if person is not None:
            audit_log(
                action="read",
                obj=person,
                person=person,
                actor=request.user,
                detail={"via": "admin"},
            )
        return person


@admin.register(Consent)
class ConsentAdmin(ReadOnlyAdmin):
    list_display = ["person", "purpose", "given", "method", "recorded_at"]
    list_filter = ["purpose", "given", "method"]


@admin.register(PossibleDuplicate)
class PossibleDuplicateAdmin(ReadOnlyAdmin):
    list_display = ["person", "other", "reason", "score", "status", "created_at"]
    list_filter = ["status"]
