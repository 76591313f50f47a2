from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError

from portal.api.filters import PortalFilterSet
from portal.api.viewsets import ScopedModelViewSet
from portal.roles import Capability
from portal.uploads.api import bulk_response
from records import services
from records.kinds import BY_SLUG
from visits.api.serializers import BulkResultSerializer

from .serializers import SERIALIZERS

BULK_LIMIT = 10_000


def filters_for(model, fields):
    """A filter set whose related-record filters take a number (unknown ids give an empty list)."""
    meta = type("Meta", (), {"model": model, "fields": fields})
    return type(f"{model.__name__}Filter", (PortalFilterSet,), {"Meta": meta})


class RecordViewSet(ScopedModelViewSet):
    """Base for the operational records: list, retrieve, create, update, and a bulk endpoint that
    checks every item as the spreadsheet upload does (all or nothing; the same items again change
    nothing)."""

    slug = ""
    write_capability = Capability.PROVIDER_RECORD
    action_capabilities = {"bulk": Capability.PROVIDER_RECORD}

    @property
    def spec(self):
        return BY_SLUG[self.slug]

    def perform_create(self, serializer):
        self._save(serializer, before=None)

    def perform_update(self, serializer):
        self._save(serializer, before=self.spec.snapshot(serializer.instance))

    def _save(self, serializer, before):
        instance = serializer.instance or self.spec.model()
        for name, value in serializer.validated_data.items():
            setattr(instance, name, value)
        with transaction.atomic():
            try:
                record = services.record_save(
                    actor=self.request.user, spec=self.spec, instance=instance, before=before
                )
            except DjangoValidationError as exc:
                raise ValidationError(exc.message_dict) from exc
            serializer.instance = self.rescoped(record)

    @extend_schema(
        summary="Submit many at once (all or nothing)",
        description="A JSON array of objects with the spreadsheet template's columns (schemes by name, people "
        "by reference). If any item is rejected nothing is saved and every rejected item (`row`, the first "
        "being 1) and field is named. `?dry_run=true` checks without saving.",
        request={"application/json": {"type": "array", "items": {"type": "object"}}},
        parameters=[OpenApiParameter("dry_run", bool, description="Check only; save nothing.")],
        responses={200: BulkResultSerializer, 400: BulkResultSerializer},
    )
    @action(detail=False, methods=["post"], url_path="bulk")
    def bulk(self, request):
        return bulk_response(
            request,
            self.spec,
            actor=request.user,
            source="api",
            note="Bulk API",
            noun="item",
            limit=BULK_LIMIT,
        )


# By kind: the URL prefix, the basename of its URL names, its filters and the related records listed.
ENDPOINTS = {
    "alarm-calls": (
        "alarm-calls",
        "alarm-call",
        ["contract", "scheme", "is_overnight", "outcome"],
        ["scheme"],
    ),
    "complaints": ("complaints", "complaint", ["contract", "scheme", "kind", "upheld"], []),
    "safeguarding": (
        "safeguarding-incidents",
        "safeguarding-incident",
        ["contract", "scheme", "category"],
        [],
    ),
    "surveys": ("survey-responses", "survey-response", ["contract", "scheme", "satisfied"], []),
    "voids": ("voids", "void", ["contract", "scheme", "status"], []),
    "nominations": (
        "nomination-decisions",
        "nomination-decision",
        ["contract", "scheme", "decision", "declined_by"],
        [],
    ),
    "activities": ("activities", "activity", ["contract", "scheme", "kind", "is_new_choice"], []),
    "attendance": (
        "activity-attendance",
        "activity-attendance",
        ["activity", "service_user", "attended"],
        ["activity", "service_user"],
    ),
}


def viewset_for(slug: str) -> type[RecordViewSet]:
    spec = BY_SLUG[slug]
    prefix, basename, filters, related = ENDPOINTS[slug]
    queryset = spec.model.objects.select_related(*related)
    if not spec.has_contract:
        queryset = queryset.order_by("-id")
    attrs = {
        "__doc__": type(spec).__doc__,
        "slug": slug,
        "queryset": queryset,
        "serializer_class": SERIALIZERS[slug],
        "filterset_class": filters_for(spec.model, filters),
    }
    return type(f"{spec.model.__name__}ViewSet", (RecordViewSet,), attrs, prefix=prefix, basename=basename)


VIEWSETS = {slug: viewset_for(slug) for slug in ENDPOINTS}
