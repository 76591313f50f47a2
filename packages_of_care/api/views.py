"""REST API over packages of care. The views validate input, find the record through the
scope (404), check the capability (403) and call one service; services raise ValidationError
for refused transitions (400). Nothing here decides a rule."""

from django.db import transaction
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from portal.api.viewsets import ScopedModelViewSet, ScopedReadOnlyViewSet
from portal.roles import Capability, OrganisationKind

from .. import selectors, services
from ..models import (
    Absence,
    CarePlan,
    IndividualServiceOrder,
    OrderVersion,
    Referral,
    ServiceUser,
    TemporaryVariation,
)
from ..services import RECORD_ARGUMENTS
from . import filters
from . import serializers as s

NO_UPDATE = ["get", "post", "head", "options"]
PROVIDER_SIDE = (Capability.PROVIDER_RECORD, Capability.PROVIDER_MANAGE)
RECORDERS = (Capability.PROVIDER_RECORD, Capability.BROKER)
# The actions' input named as the services name it.
ENDING = {"end_reason": "reason", "end_detail": "detail"}
DECLINING = {"decline_reason": "reason", "decline_detail": "detail"}
REFUSED = {400: OpenApiResponse(description="Refused: the record's state or the input does not allow it.")}


class PackagesViewSetMixin:
    def reread(self, instance):
        """The record as the caller now sees it, through the scope; if a write moved it out of the
        caller's reach, undo the write (404)."""
        self.rescoped(instance)
        return self.get_queryset().get(pk=instance.pk)

    def respond_with(self, instance, serializer_class=None, status=200):
        serializer_class = serializer_class or self.get_serializer_class()
        return Response(serializer_class(instance, context=self.get_serializer_context()).data, status=status)

    def run(self, fn, **kwargs):
        with transaction.atomic():
            return self.reread(fn(actor=self.request.user, **kwargs))

    #: The services that create and update this viewset's records.
    create_service = None
    update_service = None

    def perform_create(self, serializer):
        serializer.instance = self.run(type(self).create_service, **serializer.validated_data)

    def perform_update(self, serializer):
        record = {RECORD_ARGUMENTS[self.queryset.model]: serializer.instance}
        serializer.instance = self.run(type(self).update_service, **record, **serializer.validated_data)

    def act(self, service, serializer_class=None, renamed=None):
        """Apply `service` to the record with the action's input (`renamed`: {input: argument})."""
        record = {RECORD_ARGUMENTS[self.queryset.model]: self.get_object()}
        data = self.action_input(serializer_class) if serializer_class else {}
        data = {(renamed or {}).get(name, name): value for name, value in data.items()}
        return self.respond_with(self.run(service, **record, **data))


class ServiceUserViewSet(
    PackagesViewSetMixin, ScopedModelViewSet, prefix="service-users", basename="service-user"
):
    """People whose care the council funds: visible to their commissioner and to providers
    holding a live order for them. Brokerage creates and corrects them."""

    queryset = ServiceUser.objects.select_related("scheme")
    serializer_class = s.ServiceUserSerializer
    filterset_class = filters.ServiceUserFilter
    write_capability = Capability.BROKER
    ordering_fields = ["name", "reference", "id"]
    ordering = ["name", "reference"]

    create_service = staticmethod(services.service_user_create)
    update_service = staticmethod(services.service_user_update)


class ReferralViewSet(PackagesViewSetMixin, ScopedModelViewSet, prefix="referrals", basename="referral"):
    """Referrals to providers with the timestamps behind Dorset's KPIs R1–R8; each carries its
    R5–R8 standing (`measures`). Brokerage refers; the provider responds, decides and records the
    first visit and the support solution."""

    queryset = Referral.objects.select_related("service_user", "provider", "contract")
    serializer_class = s.ReferralSerializer
    filterset_class = filters.ReferralFilter
    http_method_names = NO_UPDATE
    write_capability = Capability.BROKER
    action_capabilities = {
        "respond": Capability.PROVIDER_RECORD,
        "decide": Capability.PROVIDER_MANAGE,
        "progress": Capability.PROVIDER_RECORD,
        "end_service": (Capability.PROVIDER_MANAGE, Capability.BROKER),
    }
    ordering_fields = ["received_at", "id"]
    ordering = ["-received_at"]
    create_service = staticmethod(services.referral_create)

    @extend_schema(request=s.ReferralRespondSerializer, responses={200: s.ReferralSerializer, **REFUSED})
    @action(detail=True, methods=["post"])
    def respond(self, request, pk=None):
        return self.act(services.referral_respond, s.ReferralRespondSerializer)

    @extend_schema(request=s.ReferralDecideSerializer, responses={200: s.ReferralSerializer, **REFUSED})
    @action(detail=True, methods=["post"])
    def decide(self, request, pk=None):
        return self.act(services.referral_decide, s.ReferralDecideSerializer)

    @extend_schema(request=s.ReferralProgressSerializer, responses={200: s.ReferralSerializer, **REFUSED})
    @action(detail=True, methods=["post"])
    def progress(self, request, pk=None):
        return self.act(services.referral_record_progress, s.ReferralProgressSerializer)

    @extend_schema(request=s.ReferralEndServiceSerializer, responses={200: s.ReferralSerializer, **REFUSED})
    @action(detail=True, methods=["post"], url_path="end-service")
    def end_service(self, request, pk=None):
        return self.act(services.referral_end_service, s.ReferralEndServiceSerializer, ENDING)


class OrderViewSet(PackagesViewSetMixin, ScopedModelViewSet, prefix="orders", basename="order"):
    """Individual Service Orders. Brokerage drafts, changes (while draft or declined), issues,
    withdraws, varies, suspends, resumes and ends them; the provider accepts or declines.

    Accepting over a browser session needs `password` (the user's, again); an API token granted
    `provider_manage` accepts without it. Invalid moves (e.g. accepting an ended order) answer 400
    and change nothing."""

    queryset = IndividualServiceOrder.objects.select_related(
        "service_user", "provider", "commissioner", "contract"
    )
    serializer_class = s.OrderSerializer
    filterset_class = filters.OrderFilter
    write_capability = Capability.BROKER
    action_capabilities = {"accept": Capability.PROVIDER_MANAGE, "decline": Capability.PROVIDER_MANAGE}
    ordering_fields = ["start_date", "reference", "id", "status"]
    ordering = ["-start_date", "reference"]
    create_service = staticmethod(services.order_create)
    update_service = staticmethod(services.order_update)

    def refine_queryset(self, queryset):
        return selectors.with_current_version(queryset)

    @extend_schema(request=None, responses={200: s.OrderSerializer, **REFUSED})
    @action(detail=True, methods=["post"])
    def issue(self, request, pk=None):
        return self.act(services.order_issue)

    @extend_schema(request=s.OrderReasonSerializer, responses={200: s.OrderSerializer, **REFUSED})
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        return self.act(services.order_withdraw, s.OrderReasonSerializer)

    @extend_schema(request=s.OrderAcceptSerializer, responses={200: s.OrderSerializer, **REFUSED})
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        order = self.get_object()
        data = self.action_input(s.OrderAcceptSerializer)
        if request.auth is None and not request.user.check_password(data.get("password") or ""):
            # Signed in by session, like the browser: the password is asked again.
            raise serializers.ValidationError(
                {"password": ["Enter your password again to accept the order."]}
            )
        return self.respond_with(self.run(services.order_accept, order=order))

    @extend_schema(request=s.OrderDeclineSerializer, responses={200: s.OrderSerializer, **REFUSED})
    @action(detail=True, methods=["post"])
    def decline(self, request, pk=None):
        return self.act(services.order_decline, s.OrderDeclineSerializer, DECLINING)

    @extend_schema(request=s.OrderSuspendSerializer, responses={200: s.OrderSerializer, **REFUSED})
    @action(detail=True, methods=["post"])
    def suspend(self, request, pk=None):
        return self.act(services.order_suspend, s.OrderSuspendSerializer)

    @extend_schema(request=None, responses={200: s.OrderSerializer, **REFUSED})
    @action(detail=True, methods=["post"])
    def resume(self, request, pk=None):
        return self.act(services.order_resume)

    @extend_schema(request=s.OrderEndSerializer, responses={200: s.OrderSerializer, **REFUSED})
    @action(detail=True, methods=["post"])
    def end(self, request, pk=None):
        return self.act(services.order_end, s.OrderEndSerializer, ENDING)

    @extend_schema(request=s.OrderVarySerializer, responses={201: s.OrderVersionSerializer, **REFUSED})
    @action(detail=True, methods=["post"])
    def vary(self, request, pk=None):
        order = self.get_object()
        data = self.action_input(s.OrderVarySerializer)
        with transaction.atomic():
            version = services.order_vary(actor=request.user, order=order, **data)
            self.rescoped(order)
        version = selectors.order_versions(request.user, order).get(pk=version.pk)
        return self.respond_with(version, s.OrderVersionSerializer, status=201)


class OrderVersionViewSet(
    PackagesViewSetMixin, ScopedReadOnlyViewSet, prefix="order-versions", basename="order-version"
):
    """What each order commissions from each date: weekly hours, price, schedule and outcomes.
    Versions are made by creating an order and by varying it."""

    queryset = OrderVersion.objects.prefetch_related("schedule", "outcomes")
    serializer_class = s.OrderVersionSerializer
    filterset_class = filters.OrderVersionFilter
    ordering_fields = ["effective_from", "id"]
    ordering = ["order", "effective_from", "number"]


DECIDED = {200: s.TemporaryVariationSerializer, **REFUSED}


class TemporaryVariationViewSet(
    PackagesViewSetMixin, ScopedModelViewSet, prefix="temporary-variations", basename="temporary-variation"
):
    """Authorised extra hours per week over a date range. A provider's POST is a request that
    brokerage approves or refuses; brokerage's POST records an authorisation already given."""

    queryset = TemporaryVariation.objects.select_related("order")
    serializer_class = s.TemporaryVariationSerializer
    filterset_class = filters.TemporaryVariationFilter
    http_method_names = NO_UPDATE
    write_capability = (*PROVIDER_SIDE, Capability.BROKER)
    action_capabilities = {
        "approve": Capability.BROKER,
        "refuse": Capability.BROKER,
        "withdraw": PROVIDER_SIDE,
    }
    ordering_fields = ["start_date", "id"]
    ordering = ["-start_date"]

    def perform_create(self, serializer):
        is_provider = self.request.user.organisation.kind == OrganisationKind.PROVIDER
        add = services.temporary_variation_request if is_provider else services.temporary_variation_record
        serializer.instance = self.run(add, **serializer.validated_data)

    @extend_schema(request=s.DecisionNoteSerializer, responses=DECIDED)
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        return self.act(services.temporary_variation_approve, s.DecisionNoteSerializer)

    @extend_schema(request=s.DecisionNoteSerializer, responses=DECIDED)
    @action(detail=True, methods=["post"])
    def refuse(self, request, pk=None):
        return self.act(services.temporary_variation_refuse, s.DecisionNoteSerializer)

    @extend_schema(request=s.DecisionNoteSerializer, responses=DECIDED)
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        return self.act(services.temporary_variation_withdraw, s.DecisionNoteSerializer)


class AbsenceViewSet(PackagesViewSetMixin, ScopedModelViewSet, prefix="absences", basename="absence"):
    """People away from home. Recorded by the provider (staff or manager) or brokerage; one
    person's absences never overlap; an open-ended absence is ended with `end`."""

    queryset = Absence.objects.select_related("recorded_by_organisation")
    serializer_class = s.AbsenceSerializer
    filterset_class = filters.AbsenceFilter
    http_method_names = NO_UPDATE
    write_capability = RECORDERS
    action_capabilities = {"end": RECORDERS, "retainer": Capability.BROKER}
    ordering_fields = ["start_date", "id"]
    ordering = ["-start_date"]
    create_service = staticmethod(services.absence_record)

    @extend_schema(request=s.AbsenceEndSerializer, responses={200: s.AbsenceSerializer, **REFUSED})
    @action(detail=True, methods=["post"])
    def end(self, request, pk=None):
        return self.act(services.absence_end, s.AbsenceEndSerializer)

    @extend_schema(request=s.AbsenceRetainerSerializer, responses={200: s.AbsenceSerializer, **REFUSED})
    @action(detail=True, methods=["post"])
    def retainer(self, request, pk=None):
        """Brokerage records a longer full-pay retainer agreed in writing by the social worker."""
        return self.act(services.absence_retainer_agree, s.AbsenceRetainerSerializer)


class CarePlanViewSet(PackagesViewSetMixin, ScopedModelViewSet, prefix="care-plans", basename="care-plan"):
    """Care and support plans with their review dates (the next review at most a year after the last)."""

    queryset = CarePlan.objects.all()
    serializer_class = s.CarePlanSerializer
    filterset_class = filters.CarePlanFilter
    http_method_names = NO_UPDATE
    write_capability = RECORDERS
    action_capabilities = {"review": RECORDERS}
    ordering_fields = ["next_review_due", "id"]
    ordering = ["next_review_due"]
    create_service = staticmethod(services.care_plan_create)

    @extend_schema(request=s.CarePlanReviewSerializer, responses={200: s.CarePlanSerializer, **REFUSED})
    @action(detail=True, methods=["post"])
    def review(self, request, pk=None):
        return self.act(services.care_plan_review, s.CarePlanReviewSerializer)
