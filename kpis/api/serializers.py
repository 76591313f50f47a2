from rest_framework import serializers

from kpis.models import KpiDefinition, KpiReturn, KpiValue, ReturnComment


class KpiDefinitionSerializer(serializers.ModelSerializer):
    class Meta:
        model = KpiDefinition
        fields = [
            "id",
            "commissioner",
            "lot",
            "code",
            "title",
            "description",
            "specification_reference",
            "unit",
            "obtained",
            "calculation",
            "window",
            "per_scheme",
            "direction",
            "target",
            "target_rule",
            "rule_count",
            "rule_percent",
            "target_text",
            "position",
            "is_active",
        ]


class KpiValueSerializer(serializers.ModelSerializer):
    code = serializers.CharField(source="definition.code", read_only=True)
    title = serializers.CharField(source="definition.title", read_only=True)
    unit = serializers.CharField(source="definition.unit", read_only=True)
    obtained = serializers.CharField(source="definition.obtained", read_only=True)
    quarter = serializers.CharField(source="kpi_return.quarter", read_only=True)
    revision = serializers.IntegerField(source="kpi_return.revision", read_only=True)
    status = serializers.CharField(source="kpi_return.status", read_only=True)
    lot = serializers.IntegerField(source="kpi_return.lot_id", read_only=True)
    contract = serializers.IntegerField(source="kpi_return.contract_id", read_only=True)
    breakdown = serializers.JSONField(read_only=True)

    class Meta:
        model = KpiValue
        fields = [
            "id",
            "kpi_return",
            "quarter",
            "revision",
            "status",
            "commissioner",
            "provider",
            "lot",
            "contract",
            "scheme",
            "definition",
            "code",
            "title",
            "unit",
            "obtained",
            "numerator",
            "denominator",
            "value",
            "text",
            "threshold",
            "rag",
            "window_start",
            "window_end",
            "breakdown",
            "note",
            "commentary",
        ]
        read_only_fields = fields


class ReturnCommentSerializer(serializers.ModelSerializer):
    class Meta:
        model = ReturnComment
        fields = ["id", "value", "kind", "round", "text", "created_at"]


class KpiReturnSerializer(serializers.ModelSerializer):
    # Plain text in the schema (draft, submitted, queried, resubmitted, accepted), so this app adds
    # no "status" enum to the many the schema already names.
    status = serializers.CharField(
        read_only=True, help_text="draft, submitted, queried, resubmitted or accepted"
    )

    class Meta:
        model = KpiReturn
        fields = [
            "id",
            "contract",
            "commissioner",
            "provider",
            "lot",
            "quarter",
            "period_start",
            "period_end",
            "revision",
            "is_latest",
            "status",
            "commentary",
            "computed_at",
            "submitted_at",
            "reviewed_at",
        ]
        read_only_fields = fields


class QueryRequestSerializer(serializers.Serializer):
    queries = serializers.DictField(
        child=serializers.CharField(),
        help_text="{value id: the council's query on that figure}",
        allow_empty=False,
    )


class AnswerRequestSerializer(serializers.Serializer):
    answers = serializers.DictField(
        child=serializers.CharField(), help_text="{value id: the provider's answer}"
    )


class AcceptRequestSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="")
