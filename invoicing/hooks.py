from django.urls import reverse

from portal.hooks import DashboardItem, DashboardPanel, dashboard_panel, demo_step, register_nav
from portal.roles import Capability

register_nav("Invoices", "invoicing:index", sides=("commissioner", "provider"), order=60)


@demo_step(order=50)
def load_invoices(out):
    from . import demo

    demo.load(out)


@dashboard_panel(order=40)
def invoices_panel(user):
    """What the user's side must do with invoices: submit, approve or dispute, pay, resolve, decide."""
    from .models import InvoiceStatus
    from .selectors import block_reviews_for
    from .views import open_disputes, status_counts

    is_council = user.can(Capability.COMMISSION)
    is_provider = user.can(Capability.PROVIDER_MANAGE)
    if not (is_council or is_provider):
        return None
    counts = status_counts(user)
    index = reverse("invoicing:index")
    items = []
    if is_council:
        items += [
            DashboardItem(
                "Invoices to approve or dispute",
                f"{index}?status=submitted",
                counts.get(InvoiceStatus.SUBMITTED, 0),
            ),
            DashboardItem(
                "Invoices approved, to pay", f"{index}?status=approved", counts.get(InvoiceStatus.APPROVED, 0)
            ),
            DashboardItem("Disputes to resolve", f"{index}?status=disputed", open_disputes(user)),
        ]
        proposed = block_reviews_for(user).filter(outcome="proposed").count()
        if proposed:
            items.append(
                DashboardItem(
                    "Block-volume reviews to decide", reverse("invoicing:block-review-list"), proposed
                )
            )
    else:
        items += [
            DashboardItem(
                "Draft invoices to check and submit",
                f"{index}?status=draft",
                counts.get(InvoiceStatus.DRAFT, 0),
            ),
            DashboardItem(
                "Submitted, with the council",
                f"{index}?status=submitted",
                counts.get(InvoiceStatus.SUBMITTED, 0),
            ),
            DashboardItem(
                "Approved, awaiting payment",
                f"{index}?status=approved",
                counts.get(InvoiceStatus.APPROVED, 0),
            ),
            DashboardItem(
                "Disputed by the council", f"{index}?status=disputed", counts.get(InvoiceStatus.DISPUTED, 0)
            ),
        ]
    return DashboardPanel(title="Invoices", items=items)
