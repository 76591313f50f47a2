from __future__ import annotations

from typing import Any, cast

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.db import models
from django.forms import ModelChoiceField
from django.http import HttpRequest

from . import audit
from .forms import scope_choices
from .models import ApiToken, AuditEvent, Organisation, UploadJob, User
from .tenancy import scoped


class TenantModelAdmin(admin.ModelAdmin):
    """Admin pages reach records through the same `visible_to` as every other view: the portal
    operator administers reference data and sees no care records."""

    def get_queryset(self, request: HttpRequest) -> models.QuerySet[Any]:
        return scoped(super().get_queryset(request), request.user)

    def formfield_for_foreignkey(
        self, db_field: models.ForeignKey[Any, Any], request: HttpRequest, **kwargs: Any
    ) -> ModelChoiceField[Any] | None:
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if field is not None:
            scope_choices(field, request.user)
        return field


def tabular_inline(model: type[models.Model]) -> type[admin.TabularInline[Any, Any]]:
    """An admin inline listing `model`'s rows in a table, with no blank rows offered."""
    return type(f"{model.__name__}Inline", (admin.TabularInline,), {"model": model, "extra": 0})


@admin.register(Organisation)
class OrganisationAdmin(TenantModelAdmin):
    list_display = ["name", "kind", "commissioner_type", "cqc_location_id", "cqc_rating", "cqc_rating_date"]
    list_filter = ["kind", "commissioner_type", "cqc_rating"]
    search_fields = ["name", "cqc_location_id"]


@admin.register(User)
class PortalUserAdmin(UserAdmin):
    list_display = ["username", "email", "first_name", "last_name", "organisation", "role", "is_active"]
    list_filter = ["role", "organisation", "is_active"]
    fieldsets = [
        *(UserAdmin.fieldsets or ())[:2],  # Django's: username and password, personal info
        ("Organisation and role", {"fields": ["organisation", "role", "is_active"]}),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (
            None,
            {
                "classes": ["wide"],
                "fields": ["username", "email", "organisation", "role", "password1", "password2"],
            },
        ),
    ]

    def get_queryset(self, request: HttpRequest) -> models.QuerySet[User]:
        return scoped(super().get_queryset(request), request.user)


AUDITED_TOKEN_FIELDS = ("name", "scopes", "expires_at", "revoked_at")


@admin.register(ApiToken)
class ApiTokenAdmin(TenantModelAdmin):
    list_display = ["name", "prefix", "user", "scopes", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = ["prefix", "key_hash", "created_at", "last_used_at"]
    list_filter = ["revoked_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # keys are issued with `manage.py issue_api_token`, which shows the key once

    def save_model(self, request: HttpRequest, obj: ApiToken, form: Any, change: bool) -> None:
        """A change of scopes, expiry or revocation in the admin is audited like one in the app."""
        before = audit.snapshot(ApiToken.objects.get(pk=obj.pk), AUDITED_TOKEN_FIELDS) if change else {}
        super().save_model(request, obj, form, change)
        changes = audit.diff(before, audit.snapshot(obj, AUDITED_TOKEN_FIELDS))
        if changes:
            audit.record(
                actor=cast(User, request.user), obj=obj, action="changed in the admin", changes=changes
            )

    def delete_model(self, request: HttpRequest, obj: ApiToken) -> None:
        audit.record(actor=cast(User, request.user), obj=obj, action="deleted in the admin")
        super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: models.QuerySet[ApiToken]) -> None:
        audit.record_many(
            actor=cast(User, request.user), objects=list(queryset), action="deleted in the admin"
        )
        super().delete_queryset(request, queryset)


@admin.register(AuditEvent)
class AuditEventAdmin(TenantModelAdmin):
    list_display = ["at", "action", "object_repr", "actor", "actor_organisation"]
    list_filter = ["action"]

    def has_change_permission(self, request: HttpRequest, obj: AuditEvent | None = None) -> bool:
        return False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: AuditEvent | None = None) -> bool:
        return False


@admin.register(UploadJob)
class UploadJobAdmin(TenantModelAdmin):
    list_display = ["created_at", "original_name", "kind", "status", "rows_read", "rows_rejected"]
    list_filter = ["kind", "status"]
    readonly_fields = ["errors"]
