"""Read-only admin views of episodes. Changes go through the episode services (history, audit,
the referral's closed loop); the admin must not bypass them."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from linkwell.audit.services import audit_log

from .models import Episode, EpisodeStatusChange


class StatusChangeInline(admin.TabularInline):
    model = EpisodeStatusChange
    fields = ["at", "from_status", "to_status", "reason", "actor"]
    readonly_fields = ["at", "from_status", "to_status", "reason", "actor"]
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Episode)
class EpisodeAdmin(admin.ModelAdmin):
    list_display = ["uuid", "number", "status", "team", "link_worker", "opened_at", "closed_at"]
    list_filter = ["status", "discharge_reason"]
    inlines = [StatusChangeInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_object(
        self, request: HttpRequest, object_id: str, from_field: str | None = None
    ) -> Any:
        episode = super().get_object(request, object_id, from_field)
        if episode is not None:
            audit_log(
                action="read",
                obj=episode,
                person=episode.person,
                actor=request.user,
                detail={"via": "admin"},
            )
        return episode
