"""Contracts over the API: a council creates one on its own lot, changes what may change, sets
rates and unplanned hours from a date; every write audited; a provider, another council or a
read-only token is refused and changes nothing. Lists filter by reference as well as id."""

import datetime as dt
from decimal import Decimal as D

import pytest
from rest_framework.test import APIClient

from portal.models import AuditEvent
from schemes.models import Contract, ContractRate, SchemeUnplannedHours
from tests.factories import CommissionerFactory, LotFactory, ProviderFactory, SchemeFactory, api_token_for

pytestmark = pytest.mark.django_db


def token(organisation, scopes=()):
    _user, key = api_token_for(organisation, scopes)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


@pytest.fixture
def lot(commissioner_org):
    lot = LotFactory(framework__commissioner=commissioner_org, number="2")
    SchemeFactory(lot=lot, name="Green Lane View", unplanned_hours_per_week=D("98"))
    SchemeFactory(lot=lot, name="Redmayne View", unplanned_hours_per_week=D("98"))
    return lot


def payload(lot, the_provider, **changes):
    return {
        "provider": the_provider.pk,
        "lot": lot.pk,
        "reference": "NCC-HWC-L2",
        "start_date": "2026-04-27",
        "payment_model": "hourly_4_weekly",
        "planned_hourly_rate": "22.00",
        "unplanned_hourly_rate": "24.28",
        **changes,
    }


def test_a_council_creates_changes_and_prices_a_contract(commissioner_org, provider_org, lot):
    council = token(commissioner_org, ["commission"])
    created = council.post(
        "/api/v1/contracts/", payload(lot, provider_org, provider="Test Care Ltd"), format="json"
    )
    assert created.status_code == 201, created.json()
    body = created.json()
    contract = Contract.objects.get(pk=body["id"])
    assert (contract.commissioner, contract.provider, contract.payment_period_anchor) == (
        commissioner_org,
        provider_org,
        dt.date(2026, 4, 27),
    )
    assert (body["provider_name"], body["commissioner_name"]) == ("Test Care Ltd", "Test County Council")
    assert [r["planned_hourly_rate"] for r in body["rates"]] == ["22.00"]

    changed = council.patch(f"/api/v1/contracts/{contract.pk}/", {"end_date": "2029-03-31"}, format="json")
    assert changed.status_code == 200 and changed.json()["end_date"] == "2029-03-31"
    # Who and how it is paid do not change on a contract.
    refused = council.patch(
        f"/api/v1/contracts/{contract.pk}/", {"payment_model": "block_quarterly"}, format="json"
    )
    assert (
        refused.status_code == 200 and Contract.objects.get(pk=contract.pk).payment_model == "hourly_4_weekly"
    )

    rate = council.post(
        f"/api/v1/contracts/{contract.pk}/rates/",
        {"effective_from": "2027-04-01", "planned_hourly_rate": "22.60"},
        format="json",
    )
    assert rate.status_code == 200, rate.json()
    assert [r["planned_hourly_rate"] for r in rate.json()["rates"]] == ["22.60", "22.00"]
    green = contract.schemes.get(name="Green Lane View")
    hours = council.post(
        f"/api/v1/contracts/{contract.pk}/unplanned-hours/",
        {"scheme": green.pk, "effective_from": "2026-06-22", "hours_per_week": "110"},
        format="json",
    )
    assert hours.status_code == 200, hours.json()
    assert list(
        SchemeUnplannedHours.objects.filter(contract=contract, scheme=green)
        .order_by("effective_from")
        .values_list("effective_from", "hours_per_week")
    ) == [(dt.date(2026, 4, 27), D("98.00")), (dt.date(2026, 6, 22), D("110.00"))]
    actions = list(AuditEvent.objects.for_object(contract).order_by("pk").values_list("action", flat=True))
    assert actions == ["created", "changed", "rate set", "unplanned hours set"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"start_date": "2026-04-27", "end_date": "2026-01-01"}, "end_date"),
        ({"planned_hourly_rate": "-1"}, "planned_hourly_rate"),
        ({"payment_model": "monthly"}, "payment_model"),
        ({"provider": "Nobody Ltd"}, "provider"),
    ],
)
def test_invalid_contracts_are_refused_naming_the_field(commissioner_org, provider_org, lot, change, field):
    council = token(commissioner_org, ["commission"])
    response = council.post("/api/v1/contracts/", payload(lot, provider_org, **change), format="json")
    assert response.status_code == 400 and field in response.json()["errors"]
    assert Contract.objects.count() == 0


def test_refused_writes_change_nothing(commissioner_org, provider_org, lot):
    other_lot = LotFactory(framework__commissioner=CommissionerFactory())
    council = token(commissioner_org, ["commission"])
    # Another council's lot is not found.
    assert (
        council.post("/api/v1/contracts/", payload(other_lot, provider_org), format="json").status_code == 404
    )
    # A read-only council token, and the provider's managing token, may not create.
    assert (
        token(commissioner_org)
        .post("/api/v1/contracts/", payload(lot, provider_org), format="json")
        .status_code
        == 403
    )
    provider = token(provider_org, ["provider_manage"])
    assert provider.post("/api/v1/contracts/", payload(lot, provider_org), format="json").status_code == 403
    assert Contract.objects.count() == 0
    contract = Contract.objects.get(
        pk=council.post("/api/v1/contracts/", payload(lot, provider_org), format="json").json()["id"]
    )
    before = AuditEvent.objects.count()
    assert (
        provider.post(
            f"/api/v1/contracts/{contract.pk}/rates/",
            {"effective_from": "2027-04-01", "planned_hourly_rate": "99.00"},
            format="json",
        ).status_code
        == 403
    )
    stranger = token(CommissionerFactory(), ["commission"])
    assert (
        stranger.patch(f"/api/v1/contracts/{contract.pk}/", {"title": "x"}, format="json").status_code == 404
    )
    assert ContractRate.objects.filter(contract=contract).count() == 1
    assert AuditEvent.objects.count() == before


def test_lists_filter_by_reference_or_id(commissioner_org, provider_org, lot):
    council = token(commissioner_org, ["commission"])
    mine = council.post("/api/v1/contracts/", payload(lot, provider_org), format="json").json()
    other_provider = ProviderFactory(name="Other Care", cqc_location_id="1-123")
    council.post("/api/v1/contracts/", payload(lot, other_provider, reference="NCC-HWC-L2B"), format="json")

    def refs(**query):
        response = council.get("/api/v1/contracts/", query)
        assert response.status_code == 200, response.json()
        return sorted(c["reference"] for c in response.json()["results"])

    assert refs(provider="Test Care Ltd") == ["NCC-HWC-L2"]
    assert refs(provider=provider_org.pk) == ["NCC-HWC-L2"]
    assert refs(provider="1-123") == ["NCC-HWC-L2B"]
    assert refs(provider="Nobody at all") == []
    assert refs(lot=lot.pk) == ["NCC-HWC-L2", "NCC-HWC-L2B"]
    assert mine["reference"] == "NCC-HWC-L2"
