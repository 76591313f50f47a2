from django.db import transaction
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, parsers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from compliance import selectors, services
from compliance.models import (
    CapacitySnapshot,
    InsuranceCertificate,
    InsuranceRequirement,
    ProviderPolicy,
    RatingChange,
    RatingNotification,
)
from portal.api.filters import ProviderFilter
from portal.api.viewsets import ScopedAPIMixin, ScopedReadOnlyViewSet
from portal.models import Organisation
from portal.roles import Capability

from .filters import (
    CapacitySnapshotFilter,
    InsuranceCertificateFilter,
    InsuranceRequirementFilter,
    ProviderPolicyFilter,
    RatingChangeFilter,
    RatingNotificationFilter,
)
from .serializers import (
    CapacitySnapshotSerializer,
    InsuranceCertificateSerializer,
    InsuranceRequirementSerializer,
    NotificationAcceptSerializer,
    NotificationSendSerializer,
    ProviderComplianceSerializer,
    ProviderPolicySerializer,
    RatingChangeSerializer,
    RatingNotificationSerializer,
)

PARSERS = [parsers.JSONParser, parsers.MultiPartParser, parsers.FormParser]


class CreateReadViewSet(
    ScopedAPIMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """List, retrieve and create: compliance records are added, not edited (a renewal is a new record)."""


class ProviderComplianceViewSet(ScopedReadOnlyViewSet):
    """Providers you work with (or your own organisation) with their compliance gaps today, as your
    organisation judges them (a council against its own insurance requirements)."""

    queryset = Organisation.objects.providers()
    serializer_class = ProviderComplianceSerializer
    filterset_class = ProviderFilter
    ordering = ["name"]

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if getattr(self, "_page_objects", None) is not None:
            context["gaps"] = selectors.compliance_gaps(
                self.request.user, self._page_objects, timezone.localdate()
            )
        return context

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        self._page_objects = page
        return page

    def retrieve(self, request, *args, **kwargs):
        provider = self.get_object()
        self._page_objects = [provider]
        return Response(self.get_serializer(provider).data)


class RatingChangeViewSet(CreateReadViewSet):
    """CQC and Ofsted ratings as recorded. Recording one below Good sets `notify_by` (2 working days
    after the rating's date `[002 §4.3]`) and opens a notice to each council with a live contract."""

    queryset = RatingChange.objects.all()
    serializer_class = RatingChangeSerializer
    filterset_class = RatingChangeFilter
    write_capability = Capability.PROVIDER_MANAGE
    ordering = ["-rated_on", "-id"]

    @transaction.atomic
    def perform_create(self, serializer):
        change = services.rating_record(
            actor=self.request.user, provider=self.request.user.organisation, **serializer.validated_data
        )
        serializer.instance = self.rescoped(change)


class RatingNotificationViewSet(ScopedReadOnlyViewSet):
    """Notices of a rating below Good, one per council: the provider sends it with its action plan;
    the council accepts the plan."""

    queryset = RatingNotification.objects.select_related("change", "commissioner", "provider")
    serializer_class = RatingNotificationSerializer
    filterset_class = RatingNotificationFilter
    action_capabilities = {"send": Capability.PROVIDER_MANAGE, "accept": Capability.COMMISSION}
    parser_classes = PARSERS
    ordering = ["-due_on"]

    @extend_schema(request=NotificationSendSerializer, responses=RatingNotificationSerializer)
    @action(detail=True, methods=["post"])
    def send(self, request, pk=None):
        notification = self.get_object()
        body = NotificationSendSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        notification = services.rating_notification_send(
            actor=request.user,
            notification=notification,
            action_plan=body.validated_data.get("action_plan"),
            summary=body.validated_data.get("summary", ""),
        )
        return Response(self.get_serializer(notification).data)

    @extend_schema(request=NotificationAcceptSerializer, responses=RatingNotificationSerializer)
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        notification = self.get_object()
        body = NotificationAcceptSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        notification = services.rating_notification_accept(
            actor=request.user, notification=notification, response=body.validated_data["response"]
        )
        return Response(self.get_serializer(notification).data)


class InsuranceCertificateViewSet(CreateReadViewSet):
    """Insurance certificates with cover and expiry; a renewal is a new certificate."""

    queryset = InsuranceCertificate.objects.all()
    serializer_class = InsuranceCertificateSerializer
    filterset_class = InsuranceCertificateFilter
    write_capability = Capability.PROVIDER_MANAGE
    parser_classes = PARSERS
    ordering = ["kind", "-expires_on"]

    @transaction.atomic
    def perform_create(self, serializer):
        certificate = services.insurance_certificate_add(
            actor=self.request.user, provider=self.request.user.organisation, **serializer.validated_data
        )
        serializer.instance = self.rescoped(certificate)


class InsuranceRequirementViewSet(CreateReadViewSet):
    """The minimum cover each council requires (Derby: employer's liability £5m, public liability
    £10m `[002 §4.13]`). A council sets its own by creating one; the same kind again replaces it."""

    queryset = InsuranceRequirement.objects.select_related("commissioner")
    serializer_class = InsuranceRequirementSerializer
    filterset_class = InsuranceRequirementFilter
    write_capability = Capability.COMMISSION
    ordering = ["commissioner__name", "kind"]

    @transaction.atomic
    def perform_create(self, serializer):
        requirement = services.insurance_requirement_set(
            actor=self.request.user, commissioner=self.request.user.organisation, **serializer.validated_data
        )
        serializer.instance = self.rescoped(requirement)


class ProviderPolicyViewSet(CreateReadViewSet):
    """Provider policies with review dates; a new version is a new record."""

    queryset = ProviderPolicy.objects.all()
    serializer_class = ProviderPolicySerializer
    filterset_class = ProviderPolicyFilter
    write_capability = Capability.PROVIDER_MANAGE
    parser_classes = PARSERS
    ordering = ["kind", "-approved_on"]

    @transaction.atomic
    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        data.setdefault("title", "")
        policy = services.policy_add(actor=self.request.user, provider=self.request.user.organisation, **data)
        serializer.instance = self.rescoped(policy)


class CapacitySnapshotViewSet(CreateReadViewSet):
    """Weekly capacity `[003 §4.1]`. Reporting the same week, lot and area again replaces the figure."""

    queryset = CapacitySnapshot.objects.select_related("lot")
    serializer_class = CapacitySnapshotSerializer
    filterset_class = CapacitySnapshotFilter
    write_capability = Capability.PROVIDER_RECORD
    ordering = ["-week_starting", "lot", "area"]

    @transaction.atomic
    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        snapshot, created = services.capacity_report(
            actor=request.user, provider=request.user.organisation, **serializer.validated_data
        )
        self.rescoped(snapshot)
        return Response(self.get_serializer(snapshot).data, status=201 if created else 200)
