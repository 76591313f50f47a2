"""Invoicing records of the canary world, made through the services. Per pair, on the pair's
hourly contract (its order from the packages world, or one of our own), visits in five payment
periods and an invoice for each: a draft (27 Apr 2026), a submitted one (25 May), an approved one
(22 Jun), one split by a dispute whose reason carries the pair's canary (20 Jul) and a paid one
with its remittance advice (17 Aug); and a block contract whose quarterly block invoice has a
block-volume review awaiting the council's decision (its volume, 10 h/wk, agreed at award).

Names stored: invoice, invoice_line, invoice_submitted, invoice_approved, invoice_split,
invoice_disputed, dispute, remittance, invoice_paid, block_contract, block_invoice, block_review,
block_volume; credit_note (raised by the council on the paid invoice, awaiting the provider) and
credit_note_issued (agreed, to be set off), each explained with the pair's canary."""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

from invoicing import services
from packages_of_care.models import IndividualServiceOrder, OrderStatus, OrderVersion, ServiceUser
from schemes.models import PaymentModel
from tests.matrix.world import PAIR_PARTIES, pair_contract, pii
from visits.models import Visit, VisitStatus

ORDER = 50
LONDON = ZoneInfo("Europe/London")
PERIODS = [
    dt.date(2026, 4, 27),
    dt.date(2026, 5, 25),
    dt.date(2026, 6, 22),
    dt.date(2026, 7, 20),
    dt.date(2026, 8, 17),
]


def _at(day, hh=10, mm=0):
    return dt.datetime(day.year, day.month, day.day, hh, mm, tzinfo=LONDON)


def _person(world, pair):
    try:
        return world.get("service_user", pair)
    except KeyError:
        return ServiceUser.objects.create(
            commissioner=world.commissioner(pair),
            reference=f"INV-SU-{pair}",
            name=f"Invoiced person {pii(pair)}",
        )


def _order(world, pair, contract, *, reference, hours, start, end=None):
    order = IndividualServiceOrder.objects.create(
        commissioner=contract.commissioner,
        provider=contract.provider,
        contract=contract,
        service_user=_person(world, pair),
        reference=reference,
        status=OrderStatus.ENDED if end else OrderStatus.ACTIVE,
        start_date=start,
        end_date=end,
    )
    OrderVersion.objects.create(order=order, number=1, effective_from=start, weekly_hours=Decimal(hours))
    return order


def _hourly_order(world, pair, contract):
    try:
        return world.get("order", pair)
    except KeyError:
        return _order(
            world, pair, contract, reference=f"INV-ISO-{pair}", hours="7", start=dt.date(2025, 4, 1)
        )


def _visits(order, pair, start):
    """Three visits early in the period, at an hour no other world builder uses."""
    for offset, status in enumerate(
        (VisitStatus.COMPLETED, VisitStatus.CANCELLED_SHORT_NOTICE, VisitStatus.ABORTED), start=1
    ):
        begin = _at(start + dt.timedelta(days=offset), 6, 17)
        visit = Visit(
            order=order,
            scheduled_start=begin,
            scheduled_end=begin + dt.timedelta(minutes=45),
            actual_start=begin if status == VisitStatus.COMPLETED else None,
            actual_end=begin + dt.timedelta(minutes=45) if status == VisitStatus.COMPLETED else None,
            carer_reference="INV-CARER",
            status=status,
            cancellation_reason=f"Cancelled {pii(pair)}"
            if status == VisitStatus.CANCELLED_SHORT_NOTICE
            else "",
        )
        visit.fill_derived()
        visit.save()


def _through(invoice, state, pair):
    """Submit (and approve, dispute or pay) an invoice, dated just after its period."""
    end = invoice.period_end
    invoice = services.invoice_submit(actor=None, invoice=invoice, now=_at(end + dt.timedelta(days=2)))
    if state == "submitted":
        return invoice, None
    if state == "split":
        line = invoice.lines.order_by("position").first()
        return invoice, services.invoice_dispute(
            actor=None,
            invoice=invoice,
            lines={line.pk: f"Reason {pii(pair)}"},
            reason=f"Dispute {pii(pair)}",
            now=_at(end + dt.timedelta(days=5)),
        )
    approved = services.invoice_approve(actor=None, invoice=invoice, now=_at(end + dt.timedelta(days=6)))
    if state == "approved":
        return approved, None
    remittance = services.invoice_record_payment(
        actor=None,
        invoice=approved,
        paid_on=end + dt.timedelta(days=20),
        payment_reference=f"BACS-{pair}",
        now=_at(end + dt.timedelta(days=20)),
    )
    return approved, remittance


def build(world):
    for pair in PAIR_PARTIES:
        contract = world.get("contract", pair)
        order = _hourly_order(world, pair, contract)
        for start in PERIODS:
            _visits(order, pair, start)
        invoices = [
            services.invoice_generate(contract_id=contract.pk, period_start=s).invoice for s in PERIODS
        ]
        world.put("invoice", pair, invoices[0])
        world.put(
            "invoice_line", pair, invoices[0].lines.filter(order__isnull=False).order_by("position").first()
        )
        world.put("invoice_submitted", pair, _through(invoices[1], "submitted", pair)[0])
        world.put("invoice_approved", pair, _through(invoices[2], "approved", pair)[0])
        split_from, split = _through(invoices[3], "split", pair)
        world.put("invoice_split", pair, split_from)
        world.put("invoice_disputed", pair, split.disputed)
        world.put("dispute", pair, split.dispute)
        paid, remittance = _through(invoices[4], "paid", pair)
        world.put("remittance", pair, remittance)
        world.put("invoice_paid", pair, paid)
        notes = [
            services.credit_note_raise(
                actor=None,
                invoice=paid,
                reason="overpayment",
                explanation=f"Overpaid {pii(pair)}",
                amount=Decimal("1.00"),
            )
            for _ in range(2)
        ]
        world.put("credit_note", pair, notes[0])
        world.put("credit_note_issued", pair, services.credit_note_agree(actor=None, credit_note=notes[1]))

        block = pair_contract(
            world,
            pair,
            world.get("lot", pair),
            "BLK",
            "Block",
            start_date=dt.date(2025, 4, 1),
            payment_model=PaymentModel.BLOCK_QUARTERLY,
            planned_hourly_rate=Decimal("22.35"),
            block_weekly_hours=Decimal("10"),
        )
        # A block volume of 10 h agreed at award; 10 h + 5 h allocated until 31 March: the 6-month
        # average is 15 h, 50% above the block, so the review proposes an updated block.
        _order(world, pair, block, reference=f"INV-BLK-{pair}-1", hours="10", start=dt.date(2025, 4, 1))
        _order(
            world,
            pair,
            block,
            reference=f"INV-BLK-{pair}-2",
            hours="5",
            start=dt.date(2025, 4, 1),
            end=dt.date(2026, 3, 31),
        )
        block_invoice = services.invoice_generate(
            contract_id=block.pk, period_start=dt.date(2026, 4, 1)
        ).invoice
        world.put("block_contract", pair, block)
        world.put("block_invoice", pair, block_invoice)
        world.put("block_review", pair, block.block_reviews.get())
        world.put("block_volume", pair, block.block_volumes.get())
