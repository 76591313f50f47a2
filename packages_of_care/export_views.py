"""The orders export: the list page's orders, with its filters, as CSV or XLSX."""

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from portal.access_log.models import AccessAction
from portal.access_log.recording import record_read

from .api import filters
from .models import IndividualServiceOrder
from .resources import export_orders
from .views import PackagesListView


class OrderExportView(PackagesListView):
    """The orders the user sees, with the list's filters, as CSV or XLSX."""

    model = IndividualServiceOrder
    filterset_class = filters.OrderFilter
    http_method_names = ["get", "head"]

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        fmt = "xlsx" if request.GET.get("format") == "xlsx" else "csv"
        orders = self.get_queryset()
        content, content_type = export_orders(orders, fmt)
        record_read(
            request,
            action=AccessAction.EXPORTED,
            what=f"orders ({fmt})",
            queryset=orders,
            rows=orders.count(),
        )
        response = HttpResponse(content, content_type=content_type)
        filename = f"orders-{timezone.localdate():%Y-%m-%d}.{fmt}"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response
