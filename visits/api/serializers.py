from rest_framework import serializers

from packages_of_care.api.serializers import CareRecordSerializer
from packages_of_care.models import IndividualServiceOrder
from portal.api.fields import ScopedPrimaryKeyRelatedField
from portal.uploads.columns import ParseError, parse_datetime
from visits.models import ManualReason, Verification, Visit, VisitStatus


class LondonDateTimeField(serializers.DateTimeField):
    """Reads times as every other way in does: an offset, or UK time; a time the clock change
    makes ambiguous or impossible is refused rather than guessed."""

    def to_internal_value(self, value):
        try:
            parsed = parse_datetime(value)
        except ParseError as exc:
            raise serializers.ValidationError(str(exc)) from exc
        if parsed is None:
            if self.required or not self.allow_null:
                self.fail("null")
        return parsed


class VisitSerializer(CareRecordSerializer):
    order = ScopedPrimaryKeyRelatedField(queryset=IndividualServiceOrder.objects.all())
    service_user = serializers.CharField(source="order.service_user.name", read_only=True)
    scheduled_start = LondonDateTimeField()
    scheduled_end = LondonDateTimeField()
    actual_start = LondonDateTimeField(required=False, allow_null=True)
    actual_end = LondonDateTimeField(required=False, allow_null=True)
    cancelled_at = LondonDateTimeField(required=False, allow_null=True)
    status = serializers.ChoiceField(choices=VisitStatus.choices)
    verification = serializers.ChoiceField(choices=Verification.choices, default=Verification.ECM)
    manual_reason = serializers.ChoiceField(choices=ManualReason.choices, required=False, allow_blank=True)

    class Meta:
        model = Visit
        fields = [
            "id",
            "order",
            "order_reference",
            "service_user",
            "provider",
            "commissioner",
            "visit_date",
            "scheduled_start",
            "scheduled_end",
            "scheduled_minutes",
            "actual_start",
            "actual_end",
            "actual_minutes",
            "carer_reference",
            "second_carer_reference",
            "carers",
            "time_critical",
            "status",
            "cancelled_at",
            "cancellation_reason",
            "verification",
            "manual_reason",
            "missed_explanation",
            "missed_remedy",
            "missed_explained_at",
            "source",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "provider",
            "commissioner",
            "visit_date",
            "scheduled_minutes",
            "actual_minutes",
            "missed_explained_at",
            "source",
            "created_at",
            "updated_at",
        ]
        # The natural key is not a uniqueness error here: the same visit again updates it.
        validators: list = []
        extra_kwargs = {
            "carers": {"min_value": 1, "max_value": 4},
            "missed_explanation": {"required": False},
            "missed_remedy": {"required": False},
        }


class VisitUpdateSerializer(VisitSerializer):
    """Corrections: the order stays; anything else may change (checked like any submission)."""

    order = serializers.PrimaryKeyRelatedField(read_only=True)


class VisitBulkItemSerializer(serializers.Serializer):
    """One visit in a bulk submission; the order is named by its reference (ISO number)."""

    order_reference = serializers.CharField(max_length=40)
    scheduled_start = serializers.CharField(
        help_text="e.g. 2026-04-01T08:00:00+01:00, or UK time without an offset"
    )
    scheduled_end = serializers.CharField()
    actual_start = serializers.CharField(required=False, allow_null=True)
    actual_end = serializers.CharField(required=False, allow_null=True)
    carer_reference = serializers.CharField(max_length=40)
    second_carer_reference = serializers.CharField(required=False, allow_blank=True)
    carers = serializers.IntegerField(required=False, min_value=1, max_value=4)
    time_critical = serializers.BooleanField(required=False)
    status = serializers.ChoiceField(choices=VisitStatus.choices)
    cancelled_at = serializers.CharField(required=False, allow_null=True)
    cancellation_reason = serializers.CharField(required=False, allow_blank=True)
    verification = serializers.ChoiceField(choices=Verification.choices, required=False)
    manual_reason = serializers.ChoiceField(choices=ManualReason.choices, required=False, allow_blank=True)
    missed_explanation = serializers.CharField(required=False, allow_blank=True)
    missed_remedy = serializers.CharField(required=False, allow_blank=True)


class RowErrorSerializer(serializers.Serializer):
    row = serializers.IntegerField(help_text="The item's position in the array, the first being 1.")
    field = serializers.CharField()
    message = serializers.CharField()


class BulkResultSerializer(serializers.Serializer):
    dry_run = serializers.BooleanField()
    read = serializers.IntegerField()
    new = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    rejected = serializers.IntegerField()
    errors = RowErrorSerializer(many=True)
    detail = serializers.CharField(required=False, help_text="Why the submission was refused (400 only).")


class ExplanationSerializer(serializers.Serializer):
    explanation = serializers.CharField(max_length=2000)
    remedy = serializers.CharField(max_length=2000)
