"""The commissioner's contract screens: add a contract (naming any registered provider), and set
a scheme's unplanned care hours from a date; refusals come back on the form."""

import datetime as dt
from decimal import Decimal as D

import pytest

from schemes.models import Contract, SchemeUnplannedHours
from tests.factories import LotFactory, SchemeFactory

pytestmark = pytest.mark.django_db


def test_a_commissioner_adds_a_contract_and_sets_unplanned_hours(
    commissioner_org, provider_org, commissioner_user, client
):
    lot = LotFactory(framework__commissioner=commissioner_org)
    scheme = SchemeFactory(lot=lot, name="Lloyd Court", unplanned_hours_per_week=D("98"))
    client.force_login(commissioner_user)
    form = {
        "provider": "Test Care Ltd",
        "lot": lot.pk,
        "reference": "NCC-HWC-L3",
        "start_date": "2026-04-27",
        "payment_model": "hourly_4_weekly",
        "planned_hourly_rate": "22.00",
        "unplanned_hourly_rate": "24.28",
        "notice_period_days": "90",
    }
    response = client.post("/schemes/contracts/new/", form)
    contract = Contract.objects.get(reference="NCC-HWC-L3")
    assert response.status_code == 302 and response["Location"] == contract.get_absolute_url()
    assert (contract.provider, contract.commissioner) == (provider_org, commissioner_org)
    # The same reference again is refused on the form, and nothing more is made.
    again = client.post("/schemes/contracts/new/", form)
    assert again.status_code == 200 and "already exists" in again.content.decode()
    unknown = client.post("/schemes/contracts/new/", {**form, "reference": "X", "provider": "Nobody"})
    assert "No provider of that name" in unknown.content.decode()
    assert Contract.objects.count() == 1

    url = f"/schemes/contracts/{contract.pk}/unplanned-hours/new/"
    response = client.post(
        url, {"scheme": scheme.pk, "effective_from": "2026-06-22", "hours_per_week": "105"}
    )
    assert response.status_code == 302
    assert list(
        SchemeUnplannedHours.objects.filter(contract=contract)
        .order_by("effective_from")
        .values_list("effective_from", "hours_per_week")
    ) == [(dt.date(2026, 4, 27), D("98.00")), (dt.date(2026, 6, 22), D("105.00"))]
    early = client.post(url, {"scheme": scheme.pk, "effective_from": "2026-01-01", "hours_per_week": "1"})
    assert early.status_code == 200 and "cannot start before the contract" in early.content.decode()
