from django.urls import reverse

from portal.hooks import (
    DashboardItem,
    DashboardPanel,
    dashboard_panel,
    demo_module,
    reference_module,
    register_nav,
)
from portal.roles import Role
from portal.webhooks.events import webhook_event

register_nav("KPI returns", "kpis:index", order=60)


reference_module(40, "kpis.demo")
demo_module(40, "kpis.demo")


@dashboard_panel(order=40)
def kpi_returns_panel(user):
    """Commissioners: returns waiting for review. Provider managers: returns to complete or answer."""
    from .models import AWAITING_REVIEW, ReturnStatus
    from .selectors import returns_for

    if user.role == Role.COMMISSIONER:
        waiting = returns_for(user).latest().filter(status__in=AWAITING_REVIEW)
        count = waiting.count()
        items = [
            DashboardItem(
                f"{r.quarter} from {r.provider.name} ({r.contract.reference})", r.get_absolute_url()
            )
            for r in waiting[:5]
        ]
        items.insert(
            0, DashboardItem("Returns to review", reverse("kpis:index") + "?status=submitted", count)
        )
    elif user.role == Role.PROVIDER_MANAGER:
        todo = returns_for(user).latest().filter(status__in=(ReturnStatus.DRAFT, ReturnStatus.QUERIED))
        count = todo.count()
        items = [
            DashboardItem(
                f"{r.quarter} for {r.commissioner.name} ({r.contract.reference}): {r.get_status_display().lower()}",
                r.get_absolute_url(),
            )
            for r in todo.order_by("-status", "-quarter")[:5]
        ]
        items.insert(0, DashboardItem("Returns to complete or answer", reverse("kpis:index"), count))
    else:
        return None
    items.append(DashboardItem("KPIs quarter by quarter", reverse("kpis:table")))
    return DashboardPanel(title="Quarterly KPI returns", items=items)


def _return_event(kpi_return):
    """What a KPI return's webhook events say about it (names beside ids)."""
    return {
        "quarter": kpi_return.quarter,
        "revision": kpi_return.revision,
        "status": kpi_return.status,
        "contract": kpi_return.contract_id,
        "contract_reference": kpi_return.contract.reference,
        "commissioner": kpi_return.commissioner_id,
        "commissioner_name": kpi_return.commissioner.name,
        "provider": kpi_return.provider_id,
        "provider_name": kpi_return.provider.name,
    }


webhook_event(
    "kpi_return.submitted",
    "A KPI return was submitted (or resubmitted with answers)",
    model="kpis.KpiReturn",
    actions=("submitted", "resubmitted"),
    describe=_return_event,
)
webhook_event(
    "kpi_return.accepted",
    "A KPI return was accepted",
    model="kpis.KpiReturn",
    actions=("accepted",),
    describe=_return_event,
)
