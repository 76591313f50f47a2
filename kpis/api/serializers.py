from rest_framework import serializers

from kpis.models import DEFINITION_COLUMNS, FIGURE_COLUMNS, KpiDefinition, KpiReturn, KpiValue, ReturnComment


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
    contract_reference = serializers.CharField(source="kpi_return.contract.reference", read_only=True)
    commissioner_name = serializers.CharField(source="commissioner.name", read_only=True)
    provider_name = serializers.CharField(source="provider.name", read_only=True)
    scheme_name = serializers.CharField(source="scheme.name", read_only=True, default=None, allow_null=True)
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
            "commissioner_name",
            "provider",
            "provider_name",
            "lot",
            "contract",
            "contract_reference",
            "scheme",
            "scheme_name",
            "definition",
            *DEFINITION_COLUMNS,
            *FIGURE_COLUMNS,
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
    contract_reference = serializers.CharField(source="contract.reference", read_only=True)
    commissioner_name = serializers.CharField(source="commissioner.name", read_only=True)
    provider_name = serializers.CharField(source="provider.name", read_only=True)

    class Meta:
        model = KpiReturn
        fields = [
            "id",
            "contract",
            "contract_reference",
            "commissioner",
            "commissioner_name",
            "provider",
            "provider_name",
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
