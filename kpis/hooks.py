from django.urls import reverse

from portal.hooks import DashboardItem, DashboardPanel, dashboard_panel, demo_step, register_nav
from portal.roles import Role

register_nav("KPI returns", "kpis:index", order=60)


@demo_step(order=40)
def load_kpi_demo(out):
    from . import demo

    demo.load(out)


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
