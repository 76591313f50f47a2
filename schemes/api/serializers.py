from rest_framework import serializers

from schemes.models import (
    Contract,
    ContractRate,
    Framework,
    Lot,
    Scheme,
    SchemeUnitGroup,
    SchemeUnplannedHours,
)


class FrameworkSerializer(serializers.ModelSerializer):
    commissioner_name = serializers.CharField(source="commissioner.name", read_only=True)

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
    class Meta:
        model = SchemeUnplannedHours
        fields = ["scheme", "effective_from", "hours_per_week"]


class ContractSerializer(serializers.ModelSerializer):
    commissioner_name = serializers.CharField(source="commissioner.name", read_only=True)
    provider_name = serializers.CharField(source="provider.name", read_only=True)
    rates = ContractRateSerializer(many=True, read_only=True)
    unplanned_hours = SchemeUnplannedHoursSerializer(many=True, read_only=True)

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
            "schemes",
            "start_date",
            "end_date",
            "notice_period_days",
            "payment_model",
            "payment_period_anchor",
            "late_visit_minutes",
            "late_visit_minutes_time_critical",
            "rates",
            "unplanned_hours",
        ]
