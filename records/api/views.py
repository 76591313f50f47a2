from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from portal.api.filters import PortalFilterSet
from portal.api.viewsets import ScopedModelViewSet
from portal.roles import Capability
from records import services
from records.models import (
    Activity,
    ActivityAttendance,
    AlarmCall,
    Complaint,
    NominationDecision,
    SafeguardingIncident,
    SurveyResponse,
    Void,
)
from records.uploads import BY_SLUG
from visits import uploads
from visits.api.serializers import BulkResultSerializer

from . import serializers as s

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
        payload = request.data
        if isinstance(payload, list) and len(payload) > BULK_LIMIT:
            raise ValidationError({"detail": f"Send at most {BULK_LIMIT:,} items per request."})
        dry_run = str(request.query_params.get("dry_run", "")).lower() in ("1", "true", "yes")
        try:
            table = uploads.table_from_records(self.spec, payload)
        except uploads.Unreadable as exc:
            return Response(
                {"detail": str(exc), "errors": [p.as_dict() for p in exc.problems]},
                status=status.HTTP_400_BAD_REQUEST,
            )
        outcome = uploads.submit(
            self.spec, table, actor=request.user, source="api", dry_run=dry_run, note="Bulk API"
        )
        body = {"dry_run": dry_run, **outcome.summary(), "errors": [p.as_dict() for p in outcome.problems]}
        if not outcome.ok:
            body["detail"] = f"{outcome.rejected} item(s) rejected: nothing was saved."
            return Response(body, status=status.HTTP_400_BAD_REQUEST)
        return Response(body)


class AlarmCallViewSet(RecordViewSet):
    """Alarm calls on the 24/7 emergency response (Derby: 90% answered within 10 minutes)."""

    slug = "alarm-calls"
    queryset = AlarmCall.objects.select_related("scheme")
    serializer_class = s.AlarmCallSerializer
    filterset_class = filters_for(AlarmCall, ["contract", "scheme", "is_overnight", "outcome"])


class ComplaintViewSet(RecordViewSet):
    """Complaints, concerns and compliments."""

    slug = "complaints"
    queryset = Complaint.objects.all()
    serializer_class = s.ComplaintSerializer
    filterset_class = filters_for(Complaint, ["contract", "scheme", "kind", "upheld"])


class SafeguardingViewSet(RecordViewSet):
    """Safeguarding incidents."""

    slug = "safeguarding"
    queryset = SafeguardingIncident.objects.all()
    serializer_class = s.SafeguardingSerializer
    filterset_class = filters_for(SafeguardingIncident, ["contract", "scheme", "category"])


class SurveyViewSet(RecordViewSet):
    """Resident satisfaction survey responses."""

    slug = "surveys"
    queryset = SurveyResponse.objects.all()
    serializer_class = s.SurveySerializer
    filterset_class = filters_for(SurveyResponse, ["contract", "scheme", "satisfied"])


class VoidViewSet(RecordViewSet):
    """Pending and actual voids, per flat."""

    slug = "voids"
    queryset = Void.objects.all()
    serializer_class = s.VoidSerializer
    filterset_class = filters_for(Void, ["contract", "scheme", "status"])


class NominationViewSet(RecordViewSet):
    """Nominations panel decisions, with the reason for every decline."""

    slug = "nominations"
    queryset = NominationDecision.objects.all()
    serializer_class = s.NominationSerializer
    filterset_class = filters_for(NominationDecision, ["contract", "scheme", "decision", "declined_by"])


class ActivityViewSet(RecordViewSet):
    """Short-break activities (Dorset Lot 9) and wellbeing activities (Derby)."""

    slug = "activities"
    queryset = Activity.objects.all()
    serializer_class = s.ActivitySerializer
    filterset_class = filters_for(Activity, ["contract", "scheme", "kind", "is_new_choice"])


class AttendanceViewSet(RecordViewSet):
    """Who came to which activity."""

    slug = "attendance"
    queryset = ActivityAttendance.objects.select_related("activity", "service_user").order_by("-id")
    serializer_class = s.AttendanceSerializer
    filterset_class = filters_for(ActivityAttendance, ["activity", "service_user", "attended"])
