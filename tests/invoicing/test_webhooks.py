"""Invoice events delivered to webhooks: from the run and the workflow's one place each, on
commit, signed, to a real HTTP server started in the test — in-process, and through a real
Celery worker on Redis."""

import datetime as dt
import json
import time
from decimal import Decimal as D

import pytest
from django.db import transaction

from invoicing import services
from portal.webhooks import rules
from portal.webhooks.models import DeliveryStatus, WebhookDelivery
from portal.webhooks.services import subscription_create
from tests.invoicing.conftest import P_START, daily_visits, on
from tests.packages_of_care.factories import OrderFactory
from tests.portal.receiver import WebhookReceiver

# One order of 10 h/week, 90 minutes every day for the 4 weeks: 10.5 h delivered a week, within
# the +20% tolerance (12 h), paid at £22.00: 10.5 × 22 = £231.00 a week, 4 × 231 = £924.00; the
# scheme's unplanned care 98 h × 4 weeks × £24.28 = £9,517.76. Net £10,441.76.
NET = 4 * D("231.00") + D("9517.76")


def _valid(secret, received):
    header = received.headers[rules.SIGNATURE_HEADER]
    timestamp = int(header.split(",")[0].removeprefix("t="))
    return rules.signature_valid(secret, header, received.body, now=timestamp)


@pytest.mark.django_db
def test_a_generated_invoice_is_delivered_on_commit_signed_with_names(
    hourly_contract, django_capture_on_commit_callbacks
):
    order = OrderFactory(contract=hourly_contract, weekly_hours=D("10"), start_date=P_START)
    daily_visits(order, P_START, 28, 90)
    with WebhookReceiver() as receiver:
        provider_hook = subscription_create(
            actor=None, organisation=hourly_contract.provider, url=receiver.url, events=["invoice.generated"]
        )
        subscription_create(  # the council listens for submissions only: it hears nothing here
            actor=None,
            organisation=hourly_contract.commissioner,
            url=receiver.url,
            events=["invoice.submitted"],
        )
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            result = services.invoice_generate(contract_id=hourly_contract.pk, period_start=P_START)
            assert receiver.received == []  # nothing is sent before the commit
        assert len(callbacks) == 1
        # The same run again changes nothing and announces nothing.
        with django_capture_on_commit_callbacks(execute=True):
            services.invoice_generate(contract_id=hourly_contract.pk, period_start=P_START)
    assert len(receiver.received) == 1
    received = receiver.received[0]
    assert received.headers[rules.EVENT_HEADER] == "invoice.generated"
    assert _valid(provider_hook.secret, received)
    payload = json.loads(received.body)
    assert payload["event"] == "invoice.generated"
    data = payload["data"]
    assert (data["type"], data["id"], data["number"]) == ("invoice", result.invoice.pk, "NCC-HWC-L1-20260427")
    assert (data["contract_reference"], data["provider_name"], data["commissioner_name"]) == (
        "NCC-HWC-L1",
        "Test Care Ltd",
        "Test County Council",
    )
    assert D(data["net_total"]) == NET
    # VAT exempt and nothing set off: the council pays the net total [004 App. 6 §5.1].
    assert (D(data["set_off_total"]), D(data["net_payable"])) == (D("0.00"), NET)
    delivery = WebhookDelivery.objects.get(subscription=provider_hook)
    assert (delivery.status, delivery.attempts, delivery.response_status) == (
        DeliveryStatus.DELIVERED,
        1,
        200,
    )
    assert str(delivery.event_id) == payload["id"] == received.headers[rules.DELIVERY_HEADER]


@pytest.mark.django_db
def test_a_change_rolled_back_sends_nothing(hourly_contract, django_capture_on_commit_callbacks):
    subscription_create(
        actor=None,
        organisation=hourly_contract.provider,
        url="http://127.0.0.1:9/",
        events=["invoice.generated"],
    )
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        try:
            with transaction.atomic():
                services.invoice_generate(contract_id=hourly_contract.pk, period_start=P_START)
                raise RuntimeError("undo")
        except RuntimeError:
            pass
    assert callbacks == [] and WebhookDelivery.objects.count() == 0


@pytest.mark.django_db
def test_submit_and_approve_reach_the_council_and_the_provider(
    hourly_contract, provider_manager, commissioner_user, django_capture_on_commit_callbacks
):
    order = OrderFactory(contract=hourly_contract, weekly_hours=D("10"), start_date=P_START)
    daily_visits(order, P_START, 28, 90)
    invoice = services.invoice_generate(contract_id=hourly_contract.pk, period_start=P_START).invoice
    with WebhookReceiver() as receiver:
        council = subscription_create(
            actor=None,
            organisation=hourly_contract.commissioner,
            url=receiver.url,
            events=["invoice.submitted", "invoice.approved"],
        )
        with on(dt.date(2026, 5, 27)):  # after the period, before the invoice is due
            with django_capture_on_commit_callbacks(execute=True):
                services.invoice_submit(actor=provider_manager, invoice=invoice)
            with django_capture_on_commit_callbacks(execute=True):
                services.invoice_approve(actor=commissioner_user, invoice=invoice)
    events = [r.headers[rules.EVENT_HEADER] for r in receiver.received]
    assert events == ["invoice.submitted", "invoice.approved"]
    assert all(_valid(council.secret, r) for r in receiver.received)
    assert [json.loads(r.body)["data"]["status"] for r in receiver.received] == ["submitted", "approved"]


@pytest.fixture
def quick_retries(monkeypatch):
    """The worker (started after this) waits 1 s before its first retry, not a minute."""
    monkeypatch.setenv("WEBHOOK_RETRY_BASE_SECONDS", "1")


@pytest.mark.celery_worker
def test_a_delivery_through_a_real_celery_worker_retries_until_the_receiver_answers(
    quick_retries, celery_worker, hourly_contract
):
    order = OrderFactory(contract=hourly_contract, weekly_hours=D("10"), start_date=P_START)
    daily_visits(order, P_START, 28, 90)
    with WebhookReceiver(statuses=[500]) as receiver:
        subscription = subscription_create(
            actor=None, organisation=hourly_contract.provider, url=receiver.url, events=["invoice.generated"]
        )
        # Committed here (transactional test), so the delivery is queued to the worker on commit.
        services.invoice_generate(contract_id=hourly_contract.pk, period_start=P_START)
        delivery = WebhookDelivery.objects.get(subscription=subscription)
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            delivery.refresh_from_db()
            if delivery.status == DeliveryStatus.DELIVERED:
                break
            time.sleep(0.5)
    # The first answer was 500: retried after the worker's back-off, then delivered.
    assert (delivery.status, delivery.attempts, delivery.response_status) == (
        DeliveryStatus.DELIVERED,
        2,
        200,
    )
    assert len(receiver.received) == 2
    assert all(_valid(subscription.secret, r) for r in receiver.received)
    assert json.loads(receiver.received[1].body)["data"]["number"] == "NCC-HWC-L1-20260427"
