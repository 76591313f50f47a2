"""Onboarding through the API only, as an integrating council and provider would: reference data
from `load_reference`, then a council token creates a contract on a lot with its rates and
unplanned hours, sets its invoicing terms and KPIs, and issues an order; a provider token
subscribes a webhook, accepts the order and records the visits; `invoice_run` makes the invoice
and the provider's receiver — a real HTTP server started here — gets `invoice.generated`, signed."""

import datetime as dt
import io
import json
from decimal import Decimal as D
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from rest_framework.test import APIClient

from invoicing.models import Invoice, InvoicingTerms
from portal.models import AuditEvent, Organisation
from portal.webhooks import rules
from schemes.models import Contract
from tests.factories import ProviderFactory, api_token_for
from tests.portal.receiver import WebhookReceiver

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
START = dt.date(2026, 4, 27)  # a Monday: the contract's first 4-weekly period runs to Sunday 24 May
REF = "NCC-HWC-L2-ONB"


def token(organisation, scopes) -> APIClient:
    _user, key = api_token_for(organisation, scopes)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def ok(response, status=200):
    assert response.status_code == status, response.json()
    return response.json()


def test_a_council_and_a_provider_onboard_through_the_api_and_the_invoice_run_announces_the_invoice(
    django_capture_on_commit_callbacks,
):
    call_command("load_reference", stdout=io.StringIO())
    norfolk = Organisation.objects.get(name="Norfolk County Council")
    provider = ProviderFactory(name="Onboard Care Ltd", cqc_location_id="1-999000111")
    council = token(norfolk, ["commission", "broker"])
    manager = token(provider, ["provider_manage", "provider_record"])

    with (
        time_machine.travel(dt.datetime(2026, 5, 26, 10, 0, tzinfo=LONDON), tick=False),
        WebhookReceiver() as receiver,
    ):
        # The lot and its schemes, found through the API.
        lots = ok(council.get("/api/v1/lots/", {"commissioner": norfolk.pk, "number": "2"}))["results"]
        lot = lots[0]["id"]
        schemes = {s["name"]: s["id"] for s in ok(council.get("/api/v1/schemes/", {"lot": lot}))["results"]}
        assert set(schemes) == {"Green Lane View", "Redmayne View"}

        # The contract, naming the provider by its CQC location ID.
        contract = ok(
            council.post(
                "/api/v1/contracts/",
                {
                    "provider": "1-999000111",
                    "lot": lot,
                    "reference": REF,
                    "start_date": START.isoformat(),
                    "end_date": "2029-03-31",
                    "payment_model": "hourly_4_weekly",
                    "planned_hourly_rate": "22.00",
                    "unplanned_hourly_rate": "24.28",
                },
                format="json",
            ),
            201,
        )
        assert (contract["provider_name"], contract["lot_name"], contract["payment_period_anchor"]) == (
            "Onboard Care Ltd",
            lots[0]["name"],
            START.isoformat(),
        )
        # Each scheme starts at the specification's 98 h/week; Redmayne View is agreed at 120.
        assert sorted((u["scheme_name"], u["hours_per_week"]) for u in contract["unplanned_hours"]) == [
            ("Green Lane View", "98.00"),
            ("Redmayne View", "98.00"),
        ]
        contract = ok(
            council.post(
                f"/api/v1/contracts/{contract['id']}/unplanned-hours/",
                {
                    "scheme": schemes["Redmayne View"],
                    "effective_from": START.isoformat(),
                    "hours_per_week": "120",
                },
                format="json",
            )
        )
        assert sorted((u["scheme_name"], u["hours_per_week"]) for u in contract["unplanned_hours"]) == [
            ("Green Lane View", "98.00"),
            ("Redmayne View", "120.00"),
        ]
        # Next April's rate, set now: it does not touch this period.
        ok(
            council.post(
                f"/api/v1/contracts/{contract['id']}/rates/",
                {
                    "effective_from": "2027-04-01",
                    "planned_hourly_rate": "22.60",
                    "unplanned_hourly_rate": "24.90",
                },
                format="json",
            )
        )
        terms = ok(
            council.patch(f"/api/v1/invoicing-terms/{contract['id']}/", {"payment_days": 20}, format="json")
        )
        assert (terms["contract_reference"], terms["payment_days"]) == (REF, 20)
        # The contract takes two of its lot's KPIs, not all of them.
        kpis = ok(council.get(f"/api/v1/kpis/contracts/{contract['id']}/"))
        assert kpis["chosen"] is False and len(kpis["codes"]) > 2
        chosen = sorted(kpis["codes"][:2])
        kpis = ok(council.put(f"/api/v1/kpis/contracts/{contract['id']}/", {"codes": chosen}, format="json"))
        assert (kpis["chosen"], sorted(kpis["codes"])) == (True, chosen)

        # The provider subscribes its system to orders issued and invoices generated.
        hook = ok(
            manager.post(
                "/api/v1/webhooks/subscriptions/",
                {"url": receiver.url, "events": ["order.issued", "invoice.generated"]},
                format="json",
            ),
            201,
        )

        # Brokerage (the council's token) records the person and issues the order: 7 h a week,
        # an hour every morning.
        with django_capture_on_commit_callbacks(execute=True):
            person = ok(
                council.post(
                    "/api/v1/service-users/",
                    {"reference": "NCC-ONB-1", "name": "Ada Example", "scheme": schemes["Green Lane View"]},
                    format="json",
                ),
                201,
            )
            order = ok(
                council.post(
                    "/api/v1/orders/",
                    {
                        "service_user": person["id"],
                        "contract": contract["id"],
                        "start_date": START.isoformat(),
                        "weekly_hours": "7",
                        "schedule": [
                            {"weekday": day, "start_time": "08:00", "duration_minutes": 60}
                            for day in range(7)
                        ],
                        "outcomes": [
                            {
                                "service_element": "maintenance",
                                "category": "nutrition",
                                "description": "Breakfast",
                            }
                        ],
                    },
                    format="json",
                ),
                201,
            )
            ok(council.post(f"/api/v1/orders/{order['id']}/issue/", {}, format="json"))
        assert [r.headers[rules.EVENT_HEADER] for r in receiver.received] == ["order.issued"]

        ok(manager.post(f"/api/v1/orders/{order['id']}/accept/", {}, format="json"))
        # The provider's call monitoring: every visit of the period, an hour each.
        for offset in range(28):
            day = START + dt.timedelta(days=offset)
            ok(
                manager.post(
                    "/api/v1/visits/",
                    {
                        "order": order["id"],
                        "scheduled_start": f"{day}T08:00:00+01:00",
                        "scheduled_end": f"{day}T09:00:00+01:00",
                        "actual_start": f"{day} 08:00",
                        "actual_end": f"{day} 09:00",
                        "carer_reference": "CARER-1",
                        "status": "completed",
                    },
                    format="json",
                ),
                201,
            )

        out = io.StringIO()
        with django_capture_on_commit_callbacks(execute=True):
            call_command("invoice_run", "--contract", REF, "--period", START.isoformat(), stdout=out)

    invoice = Invoice.objects.get(contract__reference=REF)
    # Planned: 7 h a week delivered (within the ±20% tolerance of 7 h) at £22.00 = £154.00 a week,
    # 4 weeks = £616.00. Unplanned: Green Lane View 98 h × 4 weeks × £24.28 = £9,517.76; Redmayne
    # View 120 h × 4 × £24.28 = 480 × 24.28 = £11,654.40. Net 616.00 + 9,517.76 + 11,654.40.
    assert invoice.net_total == D("616.00") + D("9517.76") + D("11654.40") == D("21788.16")
    assert f"created invoice {invoice.number}" in out.getvalue() and "£21,788.16" in out.getvalue()
    assert InvoicingTerms.objects.get(contract__reference=REF).payment_days == 20

    assert [r.headers[rules.EVENT_HEADER] for r in receiver.received] == ["order.issued", "invoice.generated"]
    received = receiver.received[1]
    header = received.headers[rules.SIGNATURE_HEADER]
    timestamp = int(header.split(",")[0].removeprefix("t="))
    secret = hook["secret"]
    assert rules.signature_valid(secret, header, received.body, now=timestamp)
    data = json.loads(received.body)["data"]
    assert (data["number"], data["contract_reference"], data["provider_name"], D(data["net_total"])) == (
        invoice.number,
        REF,
        "Onboard Care Ltd",
        D("21788.16"),
    )

    # Every list takes the contract's reference where it takes its id.
    assert [i["number"] for i in ok(council.get("/api/v1/invoices/", {"contract": REF}))["results"]] == [
        invoice.number
    ]
    assert [o["id"] for o in ok(manager.get("/api/v1/orders/", {"contract": REF}))["results"]] == [
        order["id"]
    ]
    visits = ok(manager.get("/api/v1/visits/", {"order": order["reference"], "page_size": 100}))["results"]
    assert len(visits) == 28 and {v["order"] for v in visits} == {order["id"]}
    assert ok(manager.get("/api/v1/visits/", {"order": "NO-SUCH-ORDER"}))["results"] == []
    assert [
        c["reference"]
        for c in ok(council.get("/api/v1/contracts/", {"provider": "Onboard Care Ltd"}))["results"]
    ] == [REF]
    # Every write was audited on the contract.
    actions = set(
        AuditEvent.objects.for_object(Contract.objects.get(reference=REF)).values_list("action", flat=True)
    )
    assert {"created", "unplanned hours set", "rate set", "KPIs chosen"} <= actions
