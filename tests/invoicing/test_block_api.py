"""Derby's block through the REST API, as a council's and a provider's systems would use it (token
auth over HTTP): the block stays at the agreed volume while orders rise, until the council accepts
the review's proposal; block volumes are read by both sides and recorded by the council only."""

import datetime as dt
from decimal import Decimal as D

import pytest

from portal.models import AuditEvent
from portal.roles import Capability
from tests.factories import CommissionerFactory, ContractFactory
from tests.invoicing.test_api import client_for
from tests.invoicing.test_block import JAN, OCT, derby  # noqa: F401 (the fixture)

pytestmark = pytest.mark.django_db


@pytest.fixture
def provider_api(provider_org):
    return client_for(provider_org, [Capability.PROVIDER_MANAGE, Capability.PROVIDER_RECORD])


@pytest.fixture
def council_api(commissioner_org):
    return client_for(commissioner_org, [Capability.COMMISSION])


def _block(client, contract, start):
    response = client.post(
        "/api/v1/invoices/generate/",
        {"contract": contract.pk, "period_start": start.isoformat()},
        format="json",
    )
    assert response.status_code in (200, 201), response.content
    return response.json()


def test_orders_rise_to_440_on_1_july_and_the_block_stays_until_the_proposal_is_accepted(
    derby,  # noqa: F811
    council_api,
    provider_api,
):
    # Orders: 400 h/wk from 1 Apr, 440 h/wk from 1 Jul. The block volume agreed at award is 400 h/wk.
    volumes = provider_api.get(f"/api/v1/block-volumes/?contract={derby.pk}").json()["results"]
    assert [(v["effective_from"], v["weekly_hours"], v["source"]) for v in volumes] == [
        ("2026-04-01", "400.00", "award")
    ]
    # October–December: 400 × 13 × £20.50 = £106,600.00, not the live 440 h.
    october = _block(provider_api, derby, OCT)
    assert october["net_total"] == "106600.00"
    # The review: (400 × 91 + 440 × 92) / 183 = 420.1093 h/wk, +5.03% → 420.11 h = £111,959.32.
    reviews = council_api.get(f"/api/v1/block-reviews/?contract={derby.pk}").json()["results"]
    review = next(r for r in reviews if r["quarter_start"] == "2026-10-01")
    assert (review["signed_difference"], review["outcome"]) == ("+5.03%", "proposed")
    assert (review["proposed_weekly_hours"], review["proposed_amount"]) == ("420.11", "111959.32")
    assert [row["scheme"] for row in review["by_scheme"]] == ["Handyside Court", "Sunnyfield Court"]
    # Run again before the decision: still £106,600.00.
    assert _block(council_api, derby, OCT)["net_total"] == "106600.00"
    # The provider cannot decide; the council accepts from the date it sets, 1 October.
    url = f"/api/v1/block-reviews/{review['id']}/decide/"
    assert provider_api.post(url, {"accept": True}, format="json").status_code == 403
    response = council_api.post(url, {"accept": True, "effective_from": "2026-10-01"}, format="json")
    assert response.status_code == 200, response.content
    assert (response.json()["outcome"], response.json()["effective_from"]) == ("accepted", "2026-10-01")
    # Now the October draft follows the new volume, and so does January.
    invoice = provider_api.get(f"/api/v1/invoices/{october['id']}/").json()
    assert invoice["net_total"] == "111959.32"
    assert _block(provider_api, derby, JAN)["net_total"] == "111959.32"
    volumes = provider_api.get(f"/api/v1/block-volumes/?contract={derby.pk}").json()["results"]
    assert [(v["effective_from"], v["weekly_hours"], v["source"]) for v in volumes] == [
        ("2026-10-01", "420.11", "review"),
        ("2026-04-01", "400.00", "award"),
    ]


def test_the_default_is_the_next_quarter_and_the_invoice_shows_its_hold(
    derby,  # noqa: F811
    council_api,
    provider_api,
):
    october = _block(provider_api, derby, OCT)
    assert october["payment_hold"]["held"] is True
    assert "monitoring (KPI) return has not been submitted" in october["payment_hold"]["reason"]
    review = council_api.get("/api/v1/block-reviews/?outcome=proposed").json()["results"][0]
    response = council_api.post(
        f"/api/v1/block-reviews/{review['id']}/decide/", {"accept": True}, format="json"
    )
    assert response.json()["effective_from"] == "2027-01-01"
    assert provider_api.get(f"/api/v1/invoices/{october['id']}/").json()["net_total"] == "106600.00"
    assert _block(provider_api, derby, JAN)["net_total"] == "111959.32"


def test_the_council_records_a_block_volume_and_only_the_council(
    derby,  # noqa: F811
    council_api,
    provider_api,
):
    body = {
        "contract": derby.pk,
        "effective_from": "2027-04-01",
        "weekly_hours": "430",
        "note": "Agreed by letter",
    }
    assert provider_api.post("/api/v1/block-volumes/", body, format="json").status_code == 403
    other_council = client_for(CommissionerFactory(name="Another council"), [Capability.COMMISSION])
    assert other_council.post("/api/v1/block-volumes/", body, format="json").status_code == 404
    assert derby.block_volumes.count() == 1
    response = council_api.post("/api/v1/block-volumes/", body, format="json")
    assert response.status_code == 201, response.content
    assert (response.json()["weekly_hours"], response.json()["source"]) == ("430.00", "agreed")
    assert AuditEvent.objects.filter(action="block volume set", object_id=str(derby.pk)).count() == 2
    # 1 Apr 2027 onwards: 430 × 13 × £20.50 = £114,595.00.
    assert _block(council_api, derby, dt.date(2027, 4, 1))["net_total"] == "114595.00"
    # Not on an hourly contract.
    hourly = ContractFactory(commissioner=derby.commissioner, provider=derby.provider)
    refused = council_api.post("/api/v1/block-volumes/", {**body, "contract": hourly.pk}, format="json")
    assert refused.status_code == 400
    assert D(derby.block_volumes.get(effective_from=dt.date(2027, 4, 1)).weekly_hours) == D("430")
