"""KPI data over the API: a provider's values as JSON and as CSV with a token; another
organisation's token gets none of them; filters; query counts; the workflow actions."""

import csv
import io

import pytest

from kpis import services
from kpis.models import KpiReturn, KpiValue, ReturnStatus
from kpis.quarters import Quarter
from portal.roles import Capability
from tests.factories import api_token_for
from tests.kpis.factories import contract_with_kpis, derby_with_calls

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    derby = derby_with_calls((0, 3))
    other = contract_with_kpis("norfolk")
    for contract in (derby, other):
        for quarter in (Quarter(2026, 1), Quarter(2026, 2)):
            services.returns_compute_for_provider(provider=contract.provider, quarter=quarter)
    return derby, other


def _client(api_client, key):
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return api_client


def test_provider_token_pulls_its_values_as_json_and_csv(api_client, world, django_assert_max_num_queries):
    derby, other = world
    _user, key = api_token_for(derby.provider)
    client = _client(api_client, key)
    with django_assert_max_num_queries(8):
        response = client.get("/api/v1/kpis/values/", {"quarter": "2026-Q2", "provider": derby.provider_id})
    assert response.status_code == 200
    rows = response.json()["results"]
    expected = KpiValue.objects.filter(kpi_return__contract=derby, kpi_return__quarter="2026-Q2").count()
    assert len(rows) == expected == 4  # D1–D4: D1 and D2 for its one scheme, D3 and D4 for the contract
    d1 = next(r for r in rows if r["code"] == "D1")
    assert (d1["numerator"], d1["denominator"], d1["value"], d1["rag"]) == ("1.00", "1.00", "100.00", "green")
    assert d1["quarter"] == "2026-Q2" and d1["window_start"] == "2026-07-01"

    response = client.get("/api/v1/kpis/values/", {"quarter": "2026-Q2", "code": "D1", "format": "csv"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    table = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [(r["code"], r["value"], r["rag"]) for r in table] == [("D1", "100.00", "green")]

    response = client.get("/api/v1/kpis/values/", {"code": "D1"}, HTTP_ACCEPT="text/csv")
    assert response["Content-Type"].startswith("text/csv")
    assert {r["quarter"] for r in csv.DictReader(io.StringIO(response.content.decode()))} == {
        "2026-Q1",
        "2026-Q2",
    }


def test_the_csv_writes_commentary_typed_as_a_formula_as_text(api_client, world):
    derby, _other = world
    typed = '=HYPERLINK("http://evil.example","Click")'
    KpiValue.objects.filter(kpi_return__contract=derby).update(commentary=typed)
    _user, key = api_token_for(derby.provider)
    response = _client(api_client, key).get("/api/v1/kpis/values/", {"quarter": "2026-Q2", "format": "csv"})
    table = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert table and {r["commentary"] for r in table} == {"'" + typed}


def test_another_organisations_token_gets_none_of_them(api_client, world):
    derby, other = world
    _user, key = api_token_for(other.provider)
    client = _client(api_client, key)
    response = client.get("/api/v1/kpis/values/", {"provider": derby.provider_id})
    assert response.status_code == 200 and response.json()["results"] == []
    csv_response = client.get("/api/v1/kpis/values/", {"provider": derby.provider_id, "format": "csv"})
    # Nothing but the header row, sent as CSV (an empty body went out with no Content-Type).
    assert csv_response["Content-Type"].startswith("text/csv")
    assert csv_response.content.decode().strip().splitlines() == [
        "id,kpi_return,quarter,revision,status,commissioner,commissioner_name,provider,provider_name,lot,"
        "contract,contract_reference,scheme,scheme_name,definition,code,title,unit,obtained,numerator,"
        "denominator,value,text,threshold,rag,window_start,window_end,breakdown,note,commentary"
    ]
    value = KpiValue.objects.filter(provider=derby.provider).first()
    assert client.get(f"/api/v1/kpis/values/{value.pk}/").status_code == 404
    assert client.get(f"/api/v1/kpis/returns/{value.kpi_return_id}/").status_code == 404
    # Its own are there.
    own = client.get("/api/v1/kpis/values/").json()["results"]
    assert own and {r["provider"] for r in own} == {other.provider_id}


def test_council_token_filters_and_cursor_pages(api_client, world):
    derby, _ = world
    _user, key = api_token_for(derby.commissioner)
    client = _client(api_client, key)
    page = client.get("/api/v1/kpis/values/", {"page_size": 3}).json()
    assert len(page["results"]) == 3 and "cursor=" in page["next"]
    second = client.get(page["next"]).json()
    assert not {r["id"] for r in page["results"]} & {r["id"] for r in second["results"]}
    returns = client.get("/api/v1/kpis/returns/", {"quarter": "2026-Q1", "status": "draft"}).json()["results"]
    assert [r["quarter"] for r in returns] == ["2026-Q1"]
    assert client.get("/api/v1/kpis/returns/", {"quarter": "not-a-quarter"}).json()["results"] == []
    definitions = client.get("/api/v1/kpis/definitions/", {"lot": derby.lot_id}).json()["results"]
    assert sorted(d["code"] for d in definitions) == ["D1", "D2", "D3", "D4"]
    assert client.get(
        "/api/v1/kpis/values/", {"scheme": derby.schemes.get().pk, "quarter": "2026-Q2"}
    ).json()["results"]


def test_tokens_read_only_unless_granted(api_client, world):
    derby, _ = world
    kpi_return = KpiReturn.objects.get(contract=derby, quarter="2026-Q2")
    d3 = kpi_return.values.get(definition__code="D3")
    d3.text = "Feedback"
    d3.save()
    _user, read_only = api_token_for(derby.provider)
    assert (
        _client(api_client, read_only).post(f"/api/v1/kpis/returns/{kpi_return.pk}/submit/").status_code
        == 403
    )
    _user, granted = api_token_for(derby.provider, scopes=[Capability.PROVIDER_MANAGE])
    response = _client(api_client, granted).post(f"/api/v1/kpis/returns/{kpi_return.pk}/submit/")
    assert response.status_code == 200 and response.json()["status"] == "submitted"
    # The council's token granted COMMISSION queries it; it cannot submit for the provider.
    _user, council = api_token_for(derby.commissioner, scopes=[Capability.COMMISSION])
    client = _client(api_client, council)
    assert client.post(f"/api/v1/kpis/returns/{kpi_return.pk}/submit/").status_code == 400
    response = client.post(
        f"/api/v1/kpis/returns/{kpi_return.pk}/query/",
        {"queries": {str(d3.pk): "More detail?"}},
        format="json",
    )
    assert response.status_code == 200 and response.json()["status"] == ReturnStatus.QUERIED
    response = client.post(f"/api/v1/kpis/returns/{kpi_return.pk}/accept/", {}, format="json")
    assert response.status_code == 400 and "cannot be accepted" in str(response.json())


def test_openapi_documents_the_kpi_endpoints(api_client):
    schema = api_client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    values = schema["paths"]["/api/v1/kpis/values/"]["get"]
    names = {p["name"] for p in values["parameters"]}
    assert {"commissioner", "provider", "lot", "scheme", "quarter", "code", "status", "cursor"} <= names
    assert "/api/v1/kpis/returns/{id}/submit/" in schema["paths"]
    assert "/api/v1/kpis/definitions/" in schema["paths"]
