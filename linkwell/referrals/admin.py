"""Read-only admin views of referrals. Status changes go through referral_transition (history,
audit, episodes); the admin must not bypass it. Opening a referral is audited as a read."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from linkwell.audit.services import audit_log

from .models import Referral, ReferralStatusChange


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class StatusChangeInline(admin.TabularInline):
    model = ReferralStatusChange
    fields = ["at", "from_status", "to_status", "reason", "snomed_code", "actor"]
    readonly_fields = ["at", "from_status", "to_status", "reason", "snomed_code", "actor"]
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Referral)
class ReferralAdmin(ReadOnlyAdmin):
    list_display = [
        "reference",
        "status",
        "source",
        "urgency",
        "team",
        "response_due",
        "created_at",
    ]
    list_filter = ["status", "source", "urgency", "risk_of_harm", "safeguarding_concern"]
    search_fields = ["reference"]
    # The reason and risk details are about the person: shown on the staff pages, not here.
    exclude = ["reason", "risk_details"]
    inlines = [StatusChangeInline]

    def get_object(
        self, request: HttpRequest, object_id: str, from_field: str | None = None
    ) -> Any:
        referral = super().get_object(request, object_id, from_field)
        if referral is not None:
            audit_log(
                action="read",
                obj=referral,
                person=referral.person,
                actor=request.user,
                detail={"via": "admin"},
            )
        return referral
