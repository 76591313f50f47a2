"""Bids are sealed until the closing time: no council user and no other provider can read a bid
by page, API or export before it — not its rate, its answers, or that it exists."""

import csv
import datetime as dt
import io
from decimal import Decimal as D

import pytest
import time_machine
from django.urls import reverse

from portal.roles import Capability, Role
from procurement import services
from tests.factories import CommissionerFactory, ProviderFactory, api_token_for, user_for

from .factories import answers_for, calloff, member, open_lot

pytestmark = pytest.mark.django_db
SECRET = "Our secret staffing model 7731"


@pytest.fixture
def sealed(db):
    norfolk = CommissionerFactory(name="Norfolk County Council")
    lot = open_lot(norfolk)
    bidder = user_for(ProviderFactory(name="Wensum Valley Care"), Role.PROVIDER_MANAGER)
    rival = user_for(ProviderFactory(name="Waveney Homecare"), Role.PROVIDER_MANAGER)
    member(lot, bidder.organisation)
    member(lot, rival.organisation)
    c = calloff(lot)
    bid = services.bid_submit(
        actor=bidder,
        provider=bidder.organisation,
        calloff=c,
        hourly_rate=D("22.87"),
        answers=answers_for(c, SECRET),
        note="Price note 5521",
    )
    return {
        "calloff": c,
        "bid": bid,
        "bidder": bidder,
        "rival": rival,
        "commissioner": user_for(norfolk, Role.COMMISSIONER),
        "brokerage": user_for(norfolk, Role.BROKERAGE),
        "norfolk": norfolk,
    }


def _readers(s):
    return [s["commissioner"], s["brokerage"], s["rival"]]


def test_pages_show_no_bid_before_the_closing_time(sealed, client):
    c, bid = sealed["calloff"], sealed["bid"]
    for user in _readers(sealed):
        client.force_login(user)
        page = client.get(reverse("procurement:calloff-detail", args=[c.pk])).content.decode()
        for secret in ("22.87", SECRET, "5521", "Wensum"):
            assert secret not in page, (user.username, secret)
        assert client.get(reverse("procurement:bid-detail", args=[bid.pk])).status_code == 404
        assert client.get(reverse("procurement:bid-score", args=[bid.pk])).status_code == 404
        listing = client.get(reverse("procurement:calloff-list")).content.decode()
        assert "22.87" not in listing
    client.force_login(sealed["commissioner"])
    assert (
        "Bids are sealed until"
        in client.get(reverse("procurement:calloff-detail", args=[c.pk])).content.decode()
    )
    assert client.get(reverse("procurement:calloff-bids-export", args=[c.pk])).status_code == 403
    # The bidder reads its own bid.
    client.force_login(sealed["bidder"])
    assert SECRET in client.get(reverse("procurement:bid-detail", args=[bid.pk])).content.decode()


def test_the_api_shows_no_bid_before_the_closing_time(sealed, api_client):
    c, bid = sealed["calloff"], sealed["bid"]
    _user, key = api_token_for(sealed["norfolk"], scopes=[Capability.COMMISSION])
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api_client.get(reverse("procurement-api:bid-list")).json()["results"] == []
    assert api_client.get(reverse("procurement-api:bid-detail", args=[bid.pk])).status_code == 404
    assert api_client.get(reverse("procurement-api:calloff-detail", args=[c.pk])).json()["ranking"] is None
    score = api_client.post(
        reverse("procurement-api:bid-score", args=[bid.pk]), {"scores": []}, format="json"
    )
    assert score.status_code == 404
    for user in (sealed["rival"],):
        api_client.force_authenticate(user)
        assert api_client.get(reverse("procurement-api:bid-list")).json()["results"] == []
        assert api_client.get(reverse("procurement-api:bid-detail", args=[bid.pk])).status_code == 404


def test_after_the_closing_time_the_council_reads_and_exports_the_bids_and_the_rival_still_cannot(
    sealed, client, api_client
):
    c, bid = sealed["calloff"], sealed["bid"]
    with time_machine.travel(c.closes_at + dt.timedelta(seconds=1), tick=False):
        client.force_login(sealed["commissioner"])
        page = client.get(reverse("procurement:calloff-detail", args=[c.pk])).content.decode()
        assert "Wensum Valley Care" in page and "22.87" in page
        assert SECRET in client.get(reverse("procurement:bid-detail", args=[bid.pk])).content.decode()
        export = client.get(reverse("procurement:calloff-bids-export", args=[c.pk]))
        assert export.status_code == 200
        rows = export.content.decode().splitlines()
        assert (
            rows[0]
            == "rank,provider,hourly_rate,submitted_at,q1_score_of_5,q2_score_of_5,quality_points,price_points,total_points"
        )
        assert rows[1].startswith("1,Wensum Valley Care,22.87,")
        api_client.force_authenticate(sealed["commissioner"])
        ranking = api_client.get(reverse("procurement-api:calloff-detail", args=[c.pk])).json()["ranking"]
        assert [(r["provider_name"], r["hourly_rate"], r["price_points"]) for r in ranking] == [
            ("Wensum Valley Care", "22.87", "30.00")
        ]
        client.force_login(sealed["rival"])
        assert client.get(reverse("procurement:bid-detail", args=[bid.pk])).status_code == 404
        assert "22.87" not in client.get(reverse("procurement:calloff-detail", args=[c.pk])).content.decode()
        api_client.force_authenticate(sealed["rival"])
        assert api_client.get(reverse("procurement-api:bid-list")).json()["results"] == []


def test_one_second_before_the_closing_time_the_seal_holds(sealed, client):
    c = sealed["calloff"]
    with time_machine.travel(c.closes_at - dt.timedelta(seconds=1), tick=False):
        client.force_login(sealed["commissioner"])
        assert client.get(reverse("procurement:bid-detail", args=[sealed["bid"].pk])).status_code == 404
        assert client.get(reverse("procurement:calloff-bids-export", args=[c.pk])).status_code == 403


def test_the_bids_export_writes_a_provider_name_typed_as_a_formula_as_text(sealed, client):
    c, bid = sealed["calloff"], sealed["bid"]
    bid.provider.name = '=HYPERLINK("http://evil.example","Click")'
    bid.provider.save(update_fields=["name"])
    with time_machine.travel(c.closes_at + dt.timedelta(seconds=1), tick=False):
        client.force_login(sealed["commissioner"])
        export = client.get(reverse("procurement:calloff-bids-export", args=[c.pk])).content.decode()
    row = next(csv.DictReader(io.StringIO(export)))
    assert row["provider"] == '\'=HYPERLINK("http://evil.example","Click")' and row["hourly_rate"] == "22.87"
