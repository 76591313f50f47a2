"""The order lifecycle and its neighbours, as worked examples through the services: every
refused move changes nothing, every state change is in the audit trail with who and when."""

import datetime as dt
from decimal import Decimal as D
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from packages_of_care import alerts, rules, selectors, services
from packages_of_care.models import (
    Absence,
    AbsenceKind,
    CarePlan,
    IndividualServiceOrder,
    OrderStatus,
    OrderVersion,
    TemporaryVariationStatus,
)
from portal.alerts import resolve_matching
from portal.models import Alert, AuditEvent
from portal.roles import Capability, Role
from tests.factories import CommissionerFactory, user_for
from tests.packages_of_care.conftest import daily_schedule

LONDON = ZoneInfo("Europe/London")
BEFORE_START = dt.datetime(2026, 3, 20, 10, 0, tzinfo=LONDON)  # orders below start on Wed 1 April 2026
AFTER_START = dt.datetime(2026, 4, 8, 10, 0, tzinfo=LONDON)

pytestmark = pytest.mark.django_db


def events(obj):
    return list(AuditEvent.objects.for_object(obj).order_by("at", "id"))


def unchanged(order):
    """A snapshot to compare before and after a refused move."""
    order.refresh_from_db()
    return (
        order.status,
        order.end_date,
        order.versions.count(),
        AuditEvent.objects.count(),
        Alert.objects.count(),
    )


@time_machine.travel(BEFORE_START, tick=False)
def test_the_lifecycle_draft_issued_accepted_active_suspended_ended(
    make_order, brokerage_user, provider_manager, provider_org, commissioner_org
):
    order = make_order(
        weekly_hours="14",
        outcomes=[
            {
                "service_element": "maintenance",
                "category": "nutrition",
                "description": "Eats a hot meal daily",
            }
        ],
    )
    assert order.status == OrderStatus.DRAFT and order.reference == "ISO-2026-00001"
    version = order.versions.get()
    assert (version.number, version.effective_from, version.weekly_hours) == (1, dt.date(2026, 4, 1), D("14"))
    assert version.schedule.count() == 7 and version.outcomes.count() == 1
    # The provider cannot see a draft.
    assert not IndividualServiceOrder.objects.visible_to(provider_manager).exists()

    services.order_issue(actor=brokerage_user, order=order)
    order.refresh_from_db()
    assert order.status == OrderStatus.ISSUED and order.issued_by == brokerage_user
    alert = Alert.objects.get(recipient=provider_org, kind=alerts.ORDER_ISSUED)
    assert alert.capability == Capability.PROVIDER_MANAGE and alert.url == order.get_absolute_url()
    assert alert.resolved_at is None

    services.order_accept(actor=provider_manager, order=order)
    order.refresh_from_db()
    assert order.status == OrderStatus.ACCEPTED  # the start date has not come
    alert.refresh_from_db()
    assert alert.resolved_at is not None and alert.resolved_by == provider_manager

    # The daily task starts it on its start date, once.
    assert services.orders_advance(today=dt.date(2026, 3, 31)) == {"started": 0, "ended": 0}
    assert services.orders_advance(today=dt.date(2026, 4, 1)) == {"started": 1, "ended": 0}
    assert services.orders_advance(today=dt.date(2026, 4, 1)) == {"started": 0, "ended": 0}
    order.refresh_from_db()
    assert order.status == OrderStatus.ACTIVE

    services.order_suspend(actor=brokerage_user, order=order, reason="Respite stay")
    order.refresh_from_db()
    assert (order.status, order.suspended_reason) == (OrderStatus.SUSPENDED, "Respite stay")
    services.order_resume(actor=brokerage_user, order=order)
    order.refresh_from_db()
    assert (order.status, order.suspended_reason) == (OrderStatus.ACTIVE, "")

    # Ending on a future date keeps the order in force until that day has passed.
    services.order_end(actor=brokerage_user, order=order, end_date=dt.date(2026, 4, 30), reason="moved")
    order.refresh_from_db()
    assert (order.status, order.end_date, order.end_reason) == (
        OrderStatus.ACTIVE,
        dt.date(2026, 4, 30),
        "moved",
    )
    assert services.orders_advance(today=dt.date(2026, 4, 30))["ended"] == 0
    assert services.orders_advance(today=dt.date(2026, 5, 1))["ended"] == 1
    order.refresh_from_db()
    assert order.status == OrderStatus.ENDED and order.ended_at is not None

    trail = [(e.action, e.actor, e.changes.get("status")) for e in events(order)]
    assert trail == [
        ("drafted", brokerage_user, [None, "draft"]),
        ("issued", brokerage_user, ["draft", "issued"]),
        ("accepted", provider_manager, ["issued", "accepted"]),
        ("started", None, ["accepted", "active"]),
        ("suspended", brokerage_user, ["active", "suspended"]),
        ("resumed", brokerage_user, ["suspended", "active"]),
        ("end date set", brokerage_user, None),
        ("ended", None, ["active", "ended"]),
    ]
    for event in events(order):
        assert event.at is not None
        assert event.commissioner_id == commissioner_org.pk and event.provider_id == provider_org.pk
        if event.actor is not None:
            assert event.actor_organisation_id == event.actor.organisation_id


@time_machine.travel(AFTER_START, tick=False)
def test_accepting_on_or_after_the_start_date_makes_the_order_active_at_once(
    make_order, brokerage_user, provider_manager
):
    order = make_order()
    services.order_issue(actor=brokerage_user, order=order)
    services.order_accept(actor=provider_manager, order=order)
    order.refresh_from_db()
    assert order.status == OrderStatus.ACTIVE
    assert [e.action for e in events(order)][-2:] == ["accepted", "started"]


@time_machine.travel(BEFORE_START, tick=False)
def test_a_declined_order_records_its_reason_and_returns_to_brokerage(
    make_order,
    brokerage_user,
    provider_manager,
    provider_org,
    commissioner_org,
    other_contract,
    other_manager,
):
    order = make_order()
    services.order_issue(actor=brokerage_user, order=order)
    with pytest.raises(ValidationError) as refused:
        services.order_decline(actor=provider_manager, order=order, reason="other", detail="")
    assert "details" in str(refused.value)

    services.order_decline(
        actor=provider_manager, order=order, reason="no_capacity", detail="No carers free at 8am"
    )
    order.refresh_from_db()
    assert (order.status, order.decline_reason, order.decline_detail) == (
        OrderStatus.DECLINED,
        "no_capacity",
        "No carers free at 8am",
    )
    assert order.responded_by == provider_manager
    assert Alert.objects.get(recipient=provider_org, kind=alerts.ORDER_ISSUED).resolved_at is not None
    declined = Alert.objects.get(recipient=commissioner_org, kind=alerts.ORDER_DECLINED)
    assert declined.capability == Capability.BROKER
    assert "no staff capacity" in declined.title and declined.url == order.get_absolute_url()
    event = events(order)[-1]
    assert (event.action, event.actor, event.note) == ("declined", provider_manager, "No carers free at 8am")
    assert event.changes["decline_reason"] == ["", "no_capacity"]

    # Back with brokerage: they move it to another provider's contract and issue it again.
    services.order_update(
        actor=brokerage_user,
        order=order,
        contract=other_contract,
        weekly_hours=D("10.5"),
        schedule=daily_schedule("10.5"),
    )
    services.order_issue(actor=brokerage_user, order=order)
    order.refresh_from_db()
    assert order.status == OrderStatus.ISSUED and order.provider == other_contract.provider
    assert order.versions.get().weekly_hours == D("10.50")
    assert declined.__class__.objects.get(pk=declined.pk).resolved_at is not None
    # The first provider no longer sees it; the second has an alert to act on.
    assert not IndividualServiceOrder.objects.visible_to(provider_manager).filter(pk=order.pk).exists()
    assert IndividualServiceOrder.objects.visible_to(other_manager).filter(pk=order.pk).exists()
    assert (
        Alert.objects.open().filter(recipient=other_contract.provider, kind=alerts.ORDER_ISSUED).count() == 1
    )
    # …and the first provider's decline stays in its own trail.
    assert AuditEvent.objects.visible_to(provider_manager).filter(action="declined").count() == 1


@time_machine.travel(AFTER_START, tick=False)
def test_refused_transitions_change_nothing(make_order, brokerage_user, provider_manager, commissioner_org):
    order = make_order()
    # A provider cannot issue (nor could it see the draft).
    before = unchanged(order)
    with pytest.raises(PermissionDenied):
        services.order_issue(actor=provider_manager, order=order)
    assert unchanged(order) == before
    # Accepting a draft: not issued yet.
    with pytest.raises(ValidationError, match="draft: it cannot be accepted"):
        services.order_accept(actor=provider_manager, order=order)
    assert unchanged(order) == before

    services.order_issue(actor=brokerage_user, order=order)
    services.order_accept(actor=provider_manager, order=order)
    services.order_end(actor=brokerage_user, order=order, end_date=dt.date(2026, 4, 5), reason="died")
    order.refresh_from_db()
    assert order.status == OrderStatus.ENDED  # the end date has passed

    before = unchanged(order)
    for move, kwargs in [
        (services.order_accept, {"actor": provider_manager}),
        (services.order_decline, {"actor": provider_manager, "reason": "no_capacity"}),
        (services.order_issue, {"actor": brokerage_user}),
        (services.order_suspend, {"actor": brokerage_user, "reason": "x"}),
        (services.order_resume, {"actor": brokerage_user}),
        (services.order_end, {"actor": brokerage_user, "end_date": dt.date(2026, 4, 6), "reason": "moved"}),
        (services.order_update, {"actor": brokerage_user, "start_date": dt.date(2026, 4, 2)}),
        (
            services.order_vary,
            {
                "actor": brokerage_user,
                "effective_from": dt.date(2026, 4, 3),
                "weekly_hours": D("7"),
                "reason": "x",
            },
        ),
    ]:
        with pytest.raises(ValidationError):
            move(order=order, **kwargs)
        assert unchanged(order) == before, move.__name__

    # Brokerage of another council touching it.
    stranger = user_for(CommissionerFactory(name="Elsewhere Council"), Role.BROKERAGE, username="stranger")
    with pytest.raises(PermissionDenied):
        services.order_suspend(actor=stranger, order=order, reason="x")
    assert unchanged(order) == before


def test_the_state_machine_lists_every_move_once():
    assert set(services.ORDER_TRANSITIONS) == {
        "issue", "withdraw", "accept", "decline", "activate", "suspend", "resume", "end"
    }  # fmt: skip
    # Nothing leaves ENDED; only brokerage's issue leaves DECLINED.
    assert not [n for n, t in services.ORDER_TRANSITIONS.items() if OrderStatus.ENDED in t.sources]
    assert [n for n, t in services.ORDER_TRANSITIONS.items() if OrderStatus.DECLINED in t.sources] == [
        "issue"
    ]
    order = IndividualServiceOrder(status=OrderStatus.ISSUED)
    assert services.allowed_order_actions(order) == {"withdraw", "accept", "decline"}


@time_machine.travel(BEFORE_START, tick=False)
def test_withdrawing_an_issued_order_returns_it_to_draft_and_resolves_the_providers_alert(
    make_order, brokerage_user, provider_org
):
    order = make_order()
    services.order_issue(actor=brokerage_user, order=order)
    services.order_withdraw(actor=brokerage_user, order=order, reason="Wrong start date")
    order.refresh_from_db()
    assert order.status == OrderStatus.DRAFT
    assert not Alert.objects.open().filter(recipient=provider_org).exists()


@time_machine.travel(AFTER_START, tick=False)
def test_an_order_varied_on_a_wednesday_counts_old_hours_before_and_new_hours_after(
    make_order, brokerage_user, provider_manager
):
    order = make_order(weekly_hours="14")
    services.order_issue(actor=brokerage_user, order=order)
    services.order_accept(actor=provider_manager, order=order)
    wednesday = dt.date(2026, 5, 6)
    version = services.order_vary(
        actor=brokerage_user, order=order, effective_from=wednesday, weekly_hours=D("21"),
        schedule=daily_schedule("21"), reason="Needs help at lunchtime too",
    )  # fmt: skip
    assert (version.number, version.weekly_hours) == (2, D("21"))
    # The first version is kept and still prices the days before the Wednesday.
    assert order.version_on(dt.date(2026, 5, 5)).weekly_hours == D("14")
    assert order.version_on(wednesday).weekly_hours == D("21")
    assert set(OrderVersion.objects.in_force_on(dt.date(2026, 5, 5)).values_list("number", flat=True)) == {1}

    versions = list(order.versions.all())
    weeks = selectors.order_weeks(order, versions, [], first_monday=dt.date(2026, 4, 27), weeks=3)
    # Week of 27 April: 7 days × 2 h = 14 h. Week of 4 May: Mon, Tue at 2 h + Wed–Sun at 3 h = 4 + 15 = 19 h.
    # Week of 11 May: 21 h.
    assert [w.commissioned_hours for w in weeks] == [D("14"), D("19"), D("21")]
    assert weeks[1].varied_on == (wednesday,)
    event = events(order)[-1]
    assert (event.action, event.actor, event.changes["weekly_hours"]) == (
        "varied",
        brokerage_user,
        ["14.00", "21"],
    )

    # A variation must come after the latest one, and a schedule must add up to the hours.
    for effective_from, refusal in (
        (dt.date(2026, 5, 6), "after the latest version"),
        (dt.date(2026, 6, 1), "adds up to 21 hours"),
    ):
        with pytest.raises(ValidationError, match=refusal):
            services.order_vary(
                actor=brokerage_user,
                order=order,
                effective_from=effective_from,
                weekly_hours=D("7"),
                reason="x",
            )
    assert order.versions.count() == 2


def test_a_schedule_must_deliver_the_weekly_hours_and_names_the_bad_line(make_order):
    with pytest.raises(ValidationError) as error:
        make_order(
            weekly_hours="7",
            schedule=[{"weekday": 0, "start_time": dt.time(8), "duration_minutes": 420, "carers": 9}],
        )
    assert "Schedule line 1, carers" in str(error.value)
    with pytest.raises(ValidationError, match=r"adds up to 14 hours .* commissions 7 hours"):
        make_order(
            weekly_hours="7",
            schedule=[{"weekday": 0, "start_time": dt.time(8), "duration_minutes": 420, "carers": 2}],
        )
    # A double-handed half hour a day is 7 hours of care a week.
    order = make_order(
        weekly_hours="7",
        schedule=[
            {"weekday": d, "start_time": dt.time(8), "duration_minutes": 30, "carers": 2} for d in range(7)
        ],
    )
    assert rules.schedule_carer_minutes(order.versions.get().schedule.all()) == 420
    with pytest.raises(ValidationError, match="quarter-hours"):
        make_order(weekly_hours="7.1", schedule=[])


def test_weekly_prices_belong_to_weekly_package_contracts(make_order, package_contract, contract):
    with pytest.raises(ValidationError, match="needs the weekly package price"):
        make_order(contract=package_contract, schedule=[])
    with pytest.raises(ValidationError, match="pays by the hour"):
        make_order(contract=contract, weekly_price=D("350"))
    order = make_order(contract=package_contract, weekly_price=D("350.00"), schedule=[])
    assert order.versions.get().weekly_price == D("350.00")


# --- absences ---------------------------------------------------------------------------------------


@time_machine.travel(AFTER_START, tick=False)
def test_a_second_overlapping_absence_is_refused_with_a_clear_error(
    make_order, brokerage_user, provider_staff, person
):
    order = make_order()
    services.order_issue(actor=brokerage_user, order=order)
    services.order_accept(actor=user_for(order.provider, Role.PROVIDER_MANAGER), order=order)

    def away(actor, kind, start_date, end_date=None):
        return services.absence_record(
            actor=actor, service_user=person, kind=kind, start_date=start_date, end_date=end_date
        )

    first = away(provider_staff, AbsenceKind.HOSPITAL, dt.date(2026, 5, 4), dt.date(2026, 5, 10))
    audit_before = AuditEvent.objects.count()
    with pytest.raises(ValidationError) as refused:
        away(brokerage_user, AbsenceKind.HOLIDAY, dt.date(2026, 5, 10), dt.date(2026, 5, 17))
    assert refused.value.message_dict["start_date"] == [
        "Ada Lovelace already has a hospital absence from 04 May 2026 to 10 May 2026, which overlaps these dates. "
        "One person's absences cannot overlap: end or correct that one first."
    ]
    assert Absence.objects.count() == 1 and AuditEvent.objects.count() == audit_before
    # The day after is fine.
    away(brokerage_user, AbsenceKind.HOLIDAY, dt.date(2026, 5, 11), dt.date(2026, 5, 17))
    # An open-ended absence blocks everything after its start until it is ended.
    ongoing = away(provider_staff, AbsenceKind.HOSPITAL, dt.date(2026, 6, 1))
    with pytest.raises(ValidationError, match="with no end date yet"):
        away(provider_staff, AbsenceKind.OTHER, dt.date(2026, 9, 1), dt.date(2026, 9, 2))
    services.absence_end(actor=provider_staff, absence=ongoing, end_date=dt.date(2026, 6, 12))
    with pytest.raises(ValidationError, match="already ended"):
        services.absence_end(actor=provider_staff, absence=ongoing, end_date=dt.date(2026, 6, 13))
    away(provider_staff, AbsenceKind.OTHER, dt.date(2026, 9, 1), dt.date(2026, 9, 2))
    # The provider that recorded an absence reads its trail.
    assert events(first)[0].provider_id == provider_staff.organisation_id
    assert [e.action for e in events(ongoing)] == ["recorded", "ended"]


def test_a_provider_without_a_live_order_cannot_record_an_absence(person, provider_staff):
    with pytest.raises(PermissionDenied):
        services.absence_record(
            actor=provider_staff, service_user=person, kind="hospital", start_date=dt.date(2026, 5, 4)
        )
    assert not Absence.objects.exists()


# --- temporary variations ---------------------------------------------------------------------------


@pytest.fixture
def active_order(make_order, brokerage_user, provider_manager):
    with time_machine.travel(AFTER_START, tick=False):
        order = make_order(weekly_hours="10")
        services.order_issue(actor=brokerage_user, order=order)
        services.order_accept(actor=provider_manager, order=order)
    order.refresh_from_db()
    return order


def test_a_provider_requests_extra_hours_and_brokerage_approves(
    active_order, provider_staff, brokerage_user, commissioner_org
):
    request = services.temporary_variation_request(
        actor=provider_staff, order=active_order, start_date=dt.date(2026, 5, 4), end_date=dt.date(2026, 5, 17),
        extra_hours_per_week=D("3"), reason="Recovering after a fall",
    )  # fmt: skip
    assert request.status == TemporaryVariationStatus.REQUESTED
    alert = Alert.objects.get(recipient=commissioner_org, kind=alerts.VARIATION_REQUESTED)
    assert alert.capability == Capability.BROKER and alert.url == request.get_absolute_url()
    with pytest.raises(PermissionDenied):
        services.temporary_variation_approve(actor=provider_staff, variation=request)
    with pytest.raises(ValidationError, match="overlap"):
        services.temporary_variation_request(
            actor=provider_staff, order=active_order, start_date=dt.date(2026, 5, 10), end_date=dt.date(2026, 5, 20),
            extra_hours_per_week=D("1"), reason="More",
        )  # fmt: skip
    services.temporary_variation_approve(
        actor=brokerage_user, variation=request, note="Agreed with the social worker"
    )
    request.refresh_from_db()
    assert (request.status, request.decided_by) == (TemporaryVariationStatus.APPROVED, brokerage_user)
    alert.refresh_from_db()
    assert alert.resolved_at is not None
    with pytest.raises(ValidationError, match="no longer open"):
        services.temporary_variation_refuse(actor=brokerage_user, variation=request, note="Changed my mind")
    # Two weeks of +3 h/week authorise 6 extra hours; the week-by-week view shows them.
    weeks = selectors.order_weeks(
        active_order, active_order.versions.all(), [request], first_monday=dt.date(2026, 5, 4), weeks=3
    )
    assert [w.authorised_extra_hours for w in weeks] == [D("3"), D("3"), D("0")]
    assert [e.action for e in events(request)] == ["requested", "approved"]


def test_refusing_needs_a_reason_and_brokerage_may_record_an_authorisation(
    active_order, provider_staff, brokerage_user
):
    request = services.temporary_variation_request(
        actor=provider_staff, order=active_order, start_date=dt.date(2026, 6, 1), end_date=dt.date(2026, 6, 7),
        extra_hours_per_week=D("2.5"), reason="Family away",
    )  # fmt: skip
    with pytest.raises(ValidationError, match="why the request is refused"):
        services.temporary_variation_refuse(actor=brokerage_user, variation=request, note="")
    services.temporary_variation_refuse(actor=brokerage_user, variation=request, note="Family support found")
    request.refresh_from_db()
    assert request.status == TemporaryVariationStatus.REFUSED
    recorded = services.temporary_variation_record(
        actor=brokerage_user, order=active_order, start_date=dt.date(2026, 6, 1), end_date=dt.date(2026, 6, 14),
        extra_hours_per_week=D("1.75"), reason="Agreed by phone",
    )  # fmt: skip
    assert recorded.status == TemporaryVariationStatus.APPROVED and recorded.decided_by == brokerage_user
    with pytest.raises(ValidationError, match="quarter"):
        services.temporary_variation_record(
            actor=brokerage_user, order=active_order, start_date=dt.date(2026, 7, 1), end_date=dt.date(2026, 7, 2),
            extra_hours_per_week=D("1.1"), reason="x",
        )  # fmt: skip


# --- care plans -------------------------------------------------------------------------------------


def test_care_plans_review_within_a_year_and_overdue_reviews_raise_alerts(
    active_order, provider_staff, brokerage_user, provider_org, commissioner_org
):
    with time_machine.travel(AFTER_START, tick=False):
        plan = services.care_plan_create(
            actor=provider_staff,
            order=active_order,
            agreed_on=dt.date(2026, 3, 25),
            summary="Morning support",
        )
    assert plan.next_review_due == dt.date(2027, 3, 25) and plan.is_current
    with time_machine.travel(dt.datetime(2027, 4, 10, 9, tzinfo=LONDON), tick=False):
        with pytest.raises(ValidationError, match="by 01 April 2028"):
            services.care_plan_review(
                actor=provider_staff,
                plan=plan,
                reviewed_on=dt.date(2027, 4, 1),
                next_review_due=dt.date(2028, 4, 2),
            )
        # Overdue on 10 April 2027: one alert each for the provider and brokerage; a second run adds none.
        assert services.care_plan_overdue_alerts(today=dt.date(2027, 4, 10)) == 2
        assert services.care_plan_overdue_alerts(today=dt.date(2027, 4, 11)) == 0
        raised = Alert.objects.filter(kind=alerts.REVIEW_OVERDUE)
        assert {(a.recipient_id, a.capability) for a in raised} == {
            (provider_org.pk, Capability.PROVIDER_RECORD),
            (commissioner_org.pk, Capability.BROKER),
        }
        assert all(a.url == plan.get_absolute_url() for a in raised)
        assert list(CarePlan.objects.overdue_on(dt.date(2027, 4, 10))) == [plan]
        services.care_plan_review(actor=brokerage_user, plan=plan, reviewed_on=dt.date(2027, 4, 1))
    plan.refresh_from_db()
    assert (plan.last_reviewed_on, plan.next_review_due) == (dt.date(2027, 4, 1), dt.date(2028, 4, 1))
    assert not Alert.objects.open().filter(kind=alerts.REVIEW_OVERDUE).exists()
    assert [e.action for e in events(plan)] == ["agreed", "reviewed"]


def test_a_new_plan_replaces_the_current_one(active_order, provider_staff):
    with time_machine.travel(AFTER_START, tick=False):
        first = services.care_plan_create(
            actor=provider_staff, order=active_order, agreed_on=dt.date(2026, 3, 25)
        )
        second = services.care_plan_create(
            actor=provider_staff, order=active_order, agreed_on=dt.date(2026, 4, 7)
        )
        first.refresh_from_db()
        assert not first.is_current and second.is_current
        with pytest.raises(ValidationError, match="replaced"):
            services.care_plan_review(actor=provider_staff, plan=first, reviewed_on=dt.date(2026, 4, 8))


def test_overdue_alerts_are_resolved_not_reopened(active_order, provider_staff):
    with time_machine.travel(AFTER_START, tick=False):
        plan = services.care_plan_create(
            actor=provider_staff,
            order=active_order,
            agreed_on=dt.date(2026, 1, 5),
            next_review_due=dt.date(2026, 3, 1),
        )
    services.care_plan_overdue_alerts(today=dt.date(2026, 4, 8))
    resolve_matching(kind=alerts.REVIEW_OVERDUE, key=f"care_plan:{plan.pk}:2026-03-01")
    assert services.care_plan_overdue_alerts(today=dt.date(2026, 4, 9)) == 0


def test_the_database_refuses_overlapping_absences_whatever_writes_them(person):
    """The exclusion constraint holds even where the service is bypassed: 4–10 May and 8–12 May
    share 8, 9 and 10 May; an open-ended absence from 1 June overlaps one from 1 July; 11–12 May
    right after 4–10 May does not overlap."""
    Absence.objects.create(
        service_user=person, kind="hospital", start_date=dt.date(2026, 5, 4), end_date=dt.date(2026, 5, 10)
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        Absence.objects.create(
            service_user=person, kind="holiday", start_date=dt.date(2026, 5, 8), end_date=dt.date(2026, 5, 12)
        )
    Absence.objects.create(
        service_user=person, kind="holiday", start_date=dt.date(2026, 5, 11), end_date=dt.date(2026, 5, 12)
    )
    Absence.objects.create(service_user=person, kind="other", start_date=dt.date(2026, 6, 1))
    with pytest.raises(IntegrityError), transaction.atomic():
        Absence.objects.create(service_user=person, kind="holiday", start_date=dt.date(2026, 7, 1))
    assert person.absences.count() == 3
