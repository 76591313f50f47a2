"""Spreadsheet export of orders (django-import-export), CSV or XLSX, for either side.

The queryset passed in is already scoped to the user; the weekly hours and price in force today
come from `selectors.with_current_version` (one subquery), so an export of thousands of orders
is one query. Import is not offered: orders change through the services, one verb at a time.
"""

from import_export import fields
from import_export.widgets import DateWidget, DecimalWidget

from portal.exports import SafeExportResource

from . import selectors
from .models import IndividualServiceOrder

EXPORTED_COLUMNS = (
    "reference",
    "status",
    "start_date",
    "end_date",
    "is_planned_care",
    "service_user__reference",
    "service_user__name",
    "service_user__flat",
    "service_user__scheme__name",
    "commissioner__name",
    "provider__name",
    "contract__reference",
)
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


class OrderResource(SafeExportResource):
    reference = fields.Field(attribute="reference", column_name="Order (ISO / CPLI)")
    person_reference = fields.Field(attribute="service_user__reference", column_name="Person's reference")
    person = fields.Field(attribute="service_user__name", column_name="Person")
    scheme = fields.Field(attribute="service_user__scheme__name", column_name="Scheme")
    flat = fields.Field(attribute="service_user__flat", column_name="Flat")
    commissioner = fields.Field(attribute="commissioner__name", column_name="Commissioner")
    provider = fields.Field(attribute="provider__name", column_name="Provider")
    contract = fields.Field(attribute="contract__reference", column_name="Contract")
    status = fields.Field(column_name="Status")
    start_date = fields.Field(attribute="start_date", column_name="Start", widget=DateWidget("%Y-%m-%d"))
    end_date = fields.Field(attribute="end_date", column_name="End", widget=DateWidget("%Y-%m-%d"))
    weekly_hours = fields.Field(
        attribute="current_weekly_hours", column_name="Hours per week (now)", widget=DecimalWidget()
    )
    weekly_price = fields.Field(
        attribute="current_weekly_price", column_name="Weekly price £ (now)", widget=DecimalWidget()
    )
    versions = fields.Field(attribute="version_count", column_name="Versions")
    planned_care = fields.Field(column_name="Planned care")

    class Meta:
        model = IndividualServiceOrder
        fields = (
            "reference",
            "person_reference",
            "person",
            "scheme",
            "flat",
            "commissioner",
            "provider",
            "contract",
            "status",
            "start_date",
            "end_date",
            "weekly_hours",
            "weekly_price",
            "versions",
            "planned_care",
        )
        export_order = fields

    def dehydrate_status(self, order):
        return order.get_status_display()

    def dehydrate_planned_care(self, order):
        return "Yes" if order.is_planned_care else "No"


def export_orders(queryset, fmt: str) -> tuple[bytes | str, str]:
    """(content, content type) for the scoped queryset, in `fmt` ("csv" or "xlsx")."""
    # Only the columns written: building five whole model instances per row was most of the time.
    queryset = selectors.with_current_version(
        queryset.select_related(
            "service_user", "service_user__scheme", "commissioner", "provider", "contract"
        ).only(*EXPORTED_COLUMNS)
    ).order_by("reference")
    dataset = OrderResource().export(queryset)
    return dataset.export(fmt), CONTENT_TYPES[fmt]
