"""KPI returns and values in the API carry names beside ids, and filter by the contract's
reference (or the provider's name) as well as by id."""

import pytest
from rest_framework.test import APIClient

from kpis import services
from kpis.quarters import Quarter
from tests.factories import api_token_for
from tests.kpis.factories import contract_with_kpis

pytestmark = pytest.mark.django_db


def test_values_and_returns_by_reference_with_names():
    contract = contract_with_kpis("derby", reference="DCC-EC-L2")
    other = contract_with_kpis("derby", commissioner=contract.commissioner, reference="DCC-EC-L1")
    for c in (contract, other):
        services.returns_compute_for_provider(provider=c.provider, quarter=Quarter(2026, 2))
    _user, key = api_token_for(contract.commissioner)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")

    by_reference = client.get("/api/v1/kpis/values/", {"contract": "DCC-EC-L2"}).json()["results"]
    by_id = client.get("/api/v1/kpis/values/", {"contract": contract.pk}).json()["results"]
    assert by_reference and [v["id"] for v in by_reference] == [v["id"] for v in by_id]
    assert {
        (v["contract"], v["contract_reference"], v["provider_name"], v["commissioner_name"])
        for v in by_reference
    } == {(contract.pk, "DCC-EC-L2", contract.provider.name, contract.commissioner.name)}
    by_provider = client.get("/api/v1/kpis/returns/", {"provider": other.provider.name}).json()["results"]
    assert [(r["contract_reference"], r["provider_name"]) for r in by_provider] == [
        ("DCC-EC-L1", other.provider.name)
    ]
    assert client.get("/api/v1/kpis/returns/", {"contract": "NO-SUCH"}).json()["results"] == []
