"""The alert rules, with frozen time, across the October clock change (Sunday 25 October 2026:
02:00 BST becomes 01:00 GMT)."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine

from packages_of_care.models import IndividualServiceOrder
from portal.models import Alert
from schemes.models import PaymentModel
from tests.factories import ContractFactory
from tests.packages_of_care.factories import OrderFactory, TemporaryVariationFactory
from tests.visits.factories import VisitFactory, at
from tests.visits.helpers import setup
from visits import services
from visits.models import VisitStatus
from visits.tasks import raise_late_visit_alerts, raise_tolerance_alerts

pytestmark = [pytest.mark.django_db]
UTC = dt.UTC


def utc(*args):
    return dt.datetime(*args, tzinfo=UTC)


def late_alerts():
    return list(Alert.objects.open().filter(kind=services.LATE).order_by("object_id"))


def scheduled(order, when, **kwargs):
    kwargs.setdefault("carer_reference", "C1")
    return VisitFactory(order=order, scheduled_start=when, status=VisitStatus.SCHEDULED, **kwargs)


class TestLateVisits:
    def test_no_start_30_minutes_after_the_scheduled_start(self):
        s = setup()
        visit = scheduled(s.order, at(dt.date(2026, 5, 1), 8))  # 07:00 UTC
        with time_machine.travel(utc(2026, 5, 1, 7, 29, 59), tick=False):
            assert raise_late_visit_alerts.delay().get() == 0
        with time_machine.travel(utc(2026, 5, 1, 7, 30), tick=False):
            assert raise_late_visit_alerts.delay().get() == 1
            assert raise_late_visit_alerts.delay().get() == 0  # raised once
        (alert,) = late_alerts()
        assert alert.recipient == s.provider and alert.capability == "provider_record"
        assert alert.object_id == str(visit.pk) and alert.url == f"/visits/{visit.pk}/"
        assert "No start recorded for the 08:00 visit" in alert.title and alert.severity == "action"

    def test_time_critical_visits_after_15_minutes(self):
        s = setup()
        scheduled(s.order, at(dt.date(2026, 5, 1), 8), time_critical=True)
        with time_machine.travel(utc(2026, 5, 1, 7, 14), tick=False):
            assert services.late_visit_alerts_raise() == 0
        with time_machine.travel(utc(2026, 5, 1, 7, 15), tick=False):
            assert services.late_visit_alerts_raise() == 1
        (alert,) = late_alerts()
        assert alert.severity == "urgent" and "time-critical" in alert.title

    def test_each_contract_sets_its_own_minutes(self):
        s = setup(late_visit_minutes=45, late_visit_minutes_time_critical=10)
        scheduled(s.order, at(dt.date(2026, 5, 1), 8))
        scheduled(s.order, at(dt.date(2026, 5, 1), 8), carer_reference="C2", time_critical=True)
        with time_machine.travel(utc(2026, 5, 1, 7, 31), tick=False):
            assert services.late_visit_alerts_raise() == 1  # only the time-critical one (10 min)
        with time_machine.travel(utc(2026, 5, 1, 7, 45), tick=False):
            assert services.late_visit_alerts_raise() == 1

    def test_across_the_clock_change_the_minutes_are_real_minutes(self):
        """01:50 BST on 25 October is 00:50 UTC. Thirty minutes later the clocks read 01:20 GMT:
        the alert is due then, not at 02:20 GMT as wall-clock arithmetic would have it."""
        s = setup(start=dt.date(2026, 10, 1))
        visit = scheduled(
            s.order, dt.datetime(2026, 10, 25, 1, 50, tzinfo=dt.timezone(dt.timedelta(hours=1)))
        )
        assert visit.visit_date == dt.date(2026, 10, 25)
        with time_machine.travel(utc(2026, 10, 25, 1, 19), tick=False):  # 01:19 GMT, 29 minutes on
            assert services.late_visit_alerts_raise() == 0
        with time_machine.travel(utc(2026, 10, 25, 1, 20), tick=False):  # 01:20 GMT, 30 minutes on
            assert services.late_visit_alerts_raise() == 1
        assert "01:50 visit" in late_alerts()[0].title

    def test_in_spring_too(self):
        """00:45 GMT on 29 March 2026 is 00:45 UTC; 30 minutes later it is 02:15 BST."""
        s = setup(start=dt.date(2026, 3, 1))
        scheduled(s.order, utc(2026, 3, 29, 0, 45))
        with time_machine.travel(utc(2026, 3, 29, 1, 14), tick=False):
            assert services.late_visit_alerts_raise() == 0
        with time_machine.travel(utc(2026, 3, 29, 1, 15), tick=False):
            assert services.late_visit_alerts_raise() == 1

    def test_cleared_when_the_visit_starts_and_not_raised_for_old_visits(self):
        s = setup()
        visit = scheduled(s.order, at(dt.date(2026, 5, 1), 8))
        scheduled(s.order, at(dt.date(2026, 4, 29), 8), carer_reference="C2")  # two days ago
        with time_machine.travel(utc(2026, 5, 1, 8), tick=False):
            assert services.late_visit_alerts_raise() == 1
            services.visit_update(
                actor=s.staff_user,
                visit=visit,
                values={"actual_start": utc(2026, 5, 1, 7, 55)},
                source="form",
            )
        assert late_alerts() == []
        assert Alert.objects.get(kind=services.LATE).resolution.startswith("The visit has started")


class TestMissedVisits:
    def test_the_provider_explains_within_24_hours_and_the_council_sees_it(self):
        """Missed at 09:00 BST on Saturday 24 October (08:00 UTC): the explanation is due 24
        hours later, 08:00 GMT on Sunday — after the clocks went back."""
        s = setup(start=dt.date(2026, 10, 1))
        with time_machine.travel(utc(2026, 10, 24, 12), tick=False):
            visit, created = services.visit_record(
                actor=s.staff_user,
                order=s.order,
                values={
                    "scheduled_start": utc(2026, 10, 24, 8),
                    "scheduled_end": utc(2026, 10, 24, 8, 45),
                    "carer_reference": "C1",
                    "status": "missed",
                },
                source="form",
            )
        assert created
        provider_alert = Alert.objects.get(kind=services.MISSED_EXPLAIN)
        council_alert = Alert.objects.get(kind=services.MISSED_COUNCIL)
        assert provider_alert.recipient == s.provider and provider_alert.capability == "provider_record"
        assert provider_alert.due_at == utc(2026, 10, 25, 8)
        assert council_alert.recipient == s.commissioner and council_alert.capability == "broker"
        assert "due by 25 Oct 2026 08:00" in council_alert.detail
        with time_machine.travel(utc(2026, 10, 25, 8, 1), tick=False):
            assert provider_alert.is_overdue
            services.visit_explain_missed(
                actor=s.staff_user,
                visit=visit,
                explanation="Carer's car broke down",
                remedy="Visited at 11:00",
            )
        provider_alert.refresh_from_db()
        council_alert.refresh_from_db()
        assert provider_alert.resolved_at is not None
        assert council_alert.resolved_at is None
        assert council_alert.detail == "Explanation: Carer's car broke down Remedy: Visited at 11:00"
        visit.refresh_from_db()
        assert visit.missed_explained_at == utc(2026, 10, 25, 8, 1)

    def test_correcting_a_missed_visit_withdraws_its_alerts(self):
        s = setup()
        with time_machine.travel(utc(2026, 5, 1, 12), tick=False):
            visit, _ = services.visit_record(
                actor=s.staff_user,
                order=s.order,
                values={
                    "scheduled_start": utc(2026, 5, 1, 7),
                    "scheduled_end": utc(2026, 5, 1, 7, 30),
                    "carer_reference": "C1",
                    "status": "missed",
                },
                source="form",
            )
            services.visit_update(
                actor=s.staff_user,
                visit=visit,
                values={
                    "status": "completed",
                    "actual_start": utc(2026, 5, 1, 7),
                    "actual_end": utc(2026, 5, 1, 7, 29),
                },
                source="form",
            )
        assert (
            Alert.objects.open().filter(kind__in=(services.MISSED_EXPLAIN, services.MISSED_COUNCIL)).count()
            == 0
        )

    def test_explaining_a_visit_that_was_not_missed_is_refused(self):
        from django.core.exceptions import ValidationError

        s = setup()
        visit = VisitFactory(order=s.order)
        with pytest.raises(ValidationError):
            services.visit_explain_missed(actor=s.staff_user, visit=visit, explanation="x", remedy="y")


class TestRunsNotifiedToTheCouncil:
    def _record(self, s, day, status, hour=8):
        start = at(day, hour)
        values = {
            "scheduled_start": start,
            "scheduled_end": start + dt.timedelta(minutes=30),
            "carer_reference": "C1",
            "status": status,
        }
        if status == "completed":
            values.update(actual_start=start, actual_end=start + dt.timedelta(minutes=29))
        if status == "aborted":
            values.update(actual_start=start, actual_end=start + dt.timedelta(minutes=3))
        if status == "cancelled_short_notice":
            values.update(cancelled_at=start - dt.timedelta(hours=3))
        return services.visit_record(actor=s.staff_user, order=s.order, values=values, source="form")[0]

    def test_the_2nd_and_3rd_in_a_row_across_the_clock_change(self):
        s = setup(start=dt.date(2026, 10, 1))
        with time_machine.travel(utc(2026, 11, 1), tick=False):
            self._record(s, dt.date(2026, 10, 23), "completed")
            first = self._record(s, dt.date(2026, 10, 24), "cancelled_short_notice")
            second = self._record(s, dt.date(2026, 10, 25), "aborted", hour=1)  # 01:00 BST, before the change
            third = self._record(s, dt.date(2026, 10, 26), "cancelled_short_notice")
            self._record(s, dt.date(2026, 10, 27), "aborted")  # the 4th: paid rules differ, no notice
            self._record(s, dt.date(2026, 10, 28), "completed")
            lone = self._record(s, dt.date(2026, 10, 29), "cancelled_short_notice")
        notices = Alert.objects.filter(kind=services.RUN_NOTICE).order_by("object_id")
        assert [a.object_id for a in notices] == [str(second.pk), str(third.pk)]
        assert all(a.recipient == s.commissioner and a.capability == "broker" for a in notices)
        assert notices[0].title.startswith("2nd visit in a row not delivered")
        assert notices[1].title.startswith("3rd visit in a row not delivered")
        assert str(first.pk) not in {a.object_id for a in notices} and str(lone.pk) not in {
            a.object_id for a in notices
        }
        # Raising again changes nothing.
        assert (
            services.run_notifications_raise(
                orders=IndividualServiceOrder.objects.all(), start=dt.date(2026, 10, 1)
            )
            == 0
        )

    def test_cancellations_with_notice_break_the_run(self):
        s = setup()
        with time_machine.travel(utc(2026, 6, 1), tick=False):
            self._record(s, dt.date(2026, 5, 1), "cancelled_short_notice")
            start = at(dt.date(2026, 5, 2), 8)
            services.visit_record(
                actor=s.staff_user,
                order=s.order,
                values={
                    "scheduled_start": start,
                    "scheduled_end": start + dt.timedelta(minutes=30),
                    "carer_reference": "C1",
                    "status": "cancelled_with_notice",
                    "cancelled_at": start - dt.timedelta(days=2),
                },
                source="form",
            )
            self._record(s, dt.date(2026, 5, 3), "cancelled_short_notice")
        assert Alert.objects.filter(kind=services.RUN_NOTICE).count() == 0


def _deliver(order, day, minutes, carers=1):
    start = at(day, 9)
    return VisitFactory(
        order=order,
        scheduled_start=start,
        minutes=minutes,
        carer_reference=f"C-{day.isoformat()}",
        carers=carers,
        second_carer_reference="B" if carers > 1 else "",
    )


def _days(first, last):
    day = first
    while day <= last:
        yield day
        day += dt.timedelta(days=1)


class TestHoursOverTolerance:
    """10 hours a week commissioned: 12 with the +20% tolerance. 2 hours a day is 14 a week."""

    def _order(self, **contract):
        contract = ContractFactory(
            payment_model=contract.pop("payment_model", PaymentModel.WEEKLY_PACKAGE),
            payment_period_anchor=contract.pop("anchor", None),
            **contract,
        )
        return OrderFactory(contract=contract, start_date=dt.date(2026, 8, 1), weekly_hours="10")

    def test_four_weeks_over_raise_one_alert_to_brokerage(self):
        order = self._order()
        for day in _days(dt.date(2026, 9, 7), dt.date(2026, 10, 4)):  # Monday 7 Sep – Sunday 4 Oct
            _deliver(order, day, 120)
        assert services.tolerance_alerts_raise(today=dt.date(2026, 10, 4)) == 0  # three complete weeks
        assert services.tolerance_alerts_raise(today=dt.date(2026, 10, 5)) == 1
        alert = Alert.objects.get(kind=services.OVER_TOLERANCE)
        assert alert.recipient == order.commissioner and alert.capability == "broker"
        assert alert.key == f"order:{order.pk}:from:2026-09-07"
        assert "4 weeks in a row" in alert.title
        assert "week from 07 Sep: 14 h delivered, 10 h commissioned" in alert.detail
        # Still over a week later: the open alert stands, no second one.
        for day in _days(dt.date(2026, 10, 5), dt.date(2026, 10, 11)):
            _deliver(order, day, 120)
        assert services.tolerance_alerts_raise(today=dt.date(2026, 10, 12)) == 0

    def test_at_the_tolerance_exactly_is_not_over(self):
        order = self._order()
        for day in _days(dt.date(2026, 9, 7), dt.date(2026, 10, 4)):
            _deliver(order, day, 103 if day.weekday() < 6 else 102)  # 6×103 + 102 = 720 minutes = 12 h
        assert raise_tolerance_alerts.delay().get() == 0
        assert services.tolerance_alerts_raise(today=dt.date(2026, 10, 5)) == 0

    def test_an_approved_temporary_variation_authorises_the_extra(self):
        order = self._order()
        TemporaryVariationFactory(
            order=order,
            start_date=dt.date(2026, 9, 1),
            end_date=dt.date(2026, 10, 31),
            extra_hours_per_week=Decimal("3"),
        )
        for day in _days(dt.date(2026, 9, 7), dt.date(2026, 10, 4)):
            _deliver(order, day, 120)
        assert services.tolerance_alerts_raise(today=dt.date(2026, 10, 5)) == 0

    def test_double_ups_count_each_carer(self):
        order = self._order()
        for day in _days(dt.date(2026, 9, 7), dt.date(2026, 10, 4)):
            _deliver(order, day, 60, carers=2)
        assert services.tolerance_alerts_raise(today=dt.date(2026, 10, 5)) == 1

    def test_norfolk_weeks_start_on_the_payment_period_anchor_weekday(self):
        # Anchor Wednesday 3 April 2024: weeks run Wednesday to Tuesday.
        order = self._order(payment_model=PaymentModel.HOURLY_4_WEEKLY, anchor=dt.date(2024, 4, 3))
        for day in _days(dt.date(2026, 9, 2), dt.date(2026, 9, 29)):
            _deliver(order, day, 120)
        assert services.tolerance_alerts_raise(today=dt.date(2026, 9, 29)) == 0
        assert services.tolerance_alerts_raise(today=dt.date(2026, 9, 30)) == 1
        alert = Alert.objects.get(kind=services.OVER_TOLERANCE)
        assert alert.key.endswith(":from:2026-09-02")

    def test_weeks_across_the_clock_change(self):
        """Monday 5 October – Sunday 1 November: the fourth week holds the 25-hour Sunday. Visits
        are counted by their UK day, so the week is 7 days like any other."""
        order = self._order()
        for day in _days(dt.date(2026, 10, 5), dt.date(2026, 11, 1)):
            _deliver(order, day, 120)
        late_night = VisitFactory(
            order=order,
            scheduled_start=dt.datetime(2026, 10, 25, 1, 30, tzinfo=UTC),  # 01:30 GMT, the second 01:30
            minutes=20,
            carer_reference="NIGHT",
        )
        assert late_night.visit_date == dt.date(2026, 10, 25)
        assert services.tolerance_alerts_raise(today=dt.date(2026, 11, 2)) == 1
        assert "week from 19 Oct: 14.33 h delivered" in Alert.objects.get(kind=services.OVER_TOLERANCE).detail
