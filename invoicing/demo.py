"""Demo invoices, loaded by `load_demo` after the orders (step 20) and visits (step 30).

For the demo contracts, the payment periods that start in April–September 2026: Norfolk's
4-weekly invoices and Dorset's package invoices in a spread of states (paid; part disputed with
the undisputed part paid and the dispute resolved or open; approved; submitted; draft), and Derby's
quarterly block payments with their block-volume reviews. Dates are back-dated to when each step
would have happened. Idempotent and deterministic: an invoice moves along only from the state
this module left it in, and a re-run finds every run unchanged.

If another step left a demo contract without any orders, a handful of deterministic demo orders
are added for it ("INVDEMO-…"), so every payment model has something to show; with no visits,
the invoices simply show nothing delivered.
"""

import datetime as dt
from decimal import Decimal as D
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone

from packages_of_care.models import IndividualServiceOrder, OrderStatus, OrderVersion, ServiceUser
from portal.models import User
from schemes.models import BlockVolumeSource, Contract, PaymentModel
from schemes.services import block_volume_set

from . import rules, services
from .models import (
    BlockVolumeReview,
    CreditNoteReason,
    Invoice,
    InvoiceKind,
    InvoiceStatus,
    InvoicingTerms,
    LineKind,
    ReviewOutcome,
)

LONDON = ZoneInfo("Europe/London")
WINDOW_START = dt.date(2026, 4, 1)
WINDOW_END = dt.date(2026, 9, 30)
TOLERANCE_AS_OF = dt.date(2026, 10, 1)  # the demo visits over-deliver for some orders from 24 August
DEMO_CONTRACTS = [
    "NCC-HWC-L1",
    "NCC-HWC-L2",
    "NCC-HWC-L3",
    "NCC-HWC-L4",
    "NCC-HWC-L5",
    "DCC-EC-L1",
    "DCC-EC-L2",
    "DOR-L5-01",
    "DOR-L27-01",
    "NHSD-L20-01",
]
# Derby's block volumes agreed at award (weekly hours) `[002 App. 4]`, recorded if a contract has none.
AWARD_BLOCK_VOLUMES = {"DCC-EC-L1": D("60.00"), "DCC-EC-L2": D("60.00")}
# Weekly hours of the fallback demo orders: the Norfolk mix of 13+, 9–12 and under 8 hours.
FALLBACK_HOURS = ["14.00", "17.50", "10.50", "9.00", "6.00", "3.50"]


def _at(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, 0, tzinfo=LONDON)


def _user(username: str):
    return User.objects.filter(username=username).first()


def _fallback_orders(contract: Contract, out) -> None:
    """Deterministic orders for a demo contract that has none (see the module docstring)."""
    if IndividualServiceOrder.objects.filter(contract=contract).exists():
        return
    schemes = list(contract.schemes.order_by("name"))
    priced = contract.payment_model == PaymentModel.WEEKLY_PACKAGE
    start = dt.date(2025, 10, 6)
    for n, hours in enumerate(FALLBACK_HOURS, start=1):
        reference = f"INVDEMO-{contract.reference}-{n}"
        person, _ = ServiceUser.objects.get_or_create(
            commissioner=contract.commissioner,
            reference=reference,
            defaults={
                "name": f"Demo resident {contract.reference}-{n}",
                "date_of_birth": dt.date(1938 + n, n, 10 + n),
                "scheme": schemes[n % len(schemes)] if schemes else None,
            },
        )
        # The last order ends at the end of March, so Derby's spring review sees hours fall away.
        ended = n == len(FALLBACK_HOURS)
        order = IndividualServiceOrder.objects.create(
            commissioner=contract.commissioner,
            provider=contract.provider,
            contract=contract,
            service_user=person,
            reference=reference,
            status=OrderStatus.ENDED if ended else OrderStatus.ACTIVE,
            start_date=max(start, contract.start_date),
            end_date=dt.date(2026, 3, 31) if ended else None,
        )
        weekly = D(hours) * (3 if ended else 1)
        OrderVersion.objects.create(
            order=order,
            number=1,
            effective_from=order.start_date,
            weekly_hours=weekly,
            weekly_price=(weekly * D("25.00")).quantize(D("0.01")) if priced else None,
            reason="Invoicing demo order",
        )
    out.write(f"  added {len(FALLBACK_HOURS)} demo orders to {contract.reference}, which had none")


def _periods(contract: Contract) -> list[dt.date]:
    """Period starts in the demo window."""
    if contract.payment_model == PaymentModel.BLOCK_QUARTERLY:
        return [dt.date(2026, 4, 1), dt.date(2026, 7, 1)]
    anchor = InvoicingTerms.for_contract(contract).anchor()
    start, _ = rules.payment_period(anchor, WINDOW_START)
    if start < WINDOW_START:
        start += dt.timedelta(days=rules.PERIOD_DAYS)
    starts = []
    while start <= WINDOW_END:
        starts.append(start)
        start += dt.timedelta(days=rules.PERIOD_DAYS)
    return starts


def _dispute_line(invoice: Invoice):
    lines = invoice.lines.filter(disputed=False).order_by("position")
    return (
        lines.filter(kind__in=(LineKind.PLANNED_CARE, LineKind.PACKAGE), net_amount__gt=0).first()
        or lines.filter(kind=LineKind.UNPLANNED_CARE).first()
        or lines.first()
    )


def _advance(invoice: Invoice, plan: str, manager, commissioner, index: int) -> None:
    """Move a fresh draft along to the state `plan` names, back-dated."""
    if invoice.status != InvoiceStatus.DRAFT or plan == "draft":
        return
    end = invoice.period_end if invoice.kind != InvoiceKind.BLOCK else invoice.period_start
    if end + dt.timedelta(days=40) > timezone.localdate():
        return  # too recent for the whole story to have happened: leave it for the demo user
    submitted = _at(end + dt.timedelta(days=3), 11)
    invoice = services.invoice_submit(actor=manager, invoice=invoice, now=submitted)
    if plan == "submitted":
        return
    approve_at = _at(end + dt.timedelta(days=12), 14)
    if plan in ("disputed", "disputed_resolved"):
        line = _dispute_line(invoice)
        if line is None:
            return
        split = services.invoice_dispute(
            actor=commissioner,
            invoice=invoice,
            lines={line.pk: "No call monitoring record for two of the visits claimed"},
            reason="Sample audit against ECM data [004 App. 6 §7]",
            now=_at(end + dt.timedelta(days=10), 15),
        )
        if split.undisputed is not None:
            approved = services.invoice_approve(actor=commissioner, invoice=split.undisputed, now=approve_at)
            services.invoice_record_payment(
                actor=commissioner,
                invoice=approved,
                paid_on=end + dt.timedelta(days=30),
                payment_reference=f"BACS{end:%y%m%d}{index:02d}U",
                now=_at(end + dt.timedelta(days=30)),
            )
        if plan == "disputed_resolved":
            services.dispute_resolve(
                actor=commissioner,
                dispute=split.dispute,
                outcome="upheld",
                note="Provider agreed the two visits were not delivered",
                now=_at(end + dt.timedelta(days=35)),
            )
        return
    approved = services.invoice_approve(actor=commissioner, invoice=invoice, now=approve_at)
    if plan == "paid":
        paid_on = end + dt.timedelta(days=28)
        services.invoice_record_payment(
            actor=commissioner,
            invoice=approved,
            paid_on=paid_on,
            payment_reference=f"BACS{end:%y%m%d}{index:02d}",
            now=_at(paid_on),
        )
        if index == 0:
            _credit_note(approved, paid_on, manager, commissioner)


def _credit_note(invoice: Invoice, paid_on: dt.date, manager, commissioner) -> None:
    """An overpayment found at the sample audit after the first period was paid: a credit note the
    provider agrees, set off against its next invoice when the council approves it `[004 App. 6 §5]`."""
    note = services.credit_note_raise(
        actor=commissioner,
        invoice=invoice,
        reason=CreditNoteReason.OVERPAYMENT,
        explanation="A 2-hour visit was claimed twice (found at the sample audit against ECM data)",
        amount=D("44.00"),
    )
    services.credit_note_agree(actor=manager, credit_note=note, now=_at(paid_on + dt.timedelta(days=3)))


# The state each period's invoice is left in, oldest first (the rest stay drafts); contracts take
# the plans in turn so that every state is on show.
HOURLY_PLANS = [
    ["paid", "disputed_resolved", "paid", "approved", "submitted", "draft"],
    ["paid", "paid", "disputed", "approved", "submitted", "draft"],
]
PACKAGE_PLANS = [["paid", "paid", "paid", "approved", "submitted", "draft"]]
USERS = {
    "Norfolk County Council": (
        "norfolk.commissioner",
        {"Wensum Valley Care": "wensum.manager", "Waveney Homecare": "waveney.manager"},
    ),
    "Derby City Council": (
        "derby.commissioner",
        {"Derwent Extra Care Services": "derwent.manager", "Markeaton Support": "markeaton.manager"},
    ),
    "Dorset Council": (
        "dorset.commissioner",
        {"Purbeck Care Partnership": "purbeck.manager", "Stour Children's Support": "stour.manager"},
    ),
    # The children's complex care is invoiced to NHS Dorset, not the council [001 Part 2].
    "NHS Dorset": ("nhsdorset.commissioner", {"Stour Children's Support": "stour.manager"}),
}


def _people(contract):
    commissioner_name, managers = USERS.get(contract.commissioner.name, (None, {}))
    return _user(managers.get(contract.provider.name, "")), _user(commissioner_name or "")


@transaction.atomic
def load(out) -> None:
    contracts = list(
        Contract.objects.filter(reference__in=DEMO_CONTRACTS).select_related("commissioner", "provider")
    )
    made = 0
    for number, contract in enumerate(sorted(contracts, key=lambda c: c.reference)):
        _fallback_orders(contract, out)
        if contract.reference in AWARD_BLOCK_VOLUMES and not contract.block_volumes.exists():
            block_volume_set(
                actor=None,
                contract=contract,
                effective_from=contract.start_date,
                weekly_hours=AWARD_BLOCK_VOLUMES[contract.reference],
                source=BlockVolumeSource.AWARD,
                note="Agreed at award",
            )
        manager, commissioner = _people(contract)
        for index, start in enumerate(_periods(contract)):
            result = services.invoice_generate(contract_id=contract.pk, period_start=start)
            made += result.created
            invoice = result.invoice
            if contract.payment_model == PaymentModel.BLOCK_QUARTERLY:
                _block(invoice, index, manager, commissioner)
                continue
            plans = HOURLY_PLANS if contract.payment_model == PaymentModel.HOURLY_4_WEEKLY else PACKAGE_PLANS
            plan = plans[number % len(plans)]
            _advance(invoice, plan[index] if index < len(plan) else "draft", manager, commissioner, index)
    out.write(f"  {made} invoices generated ({Invoice.objects.count()} in all, with their parts)")
    raised = services.tolerance_alerts_raise(today=TOLERANCE_AS_OF)
    out.write(
        f"  {raised} alerts for orders over the commissioned hours 4 weeks in a row (provider, brokerage)"
    )


def _block(invoice: Invoice, index: int, manager, commissioner) -> None:
    """Derby: the spring quarter's review is decided (accepted: the new volume applies from the
    summer quarter) and the block paid; the summer quarter's block is submitted unless its review
    proposes a change, which is left for the council to decide."""
    review = BlockVolumeReview.objects.filter(
        contract=invoice.contract, quarter_start=invoice.period_start
    ).first()
    if index == 0:
        if review is not None and review.outcome == ReviewOutcome.PROPOSED:
            services.block_review_decide(
                actor=commissioner,
                review=review,
                accept=True,
                now=_at(invoice.period_start + dt.timedelta(days=1)),
            )
            invoice.refresh_from_db()
        _advance(invoice, "paid", manager, commissioner, index)
    elif review is None or review.outcome != ReviewOutcome.PROPOSED:
        _advance(invoice, "submitted", manager, commissioner, index)
