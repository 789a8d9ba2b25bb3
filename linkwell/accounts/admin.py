"""The admin site for administrators: organisations, teams, users, and API tokens (read-only).

Every save goes through the accounts services so it is validated and audited. Nothing here is
deleted: organisations and users are deactivated instead, because history refers to them.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminPasswordChangeForm
from django.db.models import Count, QuerySet
from django.http import HttpRequest

from linkwell.common.errors import ApplicationError

from .models import ApiToken, Organisation, Team, User
from .services import (
    api_token_revoke,
    organisation_save,
    team_save,
    two_factor_reset,
    user_is_account_admin,
    user_save,
)


class AccountsAdminPermissions:
    """Administrators (the role, with staff status) manage accounts without needing each Django
    model permission granted by hand; other staff fall back to Django's permissions."""

    def _allowed(self, request: HttpRequest) -> bool:
        user = request.user
        return bool(user.is_active and user.is_staff and user_is_account_admin(user))  # type: ignore[arg-type]

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self._allowed(request) or super().has_module_permission(request)  # type: ignore[misc]

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._allowed(request) or super().has_view_permission(request, obj)  # type: ignore[misc]

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return self._allowed(request) or super().has_add_permission(request, *args)  # type: ignore[misc]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._allowed(request) or super().has_change_permission(request, obj)  # type: ignore[misc]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Organisation)
class OrganisationAdmin(AccountsAdminPermissions, admin.ModelAdmin):
    list_display = [
        "name",
        "kind",
        "ods_code",
        "team_count",
        "user_count",
        "require_two_factor_for_all",
        "is_active",
    ]
    list_filter = ["kind", "is_active", "require_two_factor_for_all"]
    search_fields = ["name", "ods_code", "postcode"]
    readonly_fields = ["uuid", "created_at", "updated_at"]
    fieldsets = [
        (None, {"fields": ["name", "kind", "ods_code", "is_active"]}),
        ("Contact", {"fields": ["email", "phone", "postcode"]}),
        ("Security", {"fields": ["require_two_factor_for_all"]}),
        ("Record", {"fields": ["uuid", "created_at", "updated_at"]}),
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Organisation]:
        return (
            super()
            .get_queryset(request)
            .annotate(_teams=Count("teams", distinct=True), _users=Count("users", distinct=True))
        )

    @admin.display(description="Teams", ordering="_teams")
    def team_count(self, obj: Any) -> int:
        return obj._teams

    @admin.display(description="Users", ordering="_users")
    def user_count(self, obj: Any) -> int:
        return obj._users

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        organisation_save(organisation=obj, actor=request.user, changed_fields=form.changed_data)  # type: ignore[arg-type]


@admin.register(Team)
class TeamAdmin(AccountsAdminPermissions, admin.ModelAdmin):
    list_display = ["name", "organisation", "member_count", "created_at"]
    list_filter = ["organisation__kind", "organisation"]
    search_fields = ["name", "organisation__name"]
    list_select_related = ["organisation"]
    autocomplete_fields = ["organisation"]
    readonly_fields = ["uuid", "created_at", "updated_at"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Team]:
        return super().get_queryset(request).annotate(_members=Count("members"))

    @admin.display(description="Members", ordering="_members")
    def member_count(self, obj: Any) -> int:
        return obj._members

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        team_save(team=obj, actor=request.user, changed_fields=form.changed_data)  # type: ignore[arg-type]


class ServiceAdminPasswordChangeForm(AdminPasswordChangeForm):
    """The admin's set-password form, saving through ``user_save`` so the change is audited (the
    actor is the signed-in administrator, from the request context)."""

    def save(self, commit: bool = True) -> Any:
        user = super().save(commit=False)
        return user_save(user=user, actor=None, changed_fields=["password"])


@admin.register(User)
class UserAdmin(AccountsAdminPermissions, DjangoUserAdmin):
    list_display = [
        "username",
        "display_name",
        "email",
        "role",
        "organisation",
        "team",
        "require_two_factor",
        "is_active",
        "last_login",
    ]
    list_filter = ["role", "is_active", "is_staff", "require_two_factor", "organisation"]
    search_fields = ["username", "first_name", "last_name", "email"]
    list_select_related = ["organisation", "team"]
    autocomplete_fields = ["organisation", "team"]
    ordering = ["username"]
    readonly_fields = ["uuid", "last_login", "date_joined"]
    actions = ["reset_two_factor"]
    change_password_form = ServiceAdminPasswordChangeForm
    fieldsets = [
        (None, {"fields": ["username", "password"]}),
        ("Person", {"fields": ["first_name", "last_name", "email", "phone"]}),
        ("Work", {"fields": ["role", "organisation", "team"]}),
        ("Access", {"fields": ["is_active", "is_staff", "require_two_factor"]}),
        ("Django permissions", {"fields": ["is_superuser", "groups", "user_permissions"]}),
        ("Record", {"fields": ["uuid", "last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (None, {"fields": ["username", "usable_password", "password1", "password2"]}),
        ("Person", {"fields": ["first_name", "last_name", "email"]}),
        ("Work", {"fields": ["role", "organisation", "team"]}),
    ]

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        fieldsets = super().get_fieldsets(request, obj)
        if obj is not None and not request.user.is_superuser:
            # Only a superuser may hand out superuser status or raw Django permissions.
            fieldsets = [fs for fs in fieldsets if fs[0] != "Django permissions"]
        return fieldsets

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False  # an administrator cannot take over a superuser's account
        return super().has_change_permission(request, obj)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        user_save(user=obj, actor=request.user, changed_fields=form.changed_data)  # type: ignore[arg-type]

    @admin.action(description="Reset two-factor sign-in (lost phone)")
    def reset_two_factor(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        for user in queryset:
            two_factor_reset(user=user, actor=request.user)  # type: ignore[arg-type]
        self.message_user(
            request,
            f"Two-factor sign-in reset for {queryset.count()} user(s). "
            "They set up their app again at their next sign-in.",
            messages.SUCCESS,
        )


@admin.register(ApiToken)
class ApiTokenAdmin(AccountsAdminPermissions, admin.ModelAdmin):
    """Read-only: tokens are created by their owner (security page, API) or the command line,
    because the raw token is shown only once, at creation."""

    list_display = ["name", "user", "prefix", "created_at", "last_used_at", "revoked_at"]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter), "user__role"]
    search_fields = ["name", "prefix", "user__username"]
    list_select_related = ["user"]
    fields = ("uuid", "name", "user", "prefix", "created_at", "last_used_at", "revoked_at")
    readonly_fields = fields
    actions = ["revoke"]

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.action(description="Revoke selected tokens")
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        revoked = 0
        for token in queryset.filter(revoked_at__isnull=True):
            try:
                api_token_revoke(token=token, actor=request.user)  # type: ignore[arg-type]
            except ApplicationError as exc:
                self.message_user(request, f"{token.name}: {exc.message}", messages.ERROR)
            else:
                revoked += 1
        self.message_user(request, f"Revoked {revoked} token(s).", messages.SUCCESS)
