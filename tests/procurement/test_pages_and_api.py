"""The procurement screens and API: forms call the services, errors name the field, lists keep a
fixed number of queries."""

import datetime as dt
from decimal import Decimal as D

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from portal.models import CqcRating
from portal.roles import Capability, Role
from procurement import services
from procurement.models import Bid, CallOff, CallOffStatus
from schemes.models import LotMembership, MembershipStatus
from tests.factories import CommissionerFactory, ProviderFactory, SchemeFactory, api_token_for, user_for

from .factories import answers_for, calloff, member, open_lot

pytestmark = pytest.mark.django_db


@pytest.fixture
def w(db):
    dorset = CommissionerFactory(name="Dorset Council")
    lot = open_lot(dorset)
    SchemeFactory(lot=lot, name="Harbour View")
    return {
        "dorset": dorset,
        "lot": lot,
        "commissioner": user_for(dorset, Role.COMMISSIONER),
        "manager": user_for(ProviderFactory(name="Purbeck Care"), Role.PROVIDER_MANAGER),
    }


def test_apply_page_shows_what_the_portal_holds_and_the_council_admits(w, client):
    client.force_login(w["manager"])
    page = client.get(reverse("procurement:membership-apply", args=[w["lot"].pk])).content.decode()
    assert "CQC rated Good or Outstanding" in page and "Met" in page
    response = client.post(
        reverse("procurement:membership-apply", args=[w["lot"].pk]), {"statement": "Wareham office"}
    )
    membership = LotMembership.objects.get()
    assert response.status_code == 302 and response["Location"] == membership.get_absolute_url()
    client.force_login(w["commissioner"])
    page = client.get(membership.get_absolute_url()).content.decode()
    assert "Wareham office" in page and "Meets the criteria today" in page
    response = client.post(
        reverse("procurement:membership-decide", args=[membership.pk]), {"decision": "reject"}
    )
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.APPLIED  # rejecting needs reasons
    client.post(
        reverse("procurement:membership-decide", args=[membership.pk]), {"decision": "admit", "reason": ""}
    )
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.ADMITTED


def test_a_failing_application_shows_the_unmet_criterion(w, client):
    provider = w["manager"].organisation
    provider.cqc_rating = CqcRating.INADEQUATE
    provider.save()
    client.force_login(w["manager"])
    response = client.post(reverse("procurement:membership-apply", args=[w["lot"].pk]), {})
    assert response.status_code == 200
    assert "CQC rated Good or Outstanding — your CQC rating is Inadequate" in response.content.decode()
    assert not LotMembership.objects.exists()


def test_council_creates_publishes_a_call_off_and_a_bid_of_23_53_is_shown_as_an_error(w, client):
    member(w["lot"], w["manager"].organisation)
    client.force_login(w["commissioner"])
    closes = (timezone.localtime() + dt.timedelta(days=5)).strftime("%Y-%m-%dT%H:%M")
    data = {
        "lot": w["lot"].pk,
        "reference": "DOR-1",
        "title": "Care at home, Purbeck",
        "closes_at": closes,
        "price_min": "21.00",
        "price_max": "23.52",
        "price_weight": "30",
        "contract_reference": "DOR-1-C",
        "contract_start": "2027-04-01",
        "payment_model": "weekly_package",
        "questions-TOTAL_FORMS": "3",
        "questions-INITIAL_FORMS": "0",
        "questions-MIN_NUM_FORMS": "0",
        "questions-MAX_NUM_FORMS": "20",
        "questions-0-text": "Staffing",
        "questions-0-weight": "40",
        "questions-0-max_score": "5",
        "questions-1-text": "Outcomes",
        "questions-1-weight": "20",
        "questions-1-max_score": "5",
    }
    response = client.post(reverse("procurement:calloff-create"), data)
    assert "add up to 90%, not 100%" in response.content.decode()
    data["questions-1-weight"] = "30"
    response = client.post(reverse("procurement:calloff-create"), data)
    c = CallOff.objects.get()
    assert response["Location"] == c.get_absolute_url()
    assert [q.text for q in c.questions.all()] == ["Staffing", "Outcomes"]
    client.post(reverse("procurement:calloff-publish", args=[c.pk]))
    c.refresh_from_db()
    assert c.status == CallOffStatus.PUBLISHED

    client.force_login(w["manager"])
    q1, q2 = c.questions.all()
    bid_data = {"hourly_rate": "23.53", f"answer_{q1.pk}": "A", f"answer_{q2.pk}": "B"}
    response = client.post(reverse("procurement:bid-submit", args=[c.pk]), bid_data)
    assert response.status_code == 200
    assert "The hourly rate £23.53 is above the price band of £21.00 to £23.52" in response.content.decode()
    assert not Bid.objects.exists()
    bid_data["hourly_rate"] = "23.52"
    response = client.post(reverse("procurement:bid-submit", args=[c.pk]), bid_data)
    assert response["Location"] == Bid.objects.get().get_absolute_url()


def test_api_application_naming_the_criterion_and_api_bid_outside_the_band(w, api_client):
    provider = w["manager"].organisation
    provider.cqc_rating = CqcRating.REQUIRES_IMPROVEMENT
    provider.save()
    _u, key = api_token_for(provider, scopes=[Capability.PROVIDER_MANAGE])
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    response = api_client.post(
        reverse("procurement-api:membership-list"), {"lot": w["lot"].pk}, format="json"
    )
    assert response.status_code == 400
    assert "CQC rated Good or Outstanding — your CQC rating is Requires improvement" in str(response.json())

    member(w["lot"], provider)
    c = calloff(w["lot"])
    q1, q2 = c.questions.all()
    body = {
        "calloff": c.pk,
        "hourly_rate": "23.53",
        "answers": [{"question": q1.pk, "answer": "x"}, {"question": q2.pk, "answer": "y"}],
    }
    response = api_client.post(reverse("procurement-api:bid-list"), body, format="json")
    assert response.status_code == 400
    assert response.json()["errors"]["hourly_rate"] == [
        "The hourly rate £23.53 is above the price band of £21.00 to £23.52: bids outside the band are refused."
    ]
    body["hourly_rate"] = "22.00"
    response = api_client.post(reverse("procurement-api:bid-list"), body, format="json")
    assert response.status_code == 201 and response.json()["hourly_rate"] == "22.00"


def test_api_scores_and_awards_after_the_closing_time(w, api_client):
    member(w["lot"], w["manager"].organisation)
    c = calloff(w["lot"], questions=(("Quality", "70", 5),))
    bid = services.bid_submit(
        actor=w["manager"],
        provider=w["manager"].organisation,
        calloff=c,
        hourly_rate=D("22.40"),
        answers=answers_for(c),
    )
    _u, key = api_token_for(w["dorset"], scopes=[Capability.COMMISSION])
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    with time_machine.travel(c.closes_at + dt.timedelta(minutes=1), tick=False):
        q = c.questions.get()
        response = api_client.post(
            reverse("procurement-api:bid-score", args=[bid.pk]),
            {"scores": [{"question": q.pk, "score": 4}]},
            format="json",
        )
        assert response.status_code == 200 and response.json()["answers"][0]["score"] == 4
        response = api_client.post(
            reverse("procurement-api:calloff-award", args=[c.pk]), {"bid": bid.pk}, format="json"
        )
        assert response.status_code == 200
        # 70 × 4/5 = 56.00 quality + 30.00 price.
        assert response.json()["ranking"][0]["total_points"] == "86.00"
    c.refresh_from_db()
    assert c.contract.rate_on(c.contract_start).planned_hourly_rate == D("22.40")


def test_list_pages_and_endpoints_keep_a_fixed_number_of_queries(
    w, client, api_client, django_assert_max_num_queries
):
    for i in range(12):
        provider = ProviderFactory(name=f"Provider {i}")
        member(w["lot"], provider)
    for i in range(6):
        calloff(w["lot"], reference=f"CO-{i}")
    client.force_login(w["commissioner"])
    with django_assert_max_num_queries(30):
        assert client.get(reverse("procurement:membership-list")).status_code == 200
    with django_assert_max_num_queries(30):
        assert client.get(reverse("procurement:calloff-list")).status_code == 200
    with django_assert_max_num_queries(45):
        assert (
            client.get(reverse("procurement:framework-providers", args=[w["lot"].framework_id])).status_code
            == 200
        )
    api_client.force_authenticate(w["commissioner"])
    for name in ("membership-list", "calloff-list", "bid-list", "entry-criterion-list"):
        with django_assert_max_num_queries(12):
            assert api_client.get(reverse(f"procurement-api:{name}")).status_code == 200
