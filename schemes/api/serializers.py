from decimal import Decimal
from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from portal.api.fields import ScopedPrimaryKeyRelatedField
from portal.api.serializers import PortalModelSerializer
from portal.models import Organisation
from schemes.models import (
    Contract,
    ContractRate,
    Framework,
    Lot,
    PaymentModel,
    Scheme,
    SchemeUnitGroup,
    SchemeUnplannedHours,
)
from schemes.selectors import provider_named
from schemes.services import CONTRACT_CHANGEABLE


class FrameworkSerializer(PortalModelSerializer):
    class Meta:
        model = Framework
        fields = [
            "id",
            "commissioner",
            "commissioner_name",
            "name",
            "reference",
            "description",
            "start_date",
            "end_date",
            "is_open",
            "specification",
        ]


class LotSerializer(serializers.ModelSerializer):
    class Meta:
        model = Lot
        fields = ["id", "framework", "number", "name", "description"]


class SchemeUnitGroupSerializer(serializers.ModelSerializer):
    class Meta:
        model = SchemeUnitGroup
        fields = ["unit_type", "size", "tenure", "count", "care_provided", "note"]


class SchemeSerializer(serializers.ModelSerializer):
    standard_units = serializers.IntegerField(read_only=True)
    dementia_units = serializers.IntegerField(read_only=True)
    total_units = serializers.IntegerField(read_only=True)
    units = SchemeUnitGroupSerializer(many=True, read_only=True)

    class Meta:
        model = Scheme
        fields = [
            "id",
            "lot",
            "name",
            "landlord",
            "address",
            "postcode",
            "unplanned_hours_per_week",
            "estimated_planned_hours_per_week",
            "keypad_dementia_access",
            "standard_units",
            "dementia_units",
            "total_units",
            "units",
        ]


class ContractRateSerializer(serializers.ModelSerializer):
    class Meta:
        model = ContractRate
        fields = ["effective_from", "planned_hourly_rate", "unplanned_hourly_rate", "note"]


class SchemeUnplannedHoursSerializer(serializers.ModelSerializer):
    scheme_name = serializers.CharField(source="scheme.name", read_only=True)

    class Meta:
        model = SchemeUnplannedHours
        fields = ["scheme", "scheme_name", "effective_from", "hours_per_week"]


class ContractSerializer(PortalModelSerializer):
    rates = ContractRateSerializer(many=True, read_only=True)
    unplanned_hours = SchemeUnplannedHoursSerializer(many=True, read_only=True)
    lot_name = serializers.CharField(source="lot.name", read_only=True)

    class Meta:
        model = Contract
        fields = [
            "id",
            "reference",
            "title",
            "commissioner",
            "commissioner_name",
            "provider",
            "provider_name",
            "lot",
            "lot_name",
            "schemes",
            "start_date",
            "end_date",
            "notice_period_days",
            "payment_model",
            "payment_period_anchor",
            "late_visit_minutes",
            "late_visit_minutes_time_critical",
            "purchase_order_number",
            "rates",
            "unplanned_hours",
        ]


@extend_schema_field(OpenApiTypes.STR)
class ProviderField(serializers.RelatedField):
    """A provider by id, name or CQC location ID (`schemes.selectors.provider_named`)."""

    default_error_messages = {"unknown": "No provider {value!r}."}

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(queryset=Organisation.objects.providers(), **kwargs)

    def to_internal_value(self, data: Any) -> Organisation:
        found = provider_named(str(data))
        if found is None:
            self.fail("unknown", value=str(data).strip())
        return found

    def to_representation(self, value: Organisation) -> int:
        return value.pk


class ContractCreateSerializer(serializers.Serializer):
    """A new contract: the commissioner is the caller's organisation; the first rate runs from the
    start date, and each scheme's unplanned-care hours start as the specification gives them (set
    others with the `unplanned-hours` action)."""

    provider = ProviderField(help_text="The provider's id, name or CQC location ID.")
    lot = ScopedPrimaryKeyRelatedField(queryset=Lot.objects.all())
    schemes = ScopedPrimaryKeyRelatedField(
        queryset=Scheme.objects.all(),
        many=True,
        required=False,
        help_text="Default: every scheme of the lot.",
    )
    reference = serializers.CharField(max_length=60)
    title = serializers.CharField(max_length=200, required=False, default="")
    start_date = serializers.DateField()
    end_date = serializers.DateField(required=False, allow_null=True, default=None)
    payment_model = serializers.ChoiceField(choices=PaymentModel.choices)
    payment_period_anchor = serializers.DateField(required=False, allow_null=True, default=None)
    notice_period_days = serializers.IntegerField(min_value=0, required=False, default=90)
    planned_hourly_rate = serializers.DecimalField(max_digits=8, decimal_places=2, min_value=Decimal("0"))
    unplanned_hourly_rate = serializers.DecimalField(
        max_digits=8, decimal_places=2, min_value=Decimal("0"), required=False, allow_null=True, default=None
    )
    purchase_order_number = serializers.CharField(max_length=40, required=False, default="", allow_blank=True)


class ContractChangeSerializer(serializers.ModelSerializer):
    class Meta:
        model = Contract
        fields = CONTRACT_CHANGEABLE


class UnplannedHoursInputSerializer(serializers.Serializer):
    scheme = ScopedPrimaryKeyRelatedField(queryset=Scheme.objects.all())
    effective_from = serializers.DateField()
    hours_per_week = serializers.DecimalField(max_digits=7, decimal_places=2, min_value=Decimal("0"))
