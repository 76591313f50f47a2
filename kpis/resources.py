"""django-import-export resources: KPI values out as CSV or XLSX (export only)."""

from import_export import fields

from portal.exports import SafeExportResource

from .models import DEFINITION_COLUMNS, FIGURE_COLUMNS, KpiValue


class KpiValueResource(SafeExportResource):
    commissioner = fields.Field(attribute="commissioner__name", column_name="commissioner")
    provider = fields.Field(attribute="provider__name", column_name="provider")
    contract = fields.Field(attribute="kpi_return__contract__reference", column_name="contract")
    lot = fields.Field(attribute="kpi_return__lot__name", column_name="lot")
    scheme = fields.Field(attribute="scheme__name", column_name="scheme")
    quarter = fields.Field(attribute="kpi_return__quarter", column_name="quarter")
    revision = fields.Field(attribute="kpi_return__revision", column_name="revision")
    status = fields.Field(attribute="kpi_return__status", column_name="status")
    code = fields.Field(attribute="definition__code", column_name="code")
    title = fields.Field(attribute="definition__title", column_name="title")
    unit = fields.Field(attribute="definition__unit", column_name="unit")
    obtained = fields.Field(attribute="definition__obtained", column_name="obtained")
    target = fields.Field(attribute="definition__target_text", column_name="target")

    class Meta:
        model = KpiValue
        fields = (
            "commissioner",
            "provider",
            "contract",
            "lot",
            "scheme",
            "quarter",
            "revision",
            "status",
            *DEFINITION_COLUMNS,
            *FIGURE_COLUMNS,
            "target",
            "rag",
            "window_start",
            "window_end",
            "commentary",
        )
        export_order = fields

    def get_queryset(self):  # pragma: no cover - callers always pass a scoped queryset
        return KpiValue.objects.none()
