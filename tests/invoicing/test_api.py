"""The invoicing API over HTTP with real token authentication: scoping, each side's capabilities,
the detail schedule as JSON and CSV, the workflow as actions, and query counts on the lists."""

import csv
import datetime as dt
import io
from decimal import Decimal as D

import pytest
from rest_framework.test import APIClient

from invoicing import services
from invoicing.models import Invoice, InvoiceStatus, LineKind
from portal.roles import Capability
from tests.factories import ContractFactory, ProviderFactory, api_token_for
from tests.helpers import json_status
from tests.invoicing.conftest import P_START, daily_visits, on
from tests.packages_of_care.factories import OrderFactory

pytestmark = pytest.mark.django_db


def client_for(org, scopes=()):
    _user, key = api_token_for(org, scopes)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


@pytest.fixture
def invoice(order, hourly_contract):
    daily_visits(order, P_START, 28, 90)  # 630 min a week = 10.50 h = £231.00
    return services.invoice_generate(contract_id=hourly_contract.pk, period_start=P_START).invoice


@pytest.fixture
def provider_api(provider_org):
    return client_for(provider_org, [Capability.PROVIDER_MANAGE, Capability.PROVIDER_RECORD])


@pytest.fixture
def council_api(commissioner_org):
    return client_for(commissioner_org, [Capability.COMMISSION])


def test_a_provider_pulls_its_detail_schedule_as_json_and_csv(invoice, provider_api):
    url = f"/api/v1/invoices/{invoice.pk}/detail-schedule/"
    rows = provider_api.get(url).json()
    assert len(rows) == invoice.lines.count() == 5
    assert [r["net_amount"] for r in rows[:4]] == ["231.00"] * 4
    assert rows[4]["kind"] == LineKind.UNPLANNED_CARE and rows[4]["net_amount"] == "9517.76"
    assert sum(D(r["net_amount"]) for r in rows) == invoice.net_total
    response = provider_api.get(url + "?format=csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    table = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [row["net_amount"] for row in table] == [r["net_amount"] for r in rows]
    assert table[0]["service_user_name"] == invoice.lines.first().order.service_user.name


def test_the_detail_schedule_csv_writes_typed_formulas_as_text(invoice, provider_api):
    person = invoice.lines.exclude(order=None).first().order.service_user
    person.name = '=HYPERLINK("http://evil.example","Click")'
    person.save(update_fields=["name"])
    response = provider_api.get(f"/api/v1/invoices/{invoice.pk}/detail-schedule/?format=csv")
    table = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert table[0]["service_user_name"] == '\'=HYPERLINK("http://evil.example","Click")'
    assert table[0]["net_amount"] == "231.00"


def test_other_organisations_get_404(invoice):
    stranger = client_for(ProviderFactory(name="Elsewhere Care"), [Capability.PROVIDER_MANAGE])
    assert stranger.get(f"/api/v1/invoices/{invoice.pk}/").status_code == 404
    assert stranger.get(f"/api/v1/invoices/{invoice.pk}/detail-schedule/").status_code == 404
    assert stranger.post(f"/api/v1/invoices/{invoice.pk}/submit/", {}, format="json").status_code == 404
    assert stranger.get("/api/v1/invoices/").json()["count"] == 0
    assert APIClient().get("/api/v1/invoices/").status_code == 401


def test_each_side_may_do_only_its_part(invoice, provider_api, council_api, provider_org):
    read_only = client_for(provider_org)
    assert read_only.post(f"/api/v1/invoices/{invoice.pk}/submit/", {}, format="json").status_code == 403
    assert council_api.post(f"/api/v1/invoices/{invoice.pk}/submit/", {}, format="json").status_code == 403
    with on(dt.date(2026, 5, 27)):
        response = provider_api.post(f"/api/v1/invoices/{invoice.pk}/submit/", {}, format="json")
        assert response.status_code == 200 and response.json()["status"] == InvoiceStatus.SUBMITTED
        assert provider_api.post(f"/api/v1/invoices/{invoice.pk}/approve/", format="json").status_code == 403
        response = council_api.post(f"/api/v1/invoices/{invoice.pk}/approve/", format="json")
        assert response.status_code == 200 and response.json()["payment_due_on"] == "2026-06-26"
        bad = council_api.post(
            f"/api/v1/invoices/{invoice.pk}/pay/", {"paid_on": "2026-05-28"}, format="json"
        )
        assert bad.status_code == 400 and "payment_reference" in bad.json()["errors"]
        paid = council_api.post(
            f"/api/v1/invoices/{invoice.pk}/pay/",
            {"paid_on": "2026-05-27", "payment_reference": "BACS-1"},
            format="json",
        )
    assert paid.status_code == 201 and paid.json()["amount"] == str(invoice.gross_total)
    remittances = provider_api.get("/api/v1/remittances/").json()
    assert remittances["count"] == 1 and remittances["results"][0]["payment_reference"] == "BACS-1"


def test_late_submission_by_api_needs_a_reason(invoice, provider_api):
    with on(dt.date(2026, 6, 10)):
        response = provider_api.post(f"/api/v1/invoices/{invoice.pk}/submit/", {}, format="json")
        assert response.status_code == 400 and "late_reason" in response.json()["errors"]
        response = provider_api.post(
            f"/api/v1/invoices/{invoice.pk}/submit/", {"late_reason": "Staff sickness"}, format="json"
        )
    assert response.status_code == 200 and response.json()["is_late"] is True


def test_dispute_by_api_splits_the_invoice(invoice, council_api, provider_api):
    line = invoice.lines.order_by("position")[1]
    with on(dt.date(2026, 5, 27)):
        services.invoice_submit(actor=None, invoice=invoice)
        bad = council_api.post(
            f"/api/v1/invoices/{invoice.pk}/dispute/",
            {"lines": [{"line": 999999, "reason": "x"}]},
            format="json",
        )
        assert bad.status_code == 400
        response = council_api.post(
            f"/api/v1/invoices/{invoice.pk}/dispute/",
            {"lines": [{"line": line.pk, "reason": "Visits not evidenced"}], "reason": "Audit"},
            format="json",
        )
    assert response.status_code == 201
    dispute = response.json()
    assert D(dispute["disputed_amount"]) == D("231.00")
    parts = {
        p["part"]: p
        for p in provider_api.get(f"/api/v1/invoices/?contract={invoice.contract_id}").json()["results"]
    }
    assert parts["U"]["status"] == "submitted" and parts["D"]["status"] == "disputed"
    assert D(parts["U"]["net_total"]) + D(parts["D"]["net_total"]) == invoice.net_total
    resolve_url = f"/api/v1/invoice-disputes/{dispute['id']}/resolve/"
    resolve = council_api.post(resolve_url, {"outcome": "paid", "note": "Evidence found"}, format="json")
    assert resolve.status_code == 200 and resolve.json()["outcome"] == "paid"
    assert json_status(provider_api, resolve_url, {"outcome": "paid", "note": "x"}) == 403


def test_generate_by_api_is_idempotent(hourly_contract, order, provider_api, council_api):
    body = {"contract": hourly_contract.pk, "period_start": "2026-04-27"}
    first = provider_api.post("/api/v1/invoices/generate/", body, format="json")
    assert first.status_code == 201
    again = council_api.post("/api/v1/invoices/generate/", body, format="json")
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    assert Invoice.objects.count() == 1
    wrong = provider_api.post(
        "/api/v1/invoices/generate/", {**body, "period_start": "2026-04-28"}, format="json"
    )
    assert wrong.status_code == 400 and "period_start" in wrong.json()["errors"]
    other = ContractFactory(provider=ProviderFactory(name="Another provider"))
    assert json_status(provider_api, "/api/v1/invoices/generate/", {**body, "contract": other.pk}) == 404


def test_block_review_decision_by_api(block_contract, block_orders, council_api, provider_api):
    services.invoice_generate(contract_id=block_contract.pk, period_start=dt.date(2026, 4, 1))
    review = provider_api.get("/api/v1/block-reviews/").json()["results"][0]
    assert review["outcome"] == "proposed" and review["proposed_weekly_hours"] == "15.00"
    url = f"/api/v1/block-reviews/{review['id']}/decide/"
    assert provider_api.post(url, {"accept": True}, format="json").status_code == 403
    assert council_api.post(url, {"accept": False}, format="json").status_code == 400  # no reason
    invoice = provider_api.get("/api/v1/invoices/?kind=block").json()["results"][0]
    assert invoice["net_total"] == "2905.50"  # the agreed volume: 10 h × 13 × £22.35
    response = council_api.post(url, {"accept": True, "effective_from": "2026-04-01"}, format="json")
    assert response.status_code == 200 and response.json()["outcome"] == "accepted"
    invoice = provider_api.get("/api/v1/invoices/?kind=block").json()["results"][0]
    assert invoice["net_total"] == "4358.25"  # 15 h × 13 × £22.35


def test_lists_use_a_fixed_number_of_queries(hourly_contract, provider_api, django_assert_max_num_queries):
    for _ in range(6):
        order = OrderFactory(contract=hourly_contract, weekly_hours=D("7"), start_date=dt.date(2026, 4, 1))
        daily_visits(order, P_START, 3, 60)
    for start in (P_START, dt.date(2026, 5, 25), dt.date(2026, 6, 22)):
        services.invoice_generate(contract_id=hourly_contract.pk, period_start=start)
    with django_assert_max_num_queries(8):
        assert provider_api.get("/api/v1/invoices/").json()["count"] == 3
    with django_assert_max_num_queries(8):
        assert len(provider_api.get("/api/v1/invoice-lines/?page_size=200").json()["results"]) == 3 * 25
    invoice = Invoice.objects.first()
    with django_assert_max_num_queries(8):
        assert len(provider_api.get(f"/api/v1/invoices/{invoice.pk}/detail-schedule/").json()) == 25
