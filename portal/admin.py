from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from .models import ApiToken, AuditEvent, Organisation, User
from .tenancy import scoped


class TenantModelAdmin(admin.ModelAdmin):
    """Admin pages reach records through the same `visible_to` as every other view: the portal
    operator administers reference data and sees no care records."""

    def get_queryset(self, request):
        return scoped(super().get_queryset(request), request.user)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if field is not None and hasattr(field.queryset, "visible_to"):
            field.queryset = field.queryset.visible_to(request.user)
        return field


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
        *UserAdmin.fieldsets[:2],
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

    def get_queryset(self, request):
        return scoped(super().get_queryset(request), request.user)


@admin.register(ApiToken)
class ApiTokenAdmin(TenantModelAdmin):
    list_display = ["name", "prefix", "user", "scopes", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = ["prefix", "key_hash", "created_at", "last_used_at"]
    list_filter = ["revoked_at"]

    def has_add_permission(self, request):
        return False  # keys are issued with `manage.py issue_api_token`, which shows the key once


@admin.register(AuditEvent)
class AuditEventAdmin(TenantModelAdmin):
    list_display = ["at", "action", "object_repr", "actor", "actor_organisation"]
    list_filter = ["action"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
