"""The legacy-costs API over HTTP with real token authentication: each side keeps the staff, the
council agrees, either raises the quarter (201, then 200 unchanged), and another council's or
provider's token finds nothing (404)."""

import datetime as dt

import pytest
from rest_framework.test import APIClient

from invoicing.models import Invoice, InvoiceKind
from legacy_costs.models import LegacyStaffMember
from portal.roles import Capability
from tests.factories import CommissionerFactory, ContractFactory, ProviderFactory, api_token_for
from tests.legacy_costs.conftest import Q1, START

pytestmark = pytest.mark.django_db


def client_for(org, scopes=()):
    _user, key = api_token_for(org, scopes)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


@pytest.fixture
def provider_api(provider_org):
    return client_for(provider_org, [Capability.PROVIDER_MANAGE])


@pytest.fixture
def council_api(commissioner_org):
    return client_for(commissioner_org, [Capability.COMMISSION])


STAFF = {
    "reference": "LS-9",
    "role": "Carer",
    "weekly_contracted_hours": "30",
    "tupe_hourly_rate": "12.50",
    "new_hourly_rate": "11.60",
    "start_date": START.isoformat(),
    "lgps_member": False,
}


def test_the_pair_keeps_agrees_and_raises_through_the_api(nlw, contract, provider_api, council_api):
    made = provider_api.post("/api/v1/legacy-staff/", {**STAFF, "contract": contract.pk}, format="json")
    assert made.status_code == 201, made.json()
    refused = provider_api.post(
        "/api/v1/legacy-staff-agreements/",
        {"contract": contract.pk, "occasion": "start", "on_costs_percent": "25"},
    )
    assert refused.status_code == 403
    agreed = council_api.post(
        "/api/v1/legacy-staff-agreements/",
        {"contract": contract.pk, "occasion": "start", "on_costs_percent": "25"},
        format="json",
    )
    assert agreed.status_code == 201 and agreed.json()["staff"][0]["reference"] == "LS-9"
    body = {"contract": contract.pk, "period_start": Q1.isoformat()}
    first = provider_api.post("/api/v1/legacy-invoices/raise/", body, format="json")
    assert first.status_code == 201, first.json()
    # Pay £0.90 × 30 × 92/7 = £354.86; leave 24 h × £12.50 × 1.25 ÷ 4 = £93.75 (quarter 1 from 1 May 2024).
    assert first.json()["net_total"] == "448.61"
    again = council_api.post("/api/v1/legacy-invoices/raise/", body, format="json")
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    listed = provider_api.get("/api/v1/legacy-invoices/").json()
    assert [row["id"] for row in listed["results"]] == [first.json()["id"]]
    lines = provider_api.get(f"/api/v1/invoices/{first.json()['id']}/detail-schedule/").json()
    assert lines[0]["breakdown"]["legacy"]["steps"][0].startswith(
        "1 May 2024 to 31 Jul 2024 (92 days, NLW £11.44)"
    )
    member = LegacyStaffMember.objects.get()
    ended = provider_api.post(
        f"/api/v1/legacy-staff/{member.pk}/end/",
        {"end_date": "2024-06-15", "end_reason": "promoted"},
        format="json",
    )
    assert ended.status_code == 200 and ended.json()["end_reason"] == "promoted"


def test_another_council_or_provider_finds_nothing(nlw, contract, staff, agreed, provider_api):
    provider_api.post(
        "/api/v1/legacy-invoices/raise/", {"contract": contract.pk, "period_start": Q1.isoformat()}
    )
    invoice = Invoice.objects.get(kind=InvoiceKind.LEGACY)
    member = staff[0]
    for outsider in (
        client_for(ProviderFactory(), [Capability.PROVIDER_MANAGE]),
        client_for(CommissionerFactory(), [Capability.COMMISSION]),
    ):
        assert outsider.get(f"/api/v1/legacy-staff/{member.pk}/").status_code == 404
        assert outsider.get(f"/api/v1/legacy-staff-agreements/{agreed.pk}/").status_code == 404
        assert outsider.get(f"/api/v1/legacy-invoices/{invoice.pk}/").status_code == 404
        assert (
            outsider.post(
                f"/api/v1/legacy-staff/{member.pk}/end/", {"end_date": "2024-06-15", "end_reason": "left"}
            ).status_code
            == 404
        )
        assert outsider.get("/api/v1/legacy-staff/").json()["results"] == []
        assert outsider.get("/api/v1/lgps-figures/").json()["results"] == []
        raised = outsider.post(
            "/api/v1/legacy-invoices/raise/", {"contract": contract.pk, "period_start": "2024-08-01"}
        )
        assert raised.status_code in (400, 404)
    member.refresh_from_db()
    assert member.end_date is None
    assert Invoice.objects.filter(kind=InvoiceKind.LEGACY).count() == 1


def test_a_line_page_shows_how_a_legacy_line_was_worked_out(nlw, contract, agreed, provider_manager, client):
    from legacy_costs import services

    invoice = services.legacy_invoice_raise(
        actor=provider_manager, contract=contract, period_start=Q1
    ).invoice
    client.force_login(provider_manager)
    line = invoice.lines.get(kind="legacy_lgps")
    page = client.get(f"/invoicing/lines/{line.pk}/").content.decode()
    assert "the Norfolk Pension Fund&#x27;s quarterly figure: £450.00" in page
    contract_page = client.get(f"/legacy-costs/contracts/{contract.pk}/").content.decode()
    assert invoice.number in contract_page and "LS-1" in contract_page
    other = ContractFactory()
    assert client.get(f"/legacy-costs/contracts/{other.pk}/").status_code == 404


def test_a_legacy_invoice_has_invoicings_pages_and_documents(nlw, contract, agreed, provider_manager, client):
    from legacy_costs import services

    invoice = services.legacy_invoice_raise(
        actor=provider_manager, contract=contract, period_start=Q1
    ).invoice
    client.force_login(provider_manager)
    paths = [
        f"/invoicing/{invoice.pk}/",
        f"/invoicing/{invoice.pk}/schedule/",
        f"/invoicing/{invoice.pk}/changes/",
    ]
    paths += [
        f"/invoicing/{invoice.pk}/{document}.{fmt}"
        for document in ("summary", "schedule")
        for fmt in ("csv", "xlsx", "pdf")
    ]
    for path in paths:
        assert client.get(path).status_code == 200, path
    assert "TUPE legacy costs" in client.get(f"/invoicing/{invoice.pk}/").content.decode()


def test_the_lists_take_a_fixed_number_of_queries(
    nlw, contract, agreed, provider_manager, provider_api, django_assert_max_num_queries
):
    from legacy_costs import services

    for start in (Q1, dt.date(2024, 8, 1)):
        services.legacy_invoice_raise(actor=provider_manager, contract=contract, period_start=start)
    for path in ("legacy-staff", "legacy-staff-agreements", "lgps-figures", "legacy-invoices"):
        with django_assert_max_num_queries(12):
            response = provider_api.get(f"/api/v1/{path}/")
        assert response.status_code == 200 and response.json()["results"], path


def test_a_manager_records_a_promotion_and_an_lgps_figure_on_the_pages(nlw, staff, provider_manager, client):
    client.force_login(provider_manager)
    member = staff[0]
    saved = client.post(
        f"/legacy-costs/staff/{member.pk}/lgps/",
        {"contract_year": 1, "kind": "actual_q1_q3", "amount": "1410.00"},
    )
    assert saved.status_code == 302
    ended = client.post(
        f"/legacy-costs/staff/{member.pk}/end/", {"end_date": "2024-06-15", "end_reason": "promoted"}
    )
    assert ended.status_code == 302
    member.refresh_from_db()
    assert (
        member.end_date == dt.date(2024, 6, 15)
        and member.lgps_figures.get(kind="actual_q1_q3").amount == 1410
    )
