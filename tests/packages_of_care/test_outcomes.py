"""Outcomes reviewed over time, plans agreed face to face in time, the independence flag, where a
person died or went after hospital, and Derby's simpler plan (issue 14). Worked examples."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from packages_of_care import alerts, rules, services
from packages_of_care.models import CarePlanKind, IndividualServiceOrder, OutcomeProgress
from portal.models import Alert, AuditEvent
from portal.roles import Capability
from tests.packages_of_care.factories import ServiceUserFactory

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")
AFTER_START = dt.datetime(2026, 4, 8, 10, 0, tzinfo=LONDON)
OUTCOMES = [
    {"service_element": "enabling_potential", "category": "nutrition", "description": "Make own lunch"}
]


@pytest.fixture
def active_order(make_order, brokerage_user, provider_manager):
    with time_machine.travel(AFTER_START, tick=False):
        order = make_order(weekly_hours="10", outcomes=OUTCOMES)
        services.order_issue(actor=brokerage_user, order=order)
        services.order_accept(actor=provider_manager, order=order)
    order.refresh_from_db()
    return order


def test_outcome_reviews_keep_a_history_and_not_achieved_alerts_the_social_worker(
    active_order, provider_staff, brokerage_user, commissioner_org
):
    outcome = active_order.versions.get().outcomes.get()
    with time_machine.travel(dt.datetime(2026, 6, 10, 9, tzinfo=LONDON), tick=False):
        services.outcome_review_record(
            actor=provider_staff,
            outcome=outcome,
            reviewed_on=dt.date(2026, 5, 1),
            status=OutcomeProgress.ON_TRACK,
        )
        with pytest.raises(ValidationError, match="what should change"):
            services.outcome_review_record(
                actor=provider_staff, outcome=outcome, reviewed_on=dt.date(2026, 6, 1), status="not_achieved"
            )
        services.outcome_review_record(
            actor=provider_staff,
            outcome=outcome,
            reviewed_on=dt.date(2026, 6, 1),
            status=OutcomeProgress.NOT_ACHIEVED,
            note="Cannot manage the cooker safely: needs an occupational therapy assessment",
        )
    alert = Alert.objects.get(kind=alerts.OUTCOME_NOT_MET)
    assert (alert.recipient, alert.capability, alert.resolved_at) == (
        commissioner_org,
        Capability.BROKER,
        None,
    )
    assert "occupational therapy" in alert.detail and alert.url == active_order.get_absolute_url()
    # The history, newest first: date, status, note, who.
    assert [(r.reviewed_on, r.status, r.reviewed_by) for r in outcome.reviews.all()] == [
        (dt.date(2026, 6, 1), "not_achieved", provider_staff),
        (dt.date(2026, 5, 1), "on_track", provider_staff),
    ]
    assert AuditEvent.objects.filter(action="reviewed").count() == 2
    # Brokerage reviews it again after changing the support: achieved, the alert is closed.
    with time_machine.travel(dt.datetime(2026, 7, 10, 9, tzinfo=LONDON), tick=False):
        services.outcome_review_record(
            actor=brokerage_user,
            outcome=outcome,
            reviewed_on=dt.date(2026, 7, 9),
            status=OutcomeProgress.ACHIEVED,
        )
    alert.refresh_from_db()
    assert alert.resolved_at is not None


def test_another_provider_cannot_review_the_outcome(active_order, other_manager):
    outcome = active_order.versions.get().outcomes.get()
    with pytest.raises(PermissionDenied):
        services.outcome_review_record(
            actor=other_manager, outcome=outcome, reviewed_on=dt.date(2026, 5, 1), status="on_track"
        )


def test_plan_agreed_face_to_face_before_the_start_or_within_48_hours_in_an_emergency():
    monday = dt.date(2026, 7, 6)
    check = rules.plan_agreed_in_time
    assert check(start_date=monday, is_emergency=False, agreed_on=monday, face_to_face=True)
    assert not check(start_date=monday, is_emergency=False, agreed_on=dt.date(2026, 7, 7), face_to_face=True)
    assert check(start_date=monday, is_emergency=True, agreed_on=dt.date(2026, 7, 8), face_to_face=True)
    assert not check(start_date=monday, is_emergency=True, agreed_on=dt.date(2026, 7, 9), face_to_face=True)
    assert not check(start_date=monday, is_emergency=False, agreed_on=dt.date(2026, 7, 1), face_to_face=False)


def test_orders_without_a_plan_agreed_in_time_are_listed_and_alerted(
    make_order, brokerage_user, provider_manager, provider_staff, provider_org, commissioner_org
):
    with time_machine.travel(AFTER_START, tick=False):
        orders = {}
        for name in ("in_time", "by_phone", "late", "none", "emergency"):
            order = make_order(weekly_hours="7", start_date=dt.date(2026, 4, 6))
            services.order_issue(actor=brokerage_user, order=order)
            services.order_accept(actor=provider_manager, order=order)
            orders[name] = order
        IndividualServiceOrder.objects.filter(pk=orders["emergency"].pk).update(is_emergency=True)
        agreed = {
            "in_time": (dt.date(2026, 4, 6), "face_to_face"),
            "by_phone": (dt.date(2026, 4, 1), "remote"),
            "late": (dt.date(2026, 4, 7), "face_to_face"),
            "emergency": (dt.date(2026, 4, 8), "face_to_face"),  # start + 2 days: in time
        }
        for name, (day, how) in agreed.items():
            services.care_plan_create(actor=provider_staff, order=orders[name], agreed_on=day, agreed_how=how)
    flagged = IndividualServiceOrder.objects.without_plan_agreed_in_time(dt.date(2026, 4, 9))
    assert {o.pk for o in flagged} == {orders[n].pk for n in ("by_phone", "late", "none")}
    assert services.care_plan_agreement_alerts(today=dt.date(2026, 4, 9)) == 6  # 3 orders × both sides
    assert services.care_plan_agreement_alerts(today=dt.date(2026, 4, 10)) == 0
    recipients = set(Alert.objects.filter(kind=alerts.PLAN_NOT_AGREED).values_list("recipient_id", flat=True))
    assert recipients == {provider_org.pk, commissioner_org.pk}


def test_the_order_list_filters_orders_without_a_plan_agreed_in_time(
    client, login, brokerage_user, make_order, provider_manager
):
    with time_machine.travel(AFTER_START, tick=False):
        order = make_order(weekly_hours="7", start_date=dt.date(2026, 4, 6), reference="ISO-NO-PLAN")
        services.order_issue(actor=brokerage_user, order=order)
        services.order_accept(actor=provider_manager, order=order)
    login(brokerage_user)
    page = client.get(reverse("packages_of_care:order-list") + "?plan_not_agreed=on").content.decode()
    assert "ISO-NO-PLAN" in page


def test_the_plan_marks_the_order_with_potential_for_greater_independence(active_order, provider_staff):
    with time_machine.travel(AFTER_START, tick=False):
        plan = services.care_plan_create(
            actor=provider_staff,
            order=active_order,
            agreed_on=dt.date(2026, 4, 1),
            potential_for_greater_independence=True,
        )
        active_order.refresh_from_db()
        assert active_order.independence_potential_on == dt.date(2026, 4, 1)
        services.care_plan_review(
            actor=provider_staff,
            plan=plan,
            reviewed_on=dt.date(2026, 4, 7),
            potential_for_greater_independence=False,
        )
    active_order.refresh_from_db()
    assert active_order.independence_potential_on is None


def test_ending_an_order_records_where_the_person_died(active_order, brokerage_user):
    with time_machine.travel(AFTER_START, tick=False):
        with pytest.raises(ValidationError):
            services.order_end(
                actor=brokerage_user,
                order=active_order,
                end_date=dt.date(2026, 4, 7),
                reason="moved",
                place_of_death="scheme",
            )
        services.order_end(
            actor=brokerage_user,
            order=active_order,
            end_date=dt.date(2026, 4, 7),
            reason="died",
            place_of_death="scheme",
        )
    active_order.refresh_from_db()
    assert (active_order.end_reason, active_order.place_of_death) == ("died", "scheme")


def test_a_hospital_stay_ends_with_where_the_person_went(person, active_order, provider_staff):
    with time_machine.travel(AFTER_START, tick=False):
        stay = services.absence_record(
            actor=provider_staff, service_user=person, kind="hospital", start_date=dt.date(2026, 4, 2)
        )
        services.absence_end(
            actor=provider_staff, absence=stay, end_date=dt.date(2026, 4, 6), discharge="moved_to_care"
        )
    stay.refresh_from_db()
    assert stay.discharge == "moved_to_care"


def test_derby_simpler_plan_for_a_resident_who_is_not_a_customer(
    provider_staff, contract, scheme, commissioner_org, other_manager
):
    resident = ServiceUserFactory(commissioner=commissioner_org, scheme=scheme, is_customer=False)
    customer = ServiceUserFactory(commissioner=commissioner_org, scheme=scheme, is_customer=True)
    with time_machine.travel(AFTER_START, tick=False):
        with pytest.raises(ValidationError, match="customer"):
            services.simple_plan_create(
                actor=provider_staff,
                service_user=customer,
                agreed_on=dt.date(2026, 4, 1),
                emergency_contacts="Son 07700 900123",
            )
        with pytest.raises(ValidationError, match="contract does not cover"):
            services.simple_plan_create(
                actor=other_manager,
                service_user=resident,
                agreed_on=dt.date(2026, 4, 1),
                emergency_contacts="Son",
            )
        plan = services.simple_plan_create(
            actor=provider_staff,
            service_user=resident,
            agreed_on=dt.date(2026, 4, 1),
            emergency_contacts="Son: 07700 900123",
            risks="Falls at night",
            response_notes="Key safe 1234 by the front door",
        )
    assert plan.kind == CarePlanKind.EMERGENCY_RESPONSE and plan.order is None
    assert plan.next_review_due == dt.date(2027, 4, 1)
    assert AuditEvent.objects.filter(action="agreed").count() == 1
