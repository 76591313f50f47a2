from rest_framework import serializers

from compliance.models import (
    CapacitySnapshot,
    InsuranceCertificate,
    InsuranceKind,
    InsuranceRequirement,
    PolicyKind,
    ProviderPolicy,
    RatingChange,
    RatingNotification,
    Regulator,
)
from portal.api.fields import ScopedPrimaryKeyRelatedField
from portal.models import CqcRating, Organisation
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
            "notify_by",
            "note",
            "recorded_at",
        ]
        read_only_fields = ["provider", "previous_rating", "notify_by", "recorded_at"]


class RatingNotificationSerializer(serializers.ModelSerializer):
    commissioner_name = serializers.CharField(source="commissioner.name", read_only=True)
    provider_name = serializers.CharField(source="provider.name", read_only=True)
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
            "notified_at",
            "is_late",
            "action_plan_summary",
            "has_action_plan_file",
            "accepted_at",
            "response",
        ]
        read_only_fields = fields

    def get_has_action_plan_file(self, obj) -> bool:
        return bool(obj.action_plan)


class NotificationSendSerializer(serializers.Serializer):
    summary = serializers.CharField(required=False, allow_blank=True, default="")
    action_plan = serializers.FileField(required=False, allow_null=True, default=None)


class NotificationAcceptSerializer(serializers.Serializer):
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


class InsuranceRequirementSerializer(serializers.ModelSerializer):
    insurance_kind = serializers.ChoiceField(source="kind", choices=InsuranceKind.choices)
    commissioner_name = serializers.CharField(source="commissioner.name", read_only=True)

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
        extra_kwargs = {"document": {"required": False, "write_only": True}, "title": {"required": False}}


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
