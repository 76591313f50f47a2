"""The alert kinds kpis raises, declared once (`portal.alerts`)."""

from portal.alerts import alert_kind
from portal.roles import Capability

RETURN_TO_SUBMIT = alert_kind("kpi_return_to_submit", "KPI return to submit", Capability.PROVIDER_MANAGE)
RETURN_TO_REVIEW = alert_kind("kpi_return_to_review", "KPI return to review", Capability.COMMISSION)
# Emailed: the provider must answer the query (portal.notifications).
RETURN_QUERIED = alert_kind(
    "kpi_return_queried", "KPI return queried", Capability.PROVIDER_MANAGE, email=True
)
