from django.urls import reverse

from portal.hooks import (
    DashboardItem,
    DashboardPanel,
    SearchSource,
    dashboard_panel,
    demo_module,
    register_nav,
    register_personal_data,
    register_search,
)
from portal.roles import Capability
from portal.webhooks.events import webhook_event

from .models import InvoiceLine

register_nav("Invoices", "invoicing:index", sides=("commissioner", "provider"), order=60)
# An invoice line names the person whose care it charges for (the detail schedule `[004 App. 6 §3.1 b]`).
register_personal_data(
    InvoiceLine, label="invoice line", person="order__service_user", person_filters=("order",)
)


def _invoice_records(user):
    from .models import Invoice

    return Invoice.objects.visible_to(user).select_related("provider", "commissioner")


def _invoice(invoice):
    period = f"{invoice.period_start:%-d %b} – {invoice.period_end:%-d %b %Y}"
    return f"Invoice {invoice.number}", f"{invoice.provider.name} · {period} · {invoice.get_status_display()}"


# The header search (issue 16): invoices by number.
register_search(SearchSource("invoices", "Invoices", _invoice_records, ("number",), _invoice, order=30))


demo_module(50, "invoicing.demo")


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

    def by_status(label, status):
        return DashboardItem(label, f"{index}?status={status.value}", counts.get(status, 0))

    if is_council:
        items = [
            by_status("Invoices to approve or dispute", InvoiceStatus.SUBMITTED),
            by_status("Invoices approved, to pay", InvoiceStatus.APPROVED),
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
        items = [
            by_status("Draft invoices to check and submit", InvoiceStatus.DRAFT),
            by_status("Submitted, with the council", InvoiceStatus.SUBMITTED),
            by_status("Approved, awaiting payment", InvoiceStatus.APPROVED),
            by_status("Disputed by the council", InvoiceStatus.DISPUTED),
        ]
    return DashboardPanel(title="Invoices", items=items)


def _invoice_event(invoice):
    """What an invoice's webhook events say about it (names beside ids)."""
    return {
        "number": invoice.number,
        "status": invoice.status,
        "contract": invoice.contract_id,
        "contract_reference": invoice.contract.reference,
        "commissioner": invoice.commissioner_id,
        "commissioner_name": invoice.commissioner.name,
        "provider": invoice.provider_id,
        "provider_name": invoice.provider.name,
        "period_start": invoice.period_start,
        "period_end": invoice.period_end,
        "net_total": invoice.net_total,
        "vat_total": invoice.vat_total,
        "gross_total": invoice.gross_total,
        "set_off_total": invoice.set_off_total,
        "net_payable": invoice.net_payable,
    }


for _name, _label, _actions in (
    ("invoice.generated", "An invoice was generated", ("generated",)),
    ("invoice.submitted", "An invoice was submitted", ("submitted", "submitted late")),
    ("invoice.approved", "An invoice was approved", ("approved",)),
    ("invoice.paid", "An invoice was paid", ("paid", "paid late")),
):
    webhook_event(_name, _label, model="invoicing.Invoice", actions=_actions, describe=_invoice_event)
