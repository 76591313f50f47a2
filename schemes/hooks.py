from django.urls import reverse
from django.utils import timezone

from portal.hooks import (
    DashboardItem,
    DashboardPanel,
    dashboard_panel,
    demo_module,
    reference_module,
    register_nav,
)
from portal.roles import Role

from . import selectors

register_nav("Schemes", "schemes:index", order=20)
register_nav("Contracts", "schemes:contract-list", order=30)


reference_module(10, "schemes.demo")
demo_module(10, "schemes.demo")


@dashboard_panel(order=80, roles=(Role.COMMISSIONER, Role.PROVIDER_MANAGER, Role.SITE_ADMIN))
def contracts_panel(user):
    today = timezone.localdate()
    contracts = selectors.contracts_for(user)
    live = contracts.live_on(today)
    items = [DashboardItem("Contracts in force", reverse("schemes:contract-list"), live.count())]
    for contract in selectors.contracts_in_notice_window(user, today, days=90):
        items.append(
            DashboardItem(
                f"Decide on {contract.reference}: notice is due by {contract.notice_deadline():%d %B %Y}",
                contract.get_absolute_url(),
            )
        )
    items.append(DashboardItem("Frameworks, lots and schemes", reverse("schemes:index")))
    return DashboardPanel(title="Contracts", items=items)
