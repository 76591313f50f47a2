"""Withdrawing a submitted invoice and revising it (issue 13): the provider withdraws an invoice the
council has not yet decided on, with a reason; it is regenerated at once as revision 2 (a draft,
worked out from what is recorded now), and the differences are shown line by line.

Worked example: an order of 10 h a week at £22.00 an hour, a 90-minute visit every day of the
period from 27 April 2026 (10.50 h a week, within the 120% tolerance of 12 h), and Barley Court's
98 h of unplanned care a week at £24.28. R1: 4 × 10.50 h × £22.00 = £924.00 + 98 × 4 × £24.28 =
£9,517.76 → £10,441.76. A 60-minute visit on Tuesday 28 April, recorded after submission, makes
week 1 11.50 h = £253.00 (was £231.00): R2 = £10,463.76, a change of +£22.00 on line 1 only."""

import datetime as dt
from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError

from invoicing import selectors, services
from invoicing.models import Invoice, InvoiceStatus
from portal.models import Alert, AuditEvent
from tests.invoicing.conftest import P_START, daily_visits, on
from tests.visits.factories import VisitFactory, at

pytestmark = pytest.mark.django_db


@pytest.fixture
def submitted(order, hourly_contract):
    daily_visits(order, P_START, 28, 90)
    invoice = services.invoice_generate(contract_id=hourly_contract.pk, period_start=P_START).invoice
    with on(dt.date(2026, 5, 27)):
        services.invoice_submit(actor=None, invoice=invoice)
    invoice.refresh_from_db()
    assert invoice.net_total == D("10441.76")
    return invoice


@pytest.fixture
def late_visit(order):
    return VisitFactory(order=order, scheduled_start=at(dt.date(2026, 4, 28), 14), minutes=60)


def test_withdrawn_invoice_is_regenerated_as_revision_2(submitted, late_visit, provider_manager):
    with on(dt.date(2026, 5, 28)):
        revision = services.invoice_withdraw(
            actor=provider_manager, invoice=submitted, reason="A visit on 28 April was missing"
        )
    submitted.refresh_from_db()
    assert submitted.status == InvoiceStatus.WITHDRAWN
    assert submitted.withdrawn_reason == "A visit on 28 April was missing"
    assert (revision.revision, revision.number, revision.status) == (2, "NCC-HWC-L1-20260427-R2", "draft")
    assert revision.net_total == D("10463.76")
    week1 = revision.lines.get(position=1)
    assert (week1.quantity, week1.net_amount) == (D("11.50"), D("253.00"))
    # The council's "approve or dispute" alert for R1 is closed; the provider is asked to submit R2.
    assert not Alert.objects.filter(key=f"invoice:{submitted.pk}", kind="invoice_to_review", resolved_at=None)
    assert Alert.objects.filter(key=f"invoice:{revision.pk}", kind="invoice_to_submit").exists()
    actions = set(
        AuditEvent.objects.filter(object_id__in=[str(submitted.pk), str(revision.pk)]).values_list(
            "action", flat=True
        )
    )
    assert {"withdrawn for a revision", "generated as revision 2"} <= actions
    # The run again changes nothing: R2 is the invoice in play.
    again = services.invoice_generate(contract_id=submitted.contract_id, period_start=P_START)
    assert (again.invoice.pk, again.created, again.changed) == (revision.pk, False, False)
    assert (
        Invoice.objects.current().filter(contract=submitted.contract, period_start=P_START).get() == revision
    )


def test_the_differences_line_by_line(submitted, late_visit, provider_manager):
    with on(dt.date(2026, 5, 28)):
        revision = services.invoice_withdraw(
            actor=provider_manager, invoice=submitted, reason="Missing visit"
        )
    changes = selectors.revision_changes(submitted.lines.all(), revision.lines.all())
    assert len(changes) == 1
    (change,) = changes
    assert (change.before_quantity, change.after_quantity) == (D("10.50"), D("11.50"))
    assert (change.before_amount, change.after_amount, change.change) == (
        D("231.00"),
        D("253.00"),
        D("22.00"),
    )


def test_only_a_submitted_undecided_invoice_with_a_reason_is_withdrawn(submitted, provider_manager):
    with pytest.raises(ValidationError, match="Say why"):
        services.invoice_withdraw(actor=provider_manager, invoice=submitted, reason="  ")
    with on(dt.date(2026, 5, 28)):
        approved = services.invoice_approve(actor=None, invoice=submitted)
    with pytest.raises(ValidationError):
        services.invoice_withdraw(actor=provider_manager, invoice=approved, reason="Too late")
    assert not Invoice.objects.filter(revision=2).exists()


def test_withdraw_and_see_the_changes_in_the_browser(
    submitted, late_visit, login, provider_manager, commissioner_user
):
    client = login(provider_manager)
    assert "Withdraw and revise" in client.get(submitted.get_absolute_url()).content.decode()
    with on(dt.date(2026, 5, 28)):
        refused = client.post(f"/invoicing/{submitted.pk}/withdraw/", {"reason": ""})
        assert refused.status_code == 200 and not Invoice.objects.filter(revision=2).exists()
        response = client.post(
            f"/invoicing/{submitted.pk}/withdraw/", {"reason": "Missing visit on 28 April"}
        )
    revision = Invoice.objects.get(revision=2)
    assert response.status_code == 302 and response["Location"] == revision.get_absolute_url()
    council = login(commissioner_user)
    old_page = council.get(submitted.get_absolute_url()).content.decode()
    assert "Missing visit on 28 April" in old_page and revision.number in old_page
    assert "Withdraw and revise" not in old_page
    changes = council.get(f"/invoicing/{revision.pk}/changes/").content.decode()
    assert "£231.00" in changes and "£253.00" in changes and "£22.00" in changes
    assert "£10,441.76" in changes and "£10,463.76" in changes


def test_withdraw_through_the_api(submitted, late_visit, provider_manager, api_client):
    api_client.force_authenticate(provider_manager)
    with on(dt.date(2026, 5, 28)):
        response = api_client.post(
            f"/api/v1/invoices/{submitted.pk}/withdraw/", {"reason": "Missing visit"}, format="json"
        )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["revision"] == 2 and body["status"] == "draft" and body["net_total"] == "10463.76"
