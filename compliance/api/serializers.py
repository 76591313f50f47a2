from rest_framework import serializers

from compliance.models import (
    CapacitySnapshot,
    ComplianceTerms,
    DutyKind,
    InsuranceCertificate,
    InsuranceKind,
    InsuranceRequirement,
    PolicyKind,
    ProviderDuty,
    ProviderPolicy,
    RatingChange,
    RatingNotification,
    Regulator,
)
from portal.api.fields import ScopedPrimaryKeyRelatedField
from portal.api.serializers import PortalModelSerializer
from portal.models import CqcRating, Organisation
from portal.uploads.limits import validate_upload_size
from schemes.models import Lot

RATINGS = ", ".join(CqcRating.values)


class RatingChangeSerializer(serializers.ModelSerializer):
    regulator = serializers.ChoiceField(choices=Regulator.choices, default=Regulator.CQC)
    # Plain strings (one of the regulators' ratings), not an enum component: the same values are
    # the organisation's `cqc_rating` elsewhere in the API, and one choice set with two names
    # makes drf-spectacular warn.
    rating = serializers.CharField(help_text=f"One of: {RATINGS}.")
    previous_rating = serializers.CharField(read_only=True, help_text=f"One of: {RATINGS}, or empty.")

    def validate_rating(self, value):
        if value not in CqcRating.values:
            raise serializers.ValidationError(f"Choose one of: {RATINGS}.")
        return value

    class Meta:
        model = RatingChange
        fields = [
            "id",
            "provider",
            "regulator",
            "location_id",
            "previous_rating",
            "rating",
            "rated_on",
            "report_received_at",
            "notify_by",
            "note",
            "recorded_at",
        ]
        read_only_fields = ["provider", "previous_rating", "notify_by", "recorded_at"]
        extra_kwargs = {"report_received_at": {"required": False}}


class RatingNotificationSerializer(PortalModelSerializer):
    rating = serializers.CharField(source="change.rating", read_only=True)
    rated_on = serializers.DateField(source="change.rated_on", read_only=True)
    is_late = serializers.BooleanField(read_only=True)
    has_action_plan_file = serializers.SerializerMethodField()

    class Meta:
        model = RatingNotification
        fields = [
            "id",
            "change",
            "provider",
            "provider_name",
            "commissioner",
            "commissioner_name",
            "rating",
            "rated_on",
            "due_on",
            "due_at",
            "report_required",
            "plan_required",
            "status",
            "notified_at",
            "is_late",
            "has_report_file",
            "plan_due_on",
            "plan_sent_at",
            "plan_is_late",
            "action_plan_summary",
            "has_action_plan_file",
            "accepted_at",
            "response",
        ]
        read_only_fields = fields

    is_late = serializers.BooleanField(read_only=True)
    plan_is_late = serializers.BooleanField(read_only=True)
    has_report_file = serializers.SerializerMethodField()

    def get_has_action_plan_file(self, obj) -> bool:
        return bool(obj.action_plan)

    def get_has_report_file(self, obj) -> bool:
        return bool(obj.report)


class NotificationSendSerializer(serializers.Serializer):
    summary = serializers.CharField(required=False, allow_blank=True, default="")
    report = serializers.FileField(
        required=False, allow_null=True, default=None, validators=[validate_upload_size]
    )
    action_plan = serializers.FileField(
        required=False, allow_null=True, default=None, validators=[validate_upload_size]
    )


class ActionPlanSerializer(serializers.Serializer):
    summary = serializers.CharField(required=False, allow_blank=True, default="")
    action_plan = serializers.FileField(
        required=False, allow_null=True, default=None, validators=[validate_upload_size]
    )


class TimescaleSerializer(serializers.Serializer):
    plan_due_on = serializers.DateField()


class NotificationAcceptSerializer(serializers.Serializer):
    response = serializers.CharField(required=False, allow_blank=True, default="")


class ComplianceTermsSerializer(PortalModelSerializer):
    class Meta:
        model = ComplianceTerms
        fields = [
            "id",
            "commissioner",
            "commissioner_name",
            "inspection_report_hours",
            "rating_notice_working_days",
            "safeguarding_contact",
            "self_assessment_months",
            "source",
        ]
        read_only_fields = ["commissioner"]
        validators = []


class ProviderDutySerializer(PortalModelSerializer):
    commissioner = ScopedPrimaryKeyRelatedField(queryset=Organisation.objects.commissioners())
    duty_kind = serializers.ChoiceField(source="kind", choices=DutyKind.choices)

    class Meta:
        model = ProviderDuty
        fields = [
            "id",
            "provider",
            "provider_name",
            "commissioner",
            "commissioner_name",
            "duty_kind",
            "summary",
            "occurred_on",
            "due_on",
            "status",
            "done_at",
            "decided_at",
            "response",
        ]
        read_only_fields = ["provider", "due_on", "status", "done_at", "decided_at", "response"]


class DutySendSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="")


class DutyDecideSerializer(serializers.Serializer):
    consent = serializers.BooleanField()
    response = serializers.CharField(required=False, allow_blank=True, default="")


class InsuranceCertificateSerializer(serializers.ModelSerializer):
    insurance_kind = serializers.ChoiceField(source="kind", choices=InsuranceKind.choices)

    class Meta:
        model = InsuranceCertificate
        fields = [
            "id",
            "provider",
            "insurance_kind",
            "insurer",
            "policy_number",
            "cover_amount",
            "starts_on",
            "expires_on",
            "document",
            "created_at",
        ]
        read_only_fields = ["provider", "created_at"]
        extra_kwargs = {"document": {"required": False, "write_only": True}}


class InsuranceRequirementSerializer(PortalModelSerializer):
    insurance_kind = serializers.ChoiceField(source="kind", choices=InsuranceKind.choices)

    class Meta:
        model = InsuranceRequirement
        fields = ["id", "commissioner", "commissioner_name", "insurance_kind", "minimum_cover", "source"]
        read_only_fields = ["commissioner"]
        validators = []


class ProviderPolicySerializer(serializers.ModelSerializer):
    policy_kind = serializers.ChoiceField(source="kind", choices=PolicyKind.choices)

    class Meta:
        model = ProviderPolicy
        fields = [
            "id",
            "provider",
            "policy_kind",
            "title",
            "version",
            "approved_on",
            "review_due_on",
            "document",
            "created_at",
        ]
        read_only_fields = ["provider", "created_at"]
        extra_kwargs = {
            "document": {"required": False, "write_only": True},
            "title": {"required": False, "default": ""},
        }


class CapacitySnapshotSerializer(serializers.ModelSerializer):
    lot = ScopedPrimaryKeyRelatedField(queryset=Lot.objects.all())

    class Meta:
        model = CapacitySnapshot
        fields = [
            "id",
            "provider",
            "lot",
            "commissioner",
            "week_starting",
            "area",
            "available_hours",
            "note",
            "reported_at",
        ]
        read_only_fields = ["provider", "commissioner", "reported_at"]
        validators = []


class GapSerializer(serializers.Serializer):
    text = serializers.CharField()
    overdue = serializers.BooleanField()


class ProviderComplianceSerializer(serializers.ModelSerializer):
    gaps = serializers.SerializerMethodField()

    class Meta:
        model = Organisation
        fields = ["id", "name", "cqc_location_id", "cqc_rating", "cqc_rating_date", "gaps"]

    def get_gaps(self, provider) -> list[dict]:
        gaps = self.context.get("gaps", {}).get(provider.pk)
        return GapSerializer(gaps.gaps if gaps else [], many=True).data
