from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import parsers
from rest_framework.decorators import action
from rest_framework.response import Response

from compliance import selectors, services
from compliance.models import (
    CapacitySnapshot,
    ComplianceTerms,
    InsuranceCertificate,
    InsuranceRequirement,
    ProviderDuty,
    ProviderPolicy,
    RatingChange,
    RatingNotification,
)
from portal.api.filters import ProviderFilter
from portal.api.viewsets import ScopedCreateReadViewSet, ScopedReadOnlyViewSet, ServiceUpsertMixin
from portal.models import Organisation
from portal.roles import Capability

from .filters import (
    CapacitySnapshotFilter,
    InsuranceCertificateFilter,
    InsuranceRequirementFilter,
    ProviderDutyFilter,
    ProviderPolicyFilter,
    RatingChangeFilter,
    RatingNotificationFilter,
)
from .serializers import (
    ActionPlanSerializer,
    CapacitySnapshotSerializer,
    ComplianceTermsSerializer,
    DutyDecideSerializer,
    DutySendSerializer,
    InsuranceCertificateSerializer,
    InsuranceRequirementSerializer,
    NotificationAcceptSerializer,
    NotificationSendSerializer,
    ProviderComplianceSerializer,
    ProviderDutySerializer,
    ProviderPolicySerializer,
    RatingChangeSerializer,
    RatingNotificationSerializer,
    TimescaleSerializer,
)

PARSERS = [parsers.JSONParser, parsers.MultiPartParser, parsers.FormParser]


class ProviderComplianceViewSet(
    ScopedReadOnlyViewSet, prefix="provider-compliance", basename="provider-compliance"
):
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


class RatingChangeViewSet(ScopedCreateReadViewSet, prefix="rating-changes", basename="rating-change"):
    """CQC and Ofsted ratings as recorded. Recording one below Good sets `notify_by` (2 working days
    after the rating's date `[002 §4.3]`) and opens a notice to each council with a live contract."""

    queryset = RatingChange.objects.all()
    serializer_class = RatingChangeSerializer
    filterset_class = RatingChangeFilter
    write_capability = Capability.PROVIDER_MANAGE
    ordering = ["-rated_on", "-id"]
    create_service = staticmethod(services.rating_record)


class RatingNotificationViewSet(
    ScopedReadOnlyViewSet, prefix="rating-notifications", basename="rating-notification"
):
    """Notices of an inspection, one per council whose terms ask: the outcome and report within its
    hours `[004 §8.1.7]`; a rating below Good within its working days `[002 §4.3]`. The provider
    sends the notice (`send`) without waiting for the plan; the council agrees the plan's timescale
    (`timescale`); the provider sends the plan (`action-plan`); the council accepts it (`accept`)
    or returns it with comments (`return`)."""

    queryset = RatingNotification.objects.select_related("change", "commissioner", "provider")
    serializer_class = RatingNotificationSerializer
    filterset_class = RatingNotificationFilter
    action_capabilities = {
        "send": Capability.PROVIDER_MANAGE,
        "action_plan": Capability.PROVIDER_MANAGE,
        "accept": Capability.COMMISSION,
        "return_plan": Capability.COMMISSION,
        "timescale": Capability.COMMISSION,
    }
    parser_classes = PARSERS
    ordering = ["-due_on"]

    @extend_schema(request=NotificationSendSerializer, responses=RatingNotificationSerializer)
    @action(detail=True, methods=["post"])
    def send(self, request, pk=None):
        notification = self.get_object()
        body = self.action_input(NotificationSendSerializer)
        notification = services.rating_notification_send(
            actor=request.user,
            notification=notification,
            summary=body.get("summary", ""),
            report=body.get("report"),
            action_plan=body.get("action_plan"),
        )
        return Response(self.get_serializer(notification).data)

    @extend_schema(request=ActionPlanSerializer, responses=RatingNotificationSerializer)
    @action(detail=True, methods=["post"], url_path="action-plan")
    def action_plan(self, request, pk=None):
        notification = self.get_object()
        body = self.action_input(ActionPlanSerializer)
        notification = services.rating_notification_submit_plan(
            actor=request.user,
            notification=notification,
            action_plan=body.get("action_plan"),
            summary=body.get("summary", ""),
        )
        return Response(self.get_serializer(notification).data)

    @extend_schema(request=TimescaleSerializer, responses=RatingNotificationSerializer)
    @action(detail=True, methods=["post"])
    def timescale(self, request, pk=None):
        notification = self.get_object()
        body = self.action_input(TimescaleSerializer)
        notification = services.rating_notification_agree_timescale(
            actor=request.user, notification=notification, plan_due_on=body["plan_due_on"]
        )
        return Response(self.get_serializer(notification).data)

    @extend_schema(request=NotificationAcceptSerializer, responses=RatingNotificationSerializer)
    @action(detail=True, methods=["post"], url_path="return", url_name="return")
    def return_plan(self, request, pk=None):
        notification = self.get_object()
        body = self.action_input(NotificationAcceptSerializer)
        notification = services.rating_notification_return(
            actor=request.user, notification=notification, response=body["response"]
        )
        return Response(self.get_serializer(notification).data)

    @extend_schema(request=NotificationAcceptSerializer, responses=RatingNotificationSerializer)
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        notification = self.get_object()
        body = self.action_input(NotificationAcceptSerializer)
        notification = services.rating_notification_accept(
            actor=request.user, notification=notification, response=body["response"]
        )
        return Response(self.get_serializer(notification).data)


class ProviderDocumentViewSet(ScopedCreateReadViewSet):
    """A provider's records that carry a document: the provider's managers add them, as JSON or
    with the file in a multipart form."""

    write_capability = Capability.PROVIDER_MANAGE
    parser_classes = PARSERS


class InsuranceCertificateViewSet(
    ProviderDocumentViewSet, prefix="insurance-certificates", basename="insurance-certificate"
):
    """Insurance certificates with cover and expiry; a renewal is a new certificate."""

    queryset = InsuranceCertificate.objects.all()
    serializer_class = InsuranceCertificateSerializer
    filterset_class = InsuranceCertificateFilter
    ordering = ["kind", "-expires_on"]
    create_service = staticmethod(services.insurance_certificate_add)


class InsuranceRequirementViewSet(
    ScopedCreateReadViewSet, prefix="insurance-requirements", basename="insurance-requirement"
):
    """The minimum cover each council requires (Derby: employer's liability £5m, public liability
    £10m `[002 §4.13]`). A council sets its own by creating one; the same kind again replaces it."""

    queryset = InsuranceRequirement.objects.select_related("commissioner")
    serializer_class = InsuranceRequirementSerializer
    filterset_class = InsuranceRequirementFilter
    write_capability = Capability.COMMISSION
    ordering = ["commissioner__name", "kind"]
    create_service = staticmethod(services.insurance_requirement_set)
    organisation_arg = "commissioner"


class ProviderPolicyViewSet(ProviderDocumentViewSet, prefix="policies", basename="policy"):
    """Provider policies with review dates; a new version is a new record."""

    queryset = ProviderPolicy.objects.all()
    serializer_class = ProviderPolicySerializer
    filterset_class = ProviderPolicyFilter
    ordering = ["kind", "-approved_on"]
    create_service = staticmethod(services.policy_add)


class CapacitySnapshotViewSet(
    ServiceUpsertMixin, ScopedCreateReadViewSet, prefix="capacity-snapshots", basename="capacity-snapshot"
):
    """Weekly capacity `[003 §4.1]`. Reporting the same week, lot and area again replaces the figure."""

    queryset = CapacitySnapshot.objects.select_related("lot")
    serializer_class = CapacitySnapshotSerializer
    filterset_class = CapacitySnapshotFilter
    write_capability = Capability.PROVIDER_RECORD
    ordering = ["-week_starting", "lot", "area"]
    create_service = staticmethod(services.capacity_report)


class ComplianceTermsViewSet(ScopedCreateReadViewSet, prefix="compliance-terms", basename="compliance-terms"):
    """Each council's terms for notices, its safeguarding contact and self-assessment interval.
    A council sets its own by creating them; creating again replaces them."""

    queryset = ComplianceTerms.objects.select_related("commissioner")
    serializer_class = ComplianceTermsSerializer
    write_capability = Capability.COMMISSION
    ordering = ["commissioner__name"]
    pagination_class = None
    create_service = staticmethod(services.compliance_terms_set)
    organisation_arg = "commissioner"


class ProviderDutyViewSet(ScopedCreateReadViewSet, prefix="provider-duties", basename="provider-duty"):
    """Notices and returns a provider owes a council, with the day each is due: significant change
    `[004 §3.4.1]`, serious-harm review `[004 §8.2.2]`, safeguarding lead `[002 §4.8]`,
    self-assessment `[002 §5]`, consent to sub-contract `[002 §6.4]`, `[003 §11]`. The provider
    sends each (`send`); the council consents to or refuses a sub-contract (`decide`)."""

    queryset = ProviderDuty.objects.select_related("provider", "commissioner")
    serializer_class = ProviderDutySerializer
    filterset_class = ProviderDutyFilter
    write_capability = Capability.PROVIDER_MANAGE
    action_capabilities = {"send": Capability.PROVIDER_MANAGE, "decide": Capability.COMMISSION}
    ordering = ["-due_on", "-id"]
    create_service = staticmethod(services.duty_record)

    @extend_schema(request=DutySendSerializer, responses=ProviderDutySerializer)
    @action(detail=True, methods=["post"])
    def send(self, request, pk=None):
        duty = self.get_object()
        body = self.action_input(DutySendSerializer)
        duty = services.duty_send(actor=request.user, duty=duty, note=body.get("note", ""))
        return Response(self.get_serializer(duty).data)

    @extend_schema(request=DutyDecideSerializer, responses=ProviderDutySerializer)
    @action(detail=True, methods=["post"])
    def decide(self, request, pk=None):
        duty = self.get_object()
        body = self.action_input(DutyDecideSerializer)
        duty = services.duty_decide(
            actor=request.user, duty=duty, consent=body["consent"], response=body.get("response", "")
        )
        return Response(self.get_serializer(duty).data)
