from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.db import models
from django.forms import ModelChoiceField
from django.http import HttpRequest
from django.shortcuts import redirect

from . import audit
from .forms import scope_choices
from .models import ACTED_NOT_DELETED, ApiToken, AuditEvent, Organisation, UploadJob, User
from .tenancy import scoped

if TYPE_CHECKING:
    # The mixin goes before a ModelAdmin class; to the checker it is one.
    _AdminBase = admin.ModelAdmin
else:
    _AdminBase = object


class AuditedAdminMixin(_AdminBase):
    """Changes made in the admin site go through the same audit trail as the app's (issue 15):
    what changed in `audited_fields` (and in inlines), creations and deletions, with the admin as
    the actor. Every admin class that edits people, organisations or API keys uses it."""

    audited_fields: tuple[str, ...] = ()

    def _fields(self, obj: models.Model) -> list[str]:
        return list(self.audited_fields) or [
            f.name for f in obj._meta.concrete_fields if not f.primary_key and f.name != "password"
        ]

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        fields = self._fields(obj)
        before = audit.snapshot(type(obj)._default_manager.get(pk=obj.pk), fields) if change else {}
        super().save_model(request, obj, form, change)
        after = audit.snapshot(obj, fields)
        changes = audit.diff(before, after)
        if not change:
            audit.record(actor=_actor(request), obj=obj, action="created in the admin", changes=changes)
        elif changes:
            audit.record(actor=_actor(request), obj=obj, action="changed in the admin", changes=changes)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        """Inline rows added, changed or deleted with the record: one entry on the record."""
        super().save_related(request, form, formsets, change)
        rows: dict[str, list[str]] = {}
        for formset in formsets:
            for verb, objects in (
                ("added", getattr(formset, "new_objects", [])),
                ("changed", [o for o, _fields in getattr(formset, "changed_objects", [])]),
                ("deleted", getattr(formset, "deleted_objects", [])),
            ):
                if objects:
                    rows.setdefault(verb, []).extend(str(o)[:100] for o in objects)
        if rows:
            audit.record(
                actor=_actor(request),
                obj=form.instance,
                action="related rows changed in the admin",
                changes={verb: [None, names] for verb, names in rows.items()},
            )

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        _record_deletion(request, obj)
        super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: models.QuerySet[Any]) -> None:
        for obj in queryset:  # an admin's selection: a page of rows at most
            _record_deletion(request, obj)
        super().delete_queryset(request, queryset)


def _record_deletion(request: HttpRequest, obj: models.Model) -> None:
    event = audit.record(actor=_actor(request), obj=obj, action="deleted in the admin")
    if isinstance(obj, Organisation):
        # The entry cannot name the organisation being deleted as its party (the trail's party
        # columns protect their rows): it stays in the operator's trail.
        AuditEvent.objects.filter(pk=event.pk).update(commissioner=None, provider=None)


def _actor(request: HttpRequest) -> User:
    return cast(User, request.user)


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
class OrganisationAdmin(AuditedAdminMixin, TenantModelAdmin):
    list_display = ["name", "kind", "commissioner_type", "cqc_location_id", "cqc_rating", "cqc_rating_date"]
    list_filter = ["kind", "commissioner_type", "cqc_rating"]
    search_fields = ["name", "cqc_location_id"]


@admin.register(User)
class PortalUserAdmin(AuditedAdminMixin, UserAdmin):
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

    audited_fields = ("username", "email", "first_name", "last_name", "organisation", "role", "is_active")
    actions = ["deactivate_selected"]

    def get_queryset(self, request: HttpRequest) -> models.QuerySet[User]:
        return scoped(super().get_queryset(request), request.user)

    def has_delete_permission(self, request: HttpRequest, obj: User | None = None) -> bool:
        # Someone who has acted is deactivated, not deleted (the trail names them): no delete
        # button on their page; the page says why.
        if obj is not None and obj.has_acted():
            return False
        return super().has_delete_permission(request, obj)

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None
    ) -> Any:
        obj = self.get_object(request, object_id)
        if request.method == "GET" and obj is not None and obj.has_acted():
            messages.info(request, ACTED_NOT_DELETED.format(name=obj.get_full_name() or obj.username))
        return super().change_view(request, object_id, form_url, extra_context)

    def delete_view(self, request: HttpRequest, object_id: str, extra_context: Any = None) -> Any:
        obj = self.get_object(request, object_id)
        if obj is not None and obj.has_acted():
            messages.error(request, ACTED_NOT_DELETED.format(name=obj.get_full_name() or obj.username))
            return redirect("admin:portal_user_change", obj.pk)
        return super().delete_view(request, object_id, extra_context)

    def delete_queryset(self, request: HttpRequest, queryset: models.QuerySet[User]) -> None:
        acted = [u for u in queryset if u.has_acted()]
        if acted:
            names = ", ".join(u.username for u in acted)
            messages.error(
                request, f"Not deleted: {names} have acted in the portal. Deactivate them instead."
            )
            queryset = queryset.exclude(pk__in=[u.pk for u in acted])
        super().delete_queryset(request, queryset)

    @admin.action(description="Deactivate the selected users (they keep their audit trail)")
    def deactivate_selected(self, request: HttpRequest, queryset: models.QuerySet[User]) -> None:
        for user in queryset.filter(is_active=True):
            if user.pk == request.user.pk:
                continue
            user.is_active = False
            user.save(update_fields=["is_active"])
            audit.record(
                actor=_actor(request),
                obj=user,
                action="deactivated in the admin",
                changes={"is_active": [True, False]},
            )


AUDITED_TOKEN_FIELDS = ("name", "scopes", "expires_at", "revoked_at")


@admin.register(ApiToken)
class ApiTokenAdmin(AuditedAdminMixin, TenantModelAdmin):
    list_display = ["name", "prefix", "user", "scopes", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = ["prefix", "key_hash", "created_at", "last_used_at"]
    list_filter = ["revoked_at"]
    audited_fields = AUDITED_TOKEN_FIELDS

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # keys are issued with `manage.py issue_api_token`, which shows the key once


@admin.register(AuditEvent)
class AuditEventAdmin(TenantModelAdmin):
    list_display = ["at", "action", "object_repr", "actor_name", "actor_organisation_name"]
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
