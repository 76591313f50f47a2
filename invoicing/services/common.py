"""What the invoicing services share: dates, money in words, the invoice lock and its workflow."""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

from portal.workflow import COUNCIL, PROVIDER, Transition, Workflow

from ..models import Invoice, InvoiceStatus

LONDON = ZoneInfo("Europe/London")
TOTAL_FIELDS = ["net_total", "vat_total", "gross_total", "disputed_total"]

S = InvoiceStatus
#: An invoice's life `[004 App. 6 §3–4]`: submitted by the provider, approved or part disputed by
#: the council (the parts: undisputed → submitted, disputed → resolved), paid.
INVOICE_WORKFLOW = Workflow(
    {
        "submit": Transition("submitted", frozenset({S.DRAFT}), S.SUBMITTED, PROVIDER),
        "dispute": Transition("disputed", frozenset({S.SUBMITTED}), S.SPLIT, COUNCIL),
        "approve": Transition("approved", frozenset({S.SUBMITTED}), S.APPROVED, COUNCIL),
        "withdraw": Transition("withdrawn for a revision", frozenset({S.SUBMITTED}), S.WITHDRAWN, PROVIDER),
        "pay": Transition("paid", frozenset({S.APPROVED}), S.PAID, COUNCIL),
        "uphold": Transition("dispute upheld", frozenset({S.DISPUTED}), S.NOT_PAYABLE, COUNCIL),
        "pay_disputed": Transition(
            "dispute resolved: to be paid", frozenset({S.DISPUTED}), S.APPROVED, COUNCIL
        ),
    },
    describe=lambda invoice: f"Invoice {invoice.number}",
)


def due_at(day: dt.date | None) -> dt.datetime | None:
    """5 pm on the day (Europe/London): when an alert's deadline falls (none without a day)."""
    return None if day is None else dt.datetime(day.year, day.month, day.day, 17, 0, tzinfo=LONDON)


def money(value: Decimal | None) -> str:
    return "" if value is None else f"£{value:,.2f}"


def locked(invoice: Invoice) -> Invoice:
    """The invoice, re-read and locked for the rest of the transaction."""
    return (
        Invoice.objects.select_for_update()
        .select_related("contract", "commissioner", "provider")
        .get(pk=invoice.pk)
    )
