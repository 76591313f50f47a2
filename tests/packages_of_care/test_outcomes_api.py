"""Outcome reviews over the API [004 §3.6.10–12], and an order's emergency start [004 §3.2.9]: listed per order, recorded by the provider or
the council's brokerage, through HTTP with signed-in clients. Another provider gets 404 and a
refused review records nothing."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from packages_of_care import alerts, services
from packages_of_care.models import IndividualServiceOrder, OutcomeReview
from portal.models import Alert, AuditEvent
from tests.packages_of_care.test_views import order_form

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")
OUTCOMES = [
    {"service_element": "enabling_potential", "category": "nutrition", "description": "Make own lunch"}
]


@pytest.fixture
def active_order(make_order, brokerage_user, provider_manager):
    with time_machine.travel(dt.datetime(2026, 4, 8, 10, tzinfo=LONDON), tick=False):
        order = make_order(weekly_hours="10", outcomes=OUTCOMES)
        services.order_issue(actor=brokerage_user, order=order)
        services.order_accept(actor=provider_manager, order=order)
    return order


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(dt.datetime(2026, 6, 10, 9, tzinfo=LONDON), tick=False):
        yield


def test_reviews_listed_per_order_and_recorded_by_either_side(
    api_client, active_order, provider_staff, brokerage_user, other_manager
):
    outcome = active_order.versions.get().outcomes.get()
    url = reverse("packages-of-care-api:outcome-review-list")
    api_client.force_login(provider_staff)
    version = api_client.get(reverse("packages-of-care-api:order-version-list"), {"order": active_order.pk})
    assert version.json()["results"][0]["outcomes"][0]["id"] == outcome.pk  # how a client finds the id
    first = {"outcome": outcome.pk, "reviewed_on": "2026-05-01", "status": "on_track"}
    assert api_client.post(url, first, format="json").status_code == 201
    # Not being achieved without saying what should change: 400, nothing recorded.
    refused = {"outcome": outcome.pk, "reviewed_on": "2026-06-01", "status": "not_achieved"}
    assert api_client.post(url, refused, format="json").status_code == 400
    assert OutcomeReview.objects.count() == 1
    api_client.force_login(brokerage_user)
    response = api_client.post(url, {**refused, "note": "Needs an OT assessment"}, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["order"] == active_order.pk
    assert Alert.objects.filter(kind=alerts.OUTCOME_NOT_MET, resolved_at=None).count() == 1
    listed = api_client.get(url, {"order": active_order.pk}).json()["results"]
    assert [(r["reviewed_on"], r["status"]) for r in listed] == [
        ("2026-06-01", "not_achieved"),
        ("2026-05-01", "on_track"),
    ]
    assert api_client.get(url, {"order": active_order.pk + 1000}).json()["results"] == []
    # Another provider sees none of it and cannot review the outcome (404), recording nothing.
    api_client.force_login(other_manager)
    assert api_client.get(url).json()["count"] == 0
    detail = reverse("packages-of-care-api:outcome-review-detail", args=[listed[0]["id"]])
    assert api_client.get(detail).status_code == 404
    assert api_client.post(url, {**first, "reviewed_on": "2026-06-09"}, format="json").status_code == 404
    assert OutcomeReview.objects.count() == 2


def test_brokerage_marks_an_emergency_start_on_the_form_and_through_the_api(
    client, api_client, brokerage_user, provider_manager, person, contract, make_order
):
    client.force_login(brokerage_user)
    response = client.post(
        reverse("packages_of_care:order-create"), order_form(person, contract, is_emergency="on")
    )
    assert response.status_code == 302
    order = IndividualServiceOrder.objects.get()
    assert order.is_emergency is True
    assert AuditEvent.objects.get(object_id=str(order.pk), action="drafted").changes["is_emergency"] == [
        None,
        True,
    ]
    draft = make_order(start_date=dt.date(2026, 7, 6))
    api_client.force_login(provider_manager)
    url = reverse("packages-of-care-api:order-detail", args=[draft.pk])
    # The provider cannot see a draft: 404, and it stays as it was.
    assert api_client.patch(url, {"is_emergency": True}, format="json").status_code == 404
    api_client.force_login(brokerage_user)
    response = api_client.patch(url, {"is_emergency": True}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["is_emergency"] is True
    draft.refresh_from_db()
    assert draft.is_emergency is True


def test_the_order_page_says_when_the_plan_was_not_agreed_face_to_face_in_time(
    client, active_order, brokerage_user, provider_staff
):
    # Started Wednesday 1 April 2026, not an emergency: the plan was due face to face by 1 April.
    client.force_login(brokerage_user)
    page = client.get(active_order.get_absolute_url()).content.decode()
    assert "not agreed face to face in time: it was due by 1 Apr 2026" in page
    # Agreed by phone on the day: still not face to face.
    services.care_plan_create(
        actor=provider_staff, order=active_order, agreed_on=dt.date(2026, 4, 1), agreed_how="remote"
    )
    assert "not agreed face to face in time" in client.get(active_order.get_absolute_url()).content.decode()
    services.care_plan_create(actor=provider_staff, order=active_order, agreed_on=dt.date(2026, 4, 1))
    page = client.get(active_order.get_absolute_url()).content.decode()
    assert "not agreed face to face in time" not in page
    assert "Agreed face to face in time (by 1 Apr 2026)" in page
