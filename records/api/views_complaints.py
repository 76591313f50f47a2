"""The council's complaint information requests `[004 §8.5.5]` (the council asks; the provider
answers through the `answer` action), the provider's monthly complaints reports `[004 §8.5.6–7]`
(the provider sends; the council reads) and the council's PAMMS assessments `[004 App. 4]` (the
council records; both read). Every read goes through the caller's scope (404 outside it); every
write is one service in `records.services.complaints` (audited, alerting)."""

from django.db import transaction
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.decorators import action
from rest_framework.response import Response

from portal.api.viewsets import ScopedCreateReadViewSet
from portal.roles import Capability
from records.models import ComplaintInformationRequest, MonthlyComplaintsReport, PammsAssessment
from records.services import complaints as services

from . import serializers_complaints as s

REFUSED = {400: OpenApiResponse(description="Refused: the record's state or the input does not allow it.")}


class ComplaintRequestViewSet(
    ScopedCreateReadViewSet, prefix="complaint-requests", basename="complaint-request"
):
    """The council's requests for information on a complaint made to it; due 10 working days after
    the request."""

    queryset = ComplaintInformationRequest.objects.select_related("contract", "scheme")
    serializer_class = s.InformationRequestSerializer
    write_capability = Capability.COMMISSION
    action_capabilities = {"answer": Capability.PROVIDER_RECORD}
    create_service = staticmethod(services.complaint_request_record)
    organisation_arg = None

    @extend_schema(
        summary="Return the information asked for",
        request=s.ComplaintAnswerSerializer,
        responses={200: s.InformationRequestSerializer, **REFUSED},
    )
    @action(detail=True, methods=["post"])
    def answer(self, request, pk=None):
        record = self.get_object()
        data = self.action_input(s.ComplaintAnswerSerializer)
        with transaction.atomic():
            answered = self.rescoped(
                services.complaint_request_answer(actor=request.user, request=record, **data)
            )
        return Response(self.get_serializer(answered).data)


class ComplaintsReportViewSet(
    ScopedCreateReadViewSet, prefix="complaints-reports", basename="complaints-report"
):
    """The provider's monthly complaints reports: the month's complaints, concerns and compliments
    as recorded (counted when sent), the actions taken and the lessons learned."""

    queryset = MonthlyComplaintsReport.objects.select_related("contract")
    serializer_class = s.ComplaintsReportSerializer
    write_capability = Capability.PROVIDER_MANAGE
    create_service = staticmethod(services.complaints_report_submit)
    organisation_arg = None


class PammsViewSet(ScopedCreateReadViewSet, prefix="pamms-assessments", basename="pamms-assessment"):
    """The council's PAMMS assessments of schemes; N4 takes the latest of PAMMS and CQC ratings."""

    queryset = PammsAssessment.objects.select_related("contract", "scheme")
    serializer_class = s.PammsSerializer
    write_capability = Capability.COMMISSION
    create_service = staticmethod(services.pamms_record)
    organisation_arg = None
