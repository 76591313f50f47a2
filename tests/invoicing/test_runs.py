"""The run under concurrency (four workers at once → one invoice) and through a real Celery worker."""

import datetime as dt
import threading
import time
from decimal import Decimal as D

import pytest
from django.db import connection, connections

from invoicing import services
from invoicing.models import Invoice, InvoiceLine
from portal.models import AuditEvent
from tests.invoicing.conftest import P_START, daily_visits
from tests.packages_of_care.factories import OrderFactory


@pytest.mark.django_db(transaction=True)
def test_four_workers_starting_the_same_run_at_once_make_one_invoice(hourly_contract):
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    for _ in range(5):
        order = OrderFactory(contract=hourly_contract, weekly_hours=D("10"), start_date=dt.date(2026, 4, 1))
        daily_visits(order, P_START, 28, 90)
    barrier = threading.Barrier(4)
    results, errors = [], []

    def worker():
        try:
            barrier.wait(timeout=30)
            result = services.invoice_generate(contract_id=hourly_contract.pk, period_start=P_START)
            results.append((result.invoice.pk, result.created))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()  # each thread had its own connection

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    assert len(results) == 4
    assert Invoice.objects.count() == 1
    invoice = Invoice.objects.get()
    assert {pk for pk, _ in results} == {invoice.pk}
    assert [created for _, created in results].count(True) == 1
    assert InvoiceLine.objects.filter(invoice=invoice).count() == 5 * 4 + 1
    assert AuditEvent.objects.for_object(invoice).filter(action="generated").count() == 1
    assert AuditEvent.objects.for_object(invoice).filter(action="regenerated").count() == 0


@pytest.mark.celery_worker
def test_the_run_through_a_real_celery_worker(celery_worker, hourly_contract):
    order = OrderFactory(contract=hourly_contract, weekly_hours=D("10"), start_date=dt.date(2026, 4, 1))
    daily_visits(order, P_START, 28, 90)
    invoice_id = celery_worker("invoicing.generate_invoice", hourly_contract.pk, P_START.isoformat())
    invoice = Invoice.objects.get(pk=invoice_id)
    assert invoice.net_total == 4 * D("231.00") + D("9517.76")
    assert celery_worker("invoicing.generate_invoice", hourly_contract.pk, P_START.isoformat()) == invoice_id
    # The nightly fan-out: one run due (the period that ended most recently), run by the worker.
    assert celery_worker("invoicing.run_due_invoices") == 1
    deadline = time.monotonic() + 60
    while Invoice.objects.count() < 2 and time.monotonic() < deadline:
        time.sleep(0.5)
    assert Invoice.objects.count() == 2
    assert celery_worker("invoicing.run_due_invoices") == 0
