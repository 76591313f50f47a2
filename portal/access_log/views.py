"""The access log page and its CSV export, for the organisation's managers (issue 15).

Its readers hold `Capability.MANAGE_PEOPLE`, the capability that runs the organisation's accounts.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from portal.exports import csv_writer
from portal.roles import Capability, CapabilityNeed
from portal.views import ScopedListView

from .models import AccessAction, AccessLogEntry
from .recording import record_read
from .selectors import AccessLogFilter

#: Who reads the access log: the organisation's managers.
ACCESS_LOG_READERS: CapabilityNeed = Capability.MANAGE_PEOPLE

CSV_HEADERS = [
    "When",
    "Read by",
    "Channel",
    "API key",
    "Address",
    "Action",
    "What",
    "Ids",
    "Filters",
    "Rows",
    "People",
    "Page",
]


class AccessLogView(ScopedListView):
    """Who in the organisation read personal data: filter by person, by user, by dates."""

    model = AccessLogEntry
    template_name = "portal/access_log.html"
    required_capability = ACCESS_LOG_READERS
    filterset_class = AccessLogFilter
    paginate_by = 100

    def refine_queryset(self, queryset: Any) -> Any:
        return queryset.select_related("user", "token", "content_type")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(
            page_title="Access log", retention_days=settings.PORTAL["ACCESS_LOG_DAYS"], **kwargs
        )


class AccessLogExportView(AccessLogView):
    """The filtered access log as CSV, every cell through `portal.exports`."""

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        entries = self.get_queryset()
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="access-log.csv"'
        writer = csv_writer(response)
        writer.writerow(CSV_HEADERS)
        rows = 0
        for entry in entries.iterator(chunk_size=2000):
            rows += 1
            writer.writerow(
                [
                    entry.at.isoformat(),
                    entry.user_name,
                    entry.get_channel_display(),
                    str(entry.token) if entry.token_id else "",
                    entry.address or "",
                    entry.get_action_display(),
                    entry.what,
                    " ".join(str(i) for i in entry.ids),
                    " ".join(f"{k}={v}" for k, v in entry.filters.items()),
                    entry.rows,
                    " ".join(str(p) for p in entry.people),
                    entry.path,
                ]
            )
        record_read(request, action=AccessAction.EXPORTED, what="access log", model=AccessLogEntry, rows=rows)
        return response
