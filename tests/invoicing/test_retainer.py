"""A longer full-pay retainer agreed in writing by the social worker `[004 §1.6.1 b]`: brokerage
records it (page and API, audited); the invoice pays days up to the agreed day in full, the 7 after
at half, then nothing (`invoicing.rules.absence_factor`); the line's page shows the agreement."""

import datetime as dt
from decimal import Decimal as D

import pytest
from django.core.exceptions import PermissionDenied
from rest_framework.test import APIClient

from invoicing import rules, services
from invoicing.models import LineKind
from packages_of_care import services as packages
from packages_of_care.models import Absence, AbsenceKind
from portal.models import AuditEvent
from portal.roles import Role
from tests.factories import PASSWORD, CommissionerFactory, api_token_for, user_for
from tests.invoicing.conftest import P_START
from tests.packages_of_care.factories import OrderFactory
from tests.signin import SignedInClient

pytestmark = [pytest.mark.django_db]

DAY_21 = P_START + dt.timedelta(days=20)  # Sunday 17 May 2026


@pytest.mark.parametrize(
    ("day", "full_pay_days", "share"),
    [
        (7, 7, "1"),
        (8, 7, "0.5"),
        (14, 7, "0.5"),
        (15, 7, "0"),
        (21, 21, "1"),  # agreed to day 21: in full to then
        (22, 21, "0.5"),  # the 7 days after at half: 22–28
        (28, 21, "0.5"),
        (29, 21, "0"),  # then nothing
    ],
)
def test_the_share_of_each_day_of_an_absence(day, full_pay_days, share):
    assert rules.absence_factor(day, full_pay_days) == D(share)


def test_an_agreement_shorter_than_7_days_changes_nothing():
    span = rules.AbsenceSpan(P_START, None, P_START + dt.timedelta(days=3))
    assert span.full_pay_days == 7


def _api(organisation, scopes):
    _user, key = api_token_for(organisation, scopes)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def test_a_retainer_extended_to_day_21(hourly_contract, commissioner_org, provider_org, brokerage_user):
    """14 h a week commissioned = 120 minutes a day, at £22.00 an hour. Away from Monday 27 April
    (day 1, the period's first day) to Sunday 31 May; the social worker agreed in writing to pay in
    full up to Sunday 17 May (day 21). By hand, for the period 27 April – 24 May:
      weeks 1–3 (days 1–21): 7 × 120 = 840 minutes = 14.00 h × £22.00 = £308.00 each
      week 4 (days 22–28, at half): 7 × 60 = 420 minutes = 7.00 h × £22.00 = £154.00
      total 3 × £308.00 + £154.00 = £1,078.00
    Without the agreement: week 1 £308.00, week 2 £154.00, weeks 3–4 nothing = £462.00."""
    order = OrderFactory(contract=hourly_contract, weekly_hours=D("14.00"), start_date=dt.date(2026, 4, 1))
    absence = Absence.objects.create(
        service_user=order.service_user,
        kind=AbsenceKind.HOSPITAL,
        start_date=P_START,
        end_date=dt.date(2026, 5, 31),
    )

    def planned():
        invoice = services.invoice_generate(contract_id=hourly_contract.pk, period_start=P_START).invoice
        lines = invoice.lines.filter(kind=LineKind.PLANNED_CARE, order=order).order_by("week_start")
        return [(line.quantity, line.net_amount) for line in lines], lines

    before, _lines = planned()
    assert before == [(D("14.00"), D("308.00")), (D("7.00"), D("154.00"))] + [(D("0.00"), D("0.00"))] * 2

    # The provider may not record the agreement; brokerage may, through the API.
    url = f"/api/v1/absences/{absence.pk}/retainer/"
    body = {
        "full_pay_until": "2026-05-17",
        "agreed_by": "Sam Patel (social worker)",
        "agreed_on": "2026-04-29",
    }
    refused = _api(provider_org, ["provider_manage", "provider_record"]).post(url, body, format="json")
    assert refused.status_code == 403
    too_short = _api(commissioner_org, ["broker"]).post(
        url, {**body, "full_pay_until": "2026-05-03"}, format="json"
    )  # day 7
    assert too_short.status_code == 400 and "full_pay_until" in too_short.json()["errors"]
    absence.refresh_from_db()
    assert absence.retainer_full_pay_until is None
    agreed = _api(commissioner_org, ["broker"]).post(url, {**body, "note": "Letter on file"}, format="json")
    assert agreed.status_code == 200, agreed.content
    assert agreed.json()["retainer_full_pay_until"] == "2026-05-17"
    assert agreed.json()["retainer_agreed_by"] == "Sam Patel (social worker)"
    event = AuditEvent.objects.get(action="longer retainer agreed")
    assert event.changes["retainer_full_pay_until"][1] == "2026-05-17"

    after, lines = planned()
    assert after == [(D("14.00"), D("308.00"))] * 3 + [(D("7.00"), D("154.00"))]
    assert sum(amount for _q, amount in after) == D("1078.00")
    week_4 = lines[3]
    assert [row[1:3] for row in week_4.breakdown["retainer_days"]] == [[day, "0.5"] for day in range(22, 29)]

    # The line's page shows the agreement.
    client = SignedInClient()
    assert client.login(username=brokerage_user.username, password=PASSWORD)
    page = client.get(week_4.get_absolute_url()).content.decode()
    assert "agreed in writing by the social worker, Sam Patel (social worker), on 29 Apr 2026" in page
    assert "paid in full up to 17 May 2026 (day 21 of the absence)" in page
    assert "Letter on file" in page


def test_brokerage_records_the_agreement_on_the_absence_page(hourly_contract, brokerage_user):
    order = OrderFactory(contract=hourly_contract, weekly_hours=D("14.00"), start_date=dt.date(2026, 4, 1))
    absence = Absence.objects.create(
        service_user=order.service_user, kind=AbsenceKind.HOSPITAL, start_date=P_START
    )
    client = SignedInClient()
    assert client.login(username=brokerage_user.username, password=PASSWORD)
    detail = client.get(absence.get_absolute_url()).content.decode()
    assert "Record a longer retainer agreed by the social worker" in detail
    response = client.post(
        f"/packages/absences/{absence.pk}/retainer/",
        {
            "full_pay_until": DAY_21.isoformat(),
            "agreed_by": "Sam Patel",
            "agreed_on": "2026-04-29",
            "note": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    absence.refresh_from_db()
    assert (absence.retainer_full_pay_until, absence.retainer_full_pay_days) == (DAY_21, 21)
    assert absence.retainer_recorded_by == brokerage_user
    assert (
        "Paid in full up to Sunday 17 May 2026 (day 21)"
        in client.get(absence.get_absolute_url()).content.decode()
    )
    # Another council's brokerage cannot.
    other = user_for(CommissionerFactory(), Role.BROKERAGE, username="other-broker")
    with pytest.raises(PermissionDenied):
        packages.absence_retainer_agree(
            actor=other, absence=absence, full_pay_until=DAY_21, agreed_by="x", agreed_on=DAY_21
        )
