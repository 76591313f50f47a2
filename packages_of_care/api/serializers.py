"""API representations. Writes go through services; every related id a client writes is a
`ScopedPrimaryKeyRelatedField` (an id the caller cannot see answers 404)."""

from decimal import Decimal

from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from portal.api.fields import ScopedPrimaryKeyRelatedField, WallClockTimeField
from portal.api.serializers import PortalModelSerializer
from schemes.models import Contract, Scheme

from .. import rules
from ..models import (
    Absence,
    CarePlan,
    DeclineReason,
    IndividualServiceOrder,
    OrderOutcome,
    OrderVersion,
    Referral,
    ReferralDecision,
    ScheduledVisit,
    ServiceEndReason,
    ServiceUser,
    TemporaryVariation,
)

HOURS = {"max_digits": 6, "decimal_places": 2, "min_value": Decimal("0.25")}
PRICE = {
    "max_digits": 9,
    "decimal_places": 2,
    "min_value": Decimal("0"),
    "required": False,
    "allow_null": True,
}


# Names the person and the order a record is about, for serializers that list them.
class CareRecordSerializer(PortalModelSerializer):
    service_user_name = serializers.CharField(source="service_user.name", read_only=True)
    order_reference = serializers.CharField(source="order.reference", read_only=True)


class ServiceUserSerializer(serializers.ModelSerializer):
    scheme = ScopedPrimaryKeyRelatedField(queryset=Scheme.objects.all(), allow_null=True, required=False)
    scheme_name = serializers.CharField(source="scheme.name", read_only=True, default=None, allow_null=True)

    class Meta:
        model = ServiceUser
        fields = [
            "id",
            "commissioner",
            "reference",
            "name",
            "date_of_birth",
            "scheme",
            "scheme_name",
            "flat",
            "funding_route",
            "is_customer",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["commissioner", "created_at", "updated_at"]
        # Uniqueness per commissioner is checked by the service, which knows the commissioner.
        validators = []


class MeasureSerializer(serializers.Serializer):
    code = serializers.CharField()
    title = serializers.CharField()
    state = serializers.CharField(help_text="met, not met, in progress or not applicable")
    met = serializers.BooleanField(allow_null=True)
    due = serializers.CharField(allow_null=True, help_text="Date, or date and time for R5")
    taken = serializers.CharField(allow_null=True)
    unit = serializers.CharField()


# What the referral's provider records through the actions (respond, decide, progress), never on create.
REFERRAL_PROGRESS = [
    "commissioner",
    "provider",
    "responded_at",
    "decision",
    "decided_at",
    "decline_reason",
    "decline_detail",
    "first_visit_date",
    "support_solution_agreed_date",
    "created_at",
]


class ReferralSerializer(CareRecordSerializer):
    service_user = ScopedPrimaryKeyRelatedField(queryset=ServiceUser.objects.all())
    contract = ScopedPrimaryKeyRelatedField(queryset=Contract.objects.all())
    reference = serializers.CharField(max_length=40, required=False, allow_blank=True)
    measures = serializers.SerializerMethodField(help_text="Dorset KPIs R5–R8 for this referral, as of now.")
    # Named as on orders, so both share one enum in the schema.
    ended_on = serializers.DateField(source="service_ended_on", read_only=True, allow_null=True)
    end_reason = serializers.ChoiceField(
        source="service_end_reason", choices=ServiceEndReason.choices, read_only=True, allow_blank=True
    )
    end_detail = serializers.CharField(source="service_end_detail", read_only=True)

    class Meta:
        model = Referral
        fields = [
            "id",
            "reference",
            "provider_name",
            "contract",
            "service_user",
            "service_user_name",
            "received_at",
            "referring_team",
            "is_emergency",
            "needs_summary",
            *REFERRAL_PROGRESS,
            "ended_on",
            "end_reason",
            "end_detail",
            "measures",
        ]
        read_only_fields = REFERRAL_PROGRESS
        validators = []

    @extend_schema_field(MeasureSerializer(many=True))
    def get_measures(self, referral):
        now = self.context.get("now") or timezone.now()
        return [
            {
                "code": m.code,
                "title": m.title,
                "state": m.state,
                "met": m.met,
                "due": None if m.due is None else m.due.isoformat(),
                "taken": None if m.taken is None else str(m.taken),
                "unit": m.unit,
            }
            for m in rules.referral_measures(referral, now=now)
        ]


class ReferralRespondSerializer(serializers.Serializer):
    responded_at = serializers.DateTimeField(required=False, help_text="Default: now.")


class ReferralDecideSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=[ReferralDecision.ACCEPTED, ReferralDecision.DECLINED])
    decline_reason = serializers.ChoiceField(choices=DeclineReason.choices, required=False, allow_blank=True)
    decline_detail = serializers.CharField(required=False, allow_blank=True)
    decided_at = serializers.DateTimeField(required=False, help_text="Default: now.")


class ReferralProgressSerializer(serializers.Serializer):
    first_visit_date = serializers.DateField(required=False)
    support_solution_agreed_date = serializers.DateField(required=False)


class ReferralEndServiceSerializer(serializers.Serializer):
    ended_on = serializers.DateField(help_text="The day the service ended.")
    end_reason = serializers.ChoiceField(choices=ServiceEndReason.choices)
    end_detail = serializers.CharField(required=False, allow_blank=True, help_text="Required for “other”.")


class ScheduledVisitSerializer(serializers.ModelSerializer):
    start_time = WallClockTimeField()

    class Meta:
        model = ScheduledVisit
        fields = ["weekday", "start_time", "duration_minutes", "carers", "time_critical", "tasks"]


class OrderOutcomeSerializer(serializers.ModelSerializer):
    class Meta:
        model = OrderOutcome
        fields = ["id", "service_element", "category", "description"]


class OrderVersionSerializer(serializers.ModelSerializer):
    schedule = ScheduledVisitSerializer(many=True, read_only=True)
    outcomes = OrderOutcomeSerializer(many=True, read_only=True)

    class Meta:
        model = OrderVersion
        fields = [
            "id",
            "order",
            "number",
            "effective_from",
            "weekly_hours",
            "weekly_price",
            "reason",
            "created_at",
            "schedule",
            "outcomes",
        ]


# What the order's moves set (issue, accept, decline, suspend, end…), never create or update.
ORDER_STATE = [
    "status",
    "commissioner",
    "provider",
    "issued_at",
    "responded_at",
    "decline_reason",
    "decline_detail",
    "suspended_reason",
    "ended_at",
    "end_reason",
    "end_detail",
    "created_at",
    "updated_at",
]


class OrderSerializer(CareRecordSerializer):
    """An order with the weekly hours (and price) in force today. On create and update the first
    version's content is written with `weekly_hours`, `weekly_price`, `schedule` and `outcomes`."""

    contract = ScopedPrimaryKeyRelatedField(queryset=Contract.objects.all())
    service_user = ScopedPrimaryKeyRelatedField(queryset=ServiceUser.objects.all())
    referral = ScopedPrimaryKeyRelatedField(queryset=Referral.objects.all(), allow_null=True, required=False)
    reference = serializers.CharField(max_length=40, required=False, allow_blank=True)
    current_weekly_hours = serializers.DecimalField(
        max_digits=6, decimal_places=2, read_only=True, allow_null=True
    )
    current_weekly_price = serializers.DecimalField(
        max_digits=9, decimal_places=2, read_only=True, allow_null=True
    )
    version_count = serializers.IntegerField(read_only=True, allow_null=True)
    weekly_hours = serializers.DecimalField(write_only=True, **HOURS)
    weekly_price = serializers.DecimalField(write_only=True, **PRICE)
    schedule = ScheduledVisitSerializer(many=True, write_only=True, required=False)
    outcomes = OrderOutcomeSerializer(many=True, write_only=True, required=False)

    class Meta:
        model = IndividualServiceOrder
        fields = [
            "id",
            "reference",
            "provider_name",
            "contract",
            "service_user",
            "service_user_name",
            "referral",
            "start_date",
            "end_date",
            "is_planned_care",
            "is_emergency",
            "current_weekly_hours",
            "current_weekly_price",
            "version_count",
            *ORDER_STATE,
            "weekly_hours",
            "weekly_price",
            "schedule",
            "outcomes",
        ]
        read_only_fields = ORDER_STATE
        validators = []

    def validate(self, attrs):
        # Cross-record rules (same commissioner, contract in force…) are the service's to check.
        return attrs


class OrderAcceptSerializer(serializers.Serializer):
    password = serializers.CharField(
        required=False,
        allow_blank=True,
        style={"input_type": "password"},
        help_text="Signed in with a browser session: your password again. Not needed with an API token "
        "granted provider_manage.",
    )


class OrderDeclineSerializer(serializers.Serializer):
    decline_reason = serializers.ChoiceField(choices=DeclineReason.choices)
    decline_detail = serializers.CharField(
        required=False, allow_blank=True, help_text="Required for “other”."
    )


class OrderReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=1000)


class OrderSuspendSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=200)


class OrderEndSerializer(serializers.Serializer):
    end_date = serializers.DateField(help_text="The last day of care under the order.")
    end_reason = serializers.ChoiceField(choices=ServiceEndReason.choices)
    end_detail = serializers.CharField(required=False, allow_blank=True, help_text="Required for “other”.")


class OrderVarySerializer(serializers.Serializer):
    effective_from = serializers.DateField()
    weekly_hours = serializers.DecimalField(**HOURS)
    weekly_price = serializers.DecimalField(
        help_text="Weekly-package contracts; default: the current price.", **PRICE
    )
    reason = serializers.CharField(max_length=300)
    schedule = ScheduledVisitSerializer(
        many=True,
        required=False,
        help_text="Default: the current schedule (it must add up to the new hours).",
    )
    outcomes = OrderOutcomeSerializer(many=True, required=False, help_text="Default: the current outcomes.")


class TemporaryVariationSerializer(CareRecordSerializer):
    order = ScopedPrimaryKeyRelatedField(queryset=IndividualServiceOrder.objects.all())
    extra_hours_per_week = serializers.DecimalField(**HOURS)

    class Meta:
        model = TemporaryVariation
        fields = [
            "id",
            "order",
            "order_reference",
            "start_date",
            "end_date",
            "extra_hours_per_week",
            "reason",
            "status",
            "requested_at",
            "decided_at",
            "decision_note",
        ]
        read_only_fields = ["status", "requested_at", "decided_at", "decision_note"]
        validators = []


class DecisionNoteSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")


class AbsenceSerializer(serializers.ModelSerializer):
    service_user = ScopedPrimaryKeyRelatedField(queryset=ServiceUser.objects.all())
    recorded_by_organisation_name = serializers.CharField(
        source="recorded_by_organisation.name", read_only=True, default=None, allow_null=True
    )

    class Meta:
        model = Absence
        fields = [
            "id",
            "service_user",
            "kind",
            "start_date",
            "end_date",
            "notes",
            "recorded_by_organisation",
            "recorded_by_organisation_name",
            "retainer_full_pay_until",
            "retainer_agreed_by",
            "retainer_agreed_on",
            "retainer_note",
            "created_at",
        ]
        read_only_fields = [
            "recorded_by_organisation",
            "retainer_full_pay_until",
            "retainer_agreed_by",
            "retainer_agreed_on",
            "retainer_note",
            "created_at",
        ]
        validators = []


class AbsenceEndSerializer(serializers.Serializer):
    end_date = serializers.DateField()


class AbsenceRetainerSerializer(serializers.Serializer):
    """A longer full-pay retainer agreed in writing by the social worker `[004 §1.6.1 b]`."""

    full_pay_until = serializers.DateField(
        help_text="Paid in full up to and including this day (after day 7)."
    )
    agreed_by = serializers.CharField(max_length=200)
    agreed_on = serializers.DateField()
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")


class CarePlanSerializer(serializers.ModelSerializer):
    order = ScopedPrimaryKeyRelatedField(queryset=IndividualServiceOrder.objects.all())
    next_review_due = serializers.DateField(required=False, help_text="Default: a year after agreement.")
    is_overdue = serializers.SerializerMethodField()

    class Meta:
        model = CarePlan
        fields = [
            "id",
            "order",
            "service_user",
            "provider",
            "agreed_on",
            "last_reviewed_on",
            "next_review_due",
            "is_overdue",
            "potential_for_greater_independence",
            "summary",
            "is_current",
            "created_at",
        ]
        read_only_fields = ["service_user", "provider", "last_reviewed_on", "is_current", "created_at"]
        validators = []

    def get_is_overdue(self, plan) -> bool:
        return plan.is_current and plan.next_review_due < timezone.localdate()


class CarePlanReviewSerializer(serializers.Serializer):
    reviewed_on = serializers.DateField()
    next_review_due = serializers.DateField(required=False, help_text="Default: a year after the review.")
    summary = serializers.CharField(required=False, allow_blank=True)
    potential_for_greater_independence = serializers.BooleanField(
        required=False, allow_null=True, default=None
    )
