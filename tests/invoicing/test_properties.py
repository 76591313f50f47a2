"""Hypothesis properties of whole invoices, against the database: the summary equals the sum of the
detail lines; every amount is a 2-place Decimal; regenerating an unchanged draft changes nothing;
disputing any lines and splitting preserves the total to the penny."""

import datetime as dt
from decimal import Decimal as D

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from invoicing import documents, services
from invoicing.models import Invoice, InvoiceLine
from portal.models import AuditEvent
from tests.invoicing.conftest import P_START, VISIT_OUTCOMES, on, planned_rate_from
from tests.packages_of_care.factories import AbsenceFactory, OrderFactory, TemporaryVariationFactory
from tests.visits.factories import VisitFactory, at

pytestmark = pytest.mark.django_db

STATUSES = ["completed", *VISIT_OUTCOMES]  # completed twice over: the usual case

visit = st.tuples(
    st.integers(min_value=-5, max_value=27),  # day of the period (negative: the period before)
    st.integers(min_value=6, max_value=21),  # hour
    st.sampled_from(STATUSES),
    st.integers(min_value=1, max_value=16).map(lambda q: q * 15),  # scheduled minutes
    st.integers(min_value=0, max_value=200),  # actual minutes (completed / shortened)
)
order = st.fixed_dictionaries(
    {
        "hours": st.integers(min_value=1, max_value=120).map(lambda q: D(q) / 4),
        "start": st.integers(min_value=-40, max_value=20),
        "visits": st.lists(visit, max_size=14, unique_by=lambda v: (v[0], v[1])),
        "absence": st.none()
        | st.tuples(st.integers(min_value=-20, max_value=27), st.integers(min_value=0, max_value=30)),
        "extra": st.none() | st.integers(min_value=1, max_value=20).map(lambda q: D(q) / 4),
    }
)


def _build(contract, spec):
    start = P_START + dt.timedelta(days=spec["start"])
    o = OrderFactory(contract=contract, weekly_hours=spec["hours"], start_date=start)
    for day, hour, status, scheduled, actual in spec["visits"]:
        when = at(P_START + dt.timedelta(days=day), hour)
        if when.date() < start:
            continue
        kwargs = {}
        if status in ("completed", "shortened_by_service_user"):
            kwargs = {"actual_start": when, "actual_end": when + dt.timedelta(minutes=actual)}
        VisitFactory(order=o, scheduled_start=when, minutes=scheduled, status=status, **kwargs)
    if spec["absence"] is not None:
        first, length = spec["absence"]
        AbsenceFactory(
            service_user=o.service_user,
            start_date=P_START + dt.timedelta(days=first),
            end_date=P_START + dt.timedelta(days=first + length),
        )
    if spec["extra"] is not None:
        TemporaryVariationFactory(
            order=o,
            start_date=P_START + dt.timedelta(days=7),
            end_date=P_START + dt.timedelta(days=20),
            extra_hours_per_week=spec["extra"],
        )
    return o


def _two_places(value: D) -> bool:
    return isinstance(value, D) and value.as_tuple().exponent == -2


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    orders=st.lists(order, min_size=1, max_size=3),
    rate_change=st.none() | st.integers(min_value=1, max_value=27),
    disputed=st.data(),
)
def test_invoice_properties(hourly_contract, orders, rate_change, disputed):
    with transaction.atomic():
        if rate_change is not None:
            planned_rate_from(hourly_contract, P_START + dt.timedelta(days=rate_change), D("23.17"))
        for spec in orders:
            _build(hourly_contract, spec)
        invoice = services.invoice_generate(contract_id=hourly_contract.pk, period_start=P_START).invoice
        lines = list(invoice.lines.all())

        # The summary equals the sum of the detail lines; every amount is pennies.
        assert invoice.net_total == sum((line.net_amount for line in lines), D("0.00"))
        assert invoice.vat_total == sum((line.vat_amount for line in lines), D("0.00"))
        assert documents.summary_rows(invoice, invoice.lines.all())[-1][4] == invoice.net_total
        for value in [invoice.net_total, invoice.vat_total, invoice.gross_total, invoice.disputed_total]:
            assert _two_places(value)
        for line in lines:
            assert _two_places(line.net_amount) and _two_places(line.vat_amount) and _two_places(line.rate)
            assert line.net_amount >= 0 and (line.quantity * 4) == (line.quantity * 4).to_integral_value()

        # Regenerating an unchanged draft changes nothing.
        before = (
            Invoice.objects.get(pk=invoice.pk).updated_at,
            list(invoice.lines.values_list("pk", "net_amount")),
        )
        events = AuditEvent.objects.count()
        again = services.invoice_generate(contract_id=hourly_contract.pk, period_start=P_START)
        assert not again.changed and again.invoice.pk == invoice.pk
        assert (
            Invoice.objects.get(pk=invoice.pk).updated_at,
            list(invoice.lines.values_list("pk", "net_amount")),
        ) == before
        assert AuditEvent.objects.count() == events

        # Disputing any lines and splitting preserves the total to the penny.
        chosen = disputed.draw(st.lists(st.sampled_from(lines), unique_by=lambda line: line.pk, min_size=1))
        with on(dt.date(2026, 5, 26)):
            services.invoice_submit(actor=None, invoice=invoice)
            split = services.invoice_dispute(
                actor=None, invoice=invoice, lines={line.pk: "test" for line in chosen}
            )
        parts = [p for p in (split.undisputed, split.disputed) if p is not None]
        assert sum(p.net_total for p in parts) == invoice.net_total
        assert sum(p.vat_total for p in parts) == invoice.vat_total
        assert sum(p.gross_total for p in parts) == invoice.gross_total
        expected_disputed = {line.pk for line in chosen} | {line.pk for line in lines if line.disputed}
        assert (
            set(InvoiceLine.objects.filter(invoice=split.disputed).values_list("source_line", flat=True))
            == expected_disputed
        )
        assert split.disputed.net_total == split.disputed.disputed_total
        transaction.set_rollback(True)
