"""Base API views: the queryset is always scoped to the requesting organisation.

Subclasses set `queryset` (unscoped) and may narrow it in `refine_queryset`, which receives the
already-scoped queryset; overriding `get_queryset` is an error (PostHog's routing mixin does the
same), so no endpoint can forget tenancy.
"""

from django.db import transaction
from rest_framework import mixins, viewsets
from rest_framework.exceptions import NotFound

from portal.roles import Capability
from portal.tenancy import scoped


class ScopedAPIMixin:
    #: Capability needed to write (POST/PUT/PATCH/DELETE) unless `action_capabilities` says otherwise.
    write_capability: Capability | None = None
    #: {action name: capability}, e.g. {"issue": Capability.BROKER}.
    action_capabilities: dict = {}

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "get_queryset" in cls.__dict__:
            raise TypeError(
                f"{cls.__name__} overrides get_queryset; narrow the scoped queryset in refine_queryset instead"
            )

    def get_queryset(self):
        qs = scoped(self.queryset.all(), self.request.user)
        return self.refine_queryset(qs)

    def refine_queryset(self, queryset):
        return queryset

    def rescoped(self, instance):
        """Re-read a just-written record through the scope; if it left the writer's reach, undo."""
        if not self.get_queryset().filter(pk=instance.pk).exists():
            transaction.set_rollback(True)
            raise NotFound()
        return instance


class ScopedReadOnlyViewSet(ScopedAPIMixin, viewsets.ReadOnlyModelViewSet):
    pass


class ScopedModelViewSet(
    ScopedAPIMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """List, retrieve, create and update; deletion is not offered (records are ended, not deleted)."""
