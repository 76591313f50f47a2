"""Late-payment interest invoices `[004 App. 6 §3.4]`: the provider raises a separate invoice for the
statutory interest on an undisputed invoice the council paid late; the council approves and pays
it like any invoice. The amount is `invoicing.rules.interest`'s."""

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from portal import audit
from portal.models import User

from .. import rules, selectors
from ..models import Invoice, InvoiceKind, InvoiceLine, LineKind, VatCode
from ..rules import interest
from .common import TOTAL_FIELDS, locked


@transaction.atomic
def interest_invoice_raise(
    *, actor: User | None, invoice: Invoice, now: dt.datetime | None = None
) -> Invoice:
    """The provider raises the interest invoice on `invoice` (a draft to check and submit). Raising
    it again returns the one already raised."""
    invoice = locked(invoice)
    existing = Invoice.objects.filter(interest_on=invoice).first()
    if existing is not None:
        return existing
    charge = selectors.late_payment_interest(invoice)
    if charge is None:
        raise ValidationError(
            f"No interest is due on invoice {invoice.number}: interest runs on an undisputed invoice paid "
            f"later than {interest.WORKING_DAYS_BEFORE_INTEREST} working days after its due date [004 App. 6 §3.4], or on disputed lines paid "
            f"after the date they should have been paid [004 App. 6 §4.4 a]."
        )
    now = now or timezone.now()
    today = timezone.localdate(now)
    raised = Invoice.objects.create(
        contract_id=invoice.contract_id,
        commissioner_id=invoice.commissioner_id,
        provider_id=invoice.provider_id,
        kind=InvoiceKind.INTEREST,
        number=f"{invoice.number}-INT",
        period_start=invoice.period_start,
        period_end=invoice.period_end,
        revision=invoice.revision,
        part=f"{invoice.part}I",
        interest_on=invoice,
        submission_due_on=rules.submission_due_on(today),
        generated_at=now,
        net_total=charge.interest,
        vat_total=Decimal("0.00"),
        gross_total=charge.interest,
    )
    InvoiceLine.objects.create(
        invoice=raised,
        position=1,
        kind=LineKind.INTEREST,
        description=f"Late-payment interest on invoice {invoice.number}: {charge.explanation()}",
        quantity=Decimal("1.00"),
        unit="charge",
        rate=charge.interest,
        net_amount=charge.interest,
        # Interest is not a supply: no VAT is charged on it.
        vat_code=VatCode.EXEMPT,
        breakdown={
            "interest": {
                "amount": str(charge.amount),
                "due_on": charge.due_on.isoformat(),
                "starts_on": charge.starts_on.isoformat(),
                "paid_on": charge.paid_on.isoformat(),
                "days": charge.days,
                "reference_date": charge.reference_date.isoformat(),
                "base_rate": str(charge.base_rate),
                "annual_rate": str(charge.annual_rate),
            }
        },
    )
    audit.record(
        actor=actor,
        obj=raised,
        action="raised: late-payment interest",
        changes={key: [None, getattr(raised, key)] for key in TOTAL_FIELDS},
        note=charge.explanation(),
    )
    return raised
