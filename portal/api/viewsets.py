"""Base API views: the queryset is always scoped to the requesting organisation.

Subclasses set `queryset` (unscoped) and may narrow it in `refine_queryset`, which receives the
already-scoped queryset; overriding `get_queryset` is an error (PostHog's routing mixin does the
same), so no endpoint can forget tenancy.
"""

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar, cast

from django.core.exceptions import ImproperlyConfigured
from django.db import models, transaction
from rest_framework import generics, mixins, serializers, viewsets
from rest_framework.exceptions import NotFound
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response

from portal.access_log.recording import api_read
from portal.models import User
from portal.roles import CapabilityNeed
from portal.tenancy import scoped

from .routers import declare_route

_M = TypeVar("_M", bound=models.Model)

if TYPE_CHECKING:
    # The mixin goes before a DRF generic view; to the checker it is one.
    _APIViewBase = GenericAPIView[Any]
else:
    _APIViewBase = object


class ScopedAPIMixin(_APIViewBase):
    #: The model's records, unscoped: a queryset (DRF also takes a manager, whose type django-stubs
    #: makes a descriptor that cannot be read from a view instance).
    queryset: models.QuerySet[Any] | None

    #: Capability needed to write (POST/PUT/PATCH/DELETE) unless `action_capabilities` says otherwise.
    write_capability: CapabilityNeed | None = None
    #: {action name: capability, or several any one of which will do}, e.g. {"issue": Capability.BROKER}.
    action_capabilities: dict[str, CapabilityNeed] = {}

    def __init_subclass__(cls, prefix: str | None = None, basename: str | None = None, **kwargs: Any) -> None:
        """`prefix` and `basename` (class keywords) route a viewset: see `portal.api.routers`."""
        super().__init_subclass__(**kwargs)
        if "get_queryset" in cls.__dict__:
            raise TypeError(
                f"{cls.__name__} overrides get_queryset; narrow the scoped queryset in refine_queryset instead"
            )
        if prefix is not None:
            declare_route(cls, prefix, basename or prefix)

    def get_queryset(self) -> models.QuerySet[Any]:
        if self.queryset is None:
            raise ImproperlyConfigured(f"{type(self).__name__} names no queryset")
        qs = scoped(self.queryset.all(), self.request.user)
        return self.refine_queryset(qs)

    def refine_queryset(self, queryset: Any) -> Any:
        """Narrow the scoped queryset. It is of the model's own queryset class, which this base
        cannot name: subclasses annotate it."""
        return queryset

    def finalize_response(self, request: Request, response: Response, *args: Any, **kwargs: Any) -> Response:
        response = super().finalize_response(request, response, *args, **kwargs)
        api_read(self, request, response)  # person-level records read: the access log (issue 15)
        return response

    def action_input(self, serializer_class: type[serializers.BaseSerializer[Any]]) -> dict[str, Any]:
        """An action's request body checked by `serializer_class` (400 naming the fields), with the
        view's context, so related ids in it are looked up through the caller's scope."""
        body = serializer_class(data=self.request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        return dict(body.validated_data)

    def rescoped(self, instance: _M) -> _M:
        """Re-read a just-written record through the scope; if it left the writer's reach, undo."""
        if not self.get_queryset().filter(pk=instance.pk).exists():
            transaction.set_rollback(True)
            raise NotFound()
        return instance


class ServiceCreateMixin(ScopedAPIMixin, mixins.CreateModelMixin, generics.GenericAPIView):
    """A create goes to one service, `create_service` (a staticmethod), called with the user as
    `actor`, the user's organisation as `organisation_arg` and the validated data; what it returns
    is re-read through the scope. Without one, the serializer saves."""

    create_service: Callable[..., Any] | None = None
    #: The service's argument for the user's organisation; None: the service takes none.
    organisation_arg: str | None = "provider"

    def call_create_service(self, data: dict[str, Any]) -> Any:
        if self.create_service is None:
            raise ImproperlyConfigured(f"{type(self).__name__} names no create_service")
        user = cast(User, self.request.user)  # the permission class let only a signed-in user through
        organisation = {self.organisation_arg: user.organisation} if self.organisation_arg else {}
        return self.create_service(actor=user, **organisation, **data)

    @transaction.atomic
    def perform_create(self, serializer: Any) -> None:
        if self.create_service is None:
            super().perform_create(serializer)
            return
        serializer.instance = self.rescoped(self.call_create_service(serializer.validated_data))


class ServiceUpsertMixin(ServiceCreateMixin):
    """A create whose service answers (record, created): sending a record already held answers 200
    with it rather than 201 (a figure for the same week reported again, a completion recorded twice)."""

    @transaction.atomic
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        record, created = self.call_create_service(serializer.validated_data)
        self.rescoped(record)
        return Response(self.get_serializer(record).data, status=201 if created else 200)


class ScopedReadOnlyViewSet(ScopedAPIMixin, viewsets.ReadOnlyModelViewSet):
    pass


class ScopedModelViewSet(
    ServiceCreateMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """List, retrieve, create and update; deletion is not offered (records are ended, not deleted)."""


class ScopedCreateReadViewSet(
    ServiceCreateMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """List, retrieve and create: records are added, not edited (a renewal or revision is a new
    record); changes of state go through named actions."""
