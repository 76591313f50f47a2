from rest_framework import serializers

from packages_of_care.models import ServiceUser
from portal.api.fields import ScopedPrimaryKeyRelatedField
from portal.models import Organisation
from portal.roles import OrganisationKind
from schemes.models import Contract

from ..models import (
    ClinicalQualityCheck,
    ContinuingCareEligibility,
    IndividualHealthPlan,
    MileageAgreement,
    MileageClaim,
    MilestoneStatus,
    MobilisationAgencyCost,
    MobilisationMilestone,
    MobilisationPlan,
    NurseDelegation,
)

PERSON = ScopedPrimaryKeyRelatedField


class EligibilitySerializer(serializers.ModelSerializer):
    service_user = PERSON(queryset=ServiceUser.objects.all())

    class Meta:
        model = ContinuingCareEligibility
        fields = ["id", "service_user", "decided_on", "review_due_on", "notes", "created_at"]
        read_only_fields = ["created_at"]
        validators: list = []


class HealthPlanSerializer(serializers.ModelSerializer):
    service_user = PERSON(queryset=ServiceUser.objects.all())

    class Meta:
        model = IndividualHealthPlan
        fields = ["id", "service_user", "version", "agreed_on", "review_due_on", "summary", "created_at"]
        read_only_fields = ["version", "created_at"]
        validators: list = []


class DelegationSerializer(serializers.ModelSerializer):
    service_user = PERSON(queryset=ServiceUser.objects.all())

    class Meta:
        model = NurseDelegation
        fields = [
            "id",
            "service_user",
            "provider",
            "overseeing_nurse",
            "nurse_pin",
            "care_worker",
            "care_worker_role",
            "tasks",
            "delegated_on",
            "competence_review_on",
            "created_at",
        ]
        read_only_fields = ["provider", "created_at"]


class QualityCheckSerializer(serializers.ModelSerializer):
    health_plan = PERSON(queryset=IndividualHealthPlan.objects.all())
    # The service checks the provider holds a live order for the plan's person.
    provider = serializers.PrimaryKeyRelatedField(
        queryset=Organisation.objects.filter(kind=OrganisationKind.PROVIDER)
    )

    class Meta:
        model = ClinicalQualityCheck
        fields = [
            "id",
            "service_user",
            "provider",
            "health_plan",
            "checked_on",
            "checked_by",
            "findings",
            "outcome",
            "actions",
            "actions_due_on",
            "created_at",
        ]
        read_only_fields = ["service_user", "created_at"]


class MileageAgreementSerializer(serializers.ModelSerializer):
    contract = PERSON(queryset=Contract.objects.all())
    service_user = PERSON(queryset=ServiceUser.objects.all(), allow_null=True, required=False)

    class Meta:
        model = MileageAgreement
        fields = [
            "id",
            "contract",
            "service_user",
            "reference",
            "purpose",
            "agreed_on",
            "valid_from",
            "valid_to",
            "rate_per_mile",
            "max_miles",
            "created_at",
        ]
        read_only_fields = ["created_at"]
        validators: list = []


class MileageClaimSerializer(serializers.ModelSerializer):
    agreement = PERSON(
        queryset=MileageAgreement.objects.all(),
        allow_null=True,
        required=False,
        help_text="The commissioner's prior agreement; a claim without one is refused [001 Part 2 §3.4].",
    )
    service_user = PERSON(queryset=ServiceUser.objects.all())

    class Meta:
        model = MileageClaim
        fields = [
            "id",
            "agreement",
            "service_user",
            "travelled_on",
            "miles",
            "amount",
            "journey",
            "created_at",
        ]
        read_only_fields = ["amount", "created_at"]


class MilestoneSerializer(serializers.ModelSerializer):
    class Meta:
        model = MobilisationMilestone
        fields = ["id", "plan", "week", "title", "due_on", "status", "completed_on"]
        read_only_fields = fields


class MilestoneProgressSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=MilestoneStatus.choices)
    completed_on = serializers.DateField(required=False, allow_null=True)


class MobilisationPlanSerializer(serializers.ModelSerializer):
    contract = PERSON(queryset=Contract.objects.all())
    milestones = MilestoneSerializer(many=True, read_only=True)

    class Meta:
        model = MobilisationPlan
        fields = ["id", "contract", "starts_on", "weeks", "milestones", "created_at"]
        read_only_fields = ["starts_on", "weeks", "created_at"]
        validators: list = []


class AgencyCostSerializer(serializers.ModelSerializer):
    plan = PERSON(queryset=MobilisationPlan.objects.all())
    borne_by_provider = serializers.BooleanField(read_only=True)

    class Meta:
        model = MobilisationAgencyCost
        fields = ["id", "plan", "incurred_on", "amount", "description", "borne_by_provider", "created_at"]
        read_only_fields = ["created_at"]
