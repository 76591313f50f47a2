"""The NHS children's complex care over the API `[001 Part 2]`: every endpoint reads through the
caller's scope, and every write goes to one service (audited)."""

from django.db import transaction
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.decorators import action
from rest_framework.response import Response

from portal.api.viewsets import ScopedCreateReadViewSet, ScopedReadOnlyViewSet
from portal.roles import Capability

from .. import services
from ..models import (
    ClinicalQualityCheck,
    ContinuingCareEligibility,
    IndividualHealthPlan,
    MileageAgreement,
    MileageClaim,
    MobilisationAgencyCost,
    MobilisationMilestone,
    MobilisationPlan,
    NurseDelegation,
)
from . import serializers as s

COMMISSIONER_SIDE = (Capability.COMMISSION, Capability.BROKER)
REFUSED = {400: OpenApiResponse(description="Refused: the input does not allow it.")}


class EligibilityViewSet(
    ScopedCreateReadViewSet, prefix="continuing-care-eligibilities", basename="cc-eligibility"
):
    """Continuing-care eligibility decisions and their review dates `[001 P2 §1.3]`."""

    queryset = ContinuingCareEligibility.objects.all()
    serializer_class = s.EligibilitySerializer
    write_capability = COMMISSIONER_SIDE
    create_service = staticmethod(services.eligibility_record)
    organisation_arg = None


class HealthPlanViewSet(ScopedCreateReadViewSet, prefix="health-plans", basename="health-plan"):
    """Individual health plans, versioned `[001 P2 §3.2]`."""

    queryset = IndividualHealthPlan.objects.all()
    serializer_class = s.HealthPlanSerializer
    write_capability = COMMISSIONER_SIDE
    create_service = staticmethod(services.health_plan_record)
    organisation_arg = None


class DelegationViewSet(ScopedCreateReadViewSet, prefix="nurse-delegations", basename="nurse-delegation"):
    """Nurse oversight: tasks a registered nurse delegates to a care worker for one person `[001 P2 §1.3-1.4]`."""

    queryset = NurseDelegation.objects.all()
    serializer_class = s.DelegationSerializer
    write_capability = Capability.PROVIDER_RECORD
    create_service = staticmethod(services.delegation_record)


class QualityCheckViewSet(
    ScopedCreateReadViewSet, prefix="clinical-quality-checks", basename="quality-check"
):
    """The commissioner's clinical quality checks against the health plan `[001 P2 §3.2]`."""

    queryset = ClinicalQualityCheck.objects.all()
    serializer_class = s.QualityCheckSerializer
    write_capability = Capability.COMMISSION
    create_service = staticmethod(services.quality_check_record)
    organisation_arg = None


class MileageAgreementViewSet(
    ScopedCreateReadViewSet, prefix="mileage-agreements", basename="mileage-agreement"
):
    """Mileage the commissioner agreed in advance `[001 P2 §3.4]`."""

    queryset = MileageAgreement.objects.all()
    serializer_class = s.MileageAgreementSerializer
    write_capability = Capability.COMMISSION
    create_service = staticmethod(services.mileage_agreement_create)
    organisation_arg = None


class MileageClaimViewSet(ScopedCreateReadViewSet, prefix="mileage-claims", basename="mileage-claim"):
    """Mileage claimed by the provider; a claim naming no agreement is refused `[001 P2 §3.4]`."""

    queryset = MileageClaim.objects.all()
    serializer_class = s.MileageClaimSerializer
    write_capability = Capability.PROVIDER_MANAGE
    create_service = staticmethod(services.mileage_claim_create)


class MobilisationPlanViewSet(
    ScopedCreateReadViewSet, prefix="mobilisation-plans", basename="mobilisation-plan"
):
    """20-week mobilisation plans, their milestones due by week from the contract's start `[001 P2 §4.4]`."""

    queryset = MobilisationPlan.objects.prefetch_related("milestones")
    serializer_class = s.MobilisationPlanSerializer
    write_capability = Capability.COMMISSION
    create_service = staticmethod(services.mobilisation_plan_create)
    organisation_arg = None


class MilestoneViewSet(
    ScopedReadOnlyViewSet, prefix="mobilisation-milestones", basename="mobilisation-milestone"
):
    """Mobilisation milestones; the provider reports progress with the `progress` action."""

    queryset = MobilisationMilestone.objects.all()
    serializer_class = s.MilestoneSerializer
    action_capabilities = {"progress": Capability.PROVIDER_MANAGE}

    @extend_schema(request=s.MilestoneProgressSerializer, responses={200: s.MilestoneSerializer, **REFUSED})
    @action(detail=True, methods=["post"])
    @transaction.atomic
    def progress(self, request, pk=None):
        milestone = self.get_object()  # scoped (404) and the role checked (403) before the input
        data = self.action_input(s.MilestoneProgressSerializer)
        milestone = services.milestone_update(actor=request.user, milestone=milestone, **data)
        return Response(s.MilestoneSerializer(self.rescoped(milestone)).data)


class AgencyCostViewSet(ScopedCreateReadViewSet, prefix="mobilisation-agency-costs", basename="agency-cost"):
    """Agency staff costs during mobilisation: always the provider's own `[001 P2 §4.4]`."""

    queryset = MobilisationAgencyCost.objects.all()
    serializer_class = s.AgencyCostSerializer
    write_capability = Capability.PROVIDER_MANAGE
    create_service = staticmethod(services.agency_cost_record)
    organisation_arg = None
