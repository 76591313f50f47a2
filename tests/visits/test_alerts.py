"""The alert rules, with frozen time, across the October clock change (Sunday 25 October 2026:
02:00 BST becomes 01:00 GMT)."""

import datetime as dt

import pytest
import time_machine

from packages_of_care.models import IndividualServiceOrder
from portal.models import Alert
from tests.visits.factories import VisitFactory, at
from tests.visits.helpers import setup
from visits import services
from visits.models import VisitStatus
from visits.tasks import raise_late_visit_alerts

pytestmark = [pytest.mark.django_db]
UTC = dt.UTC


def utc(*args):
    return dt.datetime(*args, tzinfo=UTC)


def late_alerts():
    return list(Alert.objects.open().filter(kind=services.LATE).order_by("object_id"))


def record(s, start, end, status, **values):
    """A visit by C1 on the set-up's order, recorded by form by its staff user: (visit, created)."""
    values = {
        "scheduled_start": start,
        "scheduled_end": end,
        "carer_reference": "C1",
        "status": status,
        **values,
    }
    return services.visit_record(actor=s.staff_user, order=s.order, values=values, source="form")


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
            visit, created = record(s, utc(2026, 10, 24, 8), utc(2026, 10, 24, 8, 45), "missed")
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
            visit, _ = record(s, utc(2026, 5, 1, 7), utc(2026, 5, 1, 7, 30), "missed")
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
    """The 2nd and 3rd short-notice cancellation in a payment period, and separately the 2nd and
    3rd visit aborted or cut short at the person's wish `[004 §1.6.1, §3.6.16]`. The set-up's
    contract is anchored on Monday 1 April 2024: 12 Oct – 8 Nov 2026 is a payment period."""

    def _record(self, s, day, status, hour=8):
        start = at(day, hour)
        values = {}
        if status == "completed":
            values.update(actual_start=start, actual_end=start + dt.timedelta(minutes=29))
        if status == "aborted":
            values.update(actual_start=start, actual_end=start + dt.timedelta(minutes=3))
        if status == "shortened_by_service_user":
            values.update(actual_start=start, actual_end=start + dt.timedelta(minutes=15))
        if status == "cancelled_short_notice":
            values.update(cancelled_at=start - dt.timedelta(hours=3))
        return record(s, start, start + dt.timedelta(minutes=30), status, **values)[0]

    def test_the_2nd_and_3rd_of_each_in_a_payment_period(self):
        s = setup(start=dt.date(2026, 10, 1))
        oct_ = lambda d: dt.date(2026, 10, d)  # noqa: E731
        with time_machine.travel(utc(2026, 11, 12), tick=False):
            self._record(s, oct_(23), "completed")
            self._record(s, oct_(24), "cancelled_short_notice")  # short notice 1
            self._record(s, oct_(25), "aborted", hour=1)  # aborted or cut short 1 (01:00 BST)
            short_2 = self._record(s, oct_(26), "cancelled_short_notice")  # short notice 2: notified
            aborted_2 = self._record(s, oct_(27), "aborted")  # aborted or cut short 2: notified
            self._record(s, oct_(28), "completed")  # does not break a count
            short_3 = self._record(s, oct_(29), "cancelled_short_notice")  # short notice 3: notified
            cut_3 = self._record(s, oct_(30), "shortened_by_service_user")  # aborted or cut short 3: notified
            self._record(s, oct_(31), "cancelled_short_notice")  # short notice 4: not notified
            self._record(s, dt.date(2026, 11, 9), "cancelled_short_notice")  # the next period: 1
            next_2 = self._record(s, dt.date(2026, 11, 10), "cancelled_short_notice")  # the next period: 2
        notices = {a.object_id: a for a in Alert.objects.filter(kind=services.RUN_NOTICE)}
        assert set(notices) == {str(v.pk) for v in (short_2, aborted_2, short_3, cut_3, next_2)}
        assert all(a.recipient == s.commissioner and a.capability == "broker" for a in notices.values())
        assert notices[str(short_2.pk)].title.startswith(
            "2nd short-notice cancellation in the payment period"
        )
        assert notices[str(aborted_2.pk)].title.startswith(
            "2nd visit aborted or cut short at the person's wish in the payment period"
        )
        assert notices[str(short_3.pk)].title.startswith(
            "3rd short-notice cancellation in the payment period"
        )
        assert "cut short at the person's wish on 30 Oct 2026" in notices[str(cut_3.pk)].title
        # Raising again changes nothing.
        assert (
            services.run_notifications_raise(
                orders=IndividualServiceOrder.objects.all(), start=dt.date(2026, 10, 1)
            )
            == 0
        )

    def test_cancellations_with_notice_do_not_count(self):
        s = setup()
        with time_machine.travel(utc(2026, 6, 1), tick=False):
            self._record(s, dt.date(2026, 5, 1), "cancelled_short_notice")
            start = at(dt.date(2026, 5, 2), 8)
            end = start + dt.timedelta(minutes=30)
            record(s, start, end, "cancelled_with_notice", cancelled_at=start - dt.timedelta(days=2))
            second = self._record(s, dt.date(2026, 5, 3), "cancelled_short_notice")
        (notice,) = Alert.objects.filter(kind=services.RUN_NOTICE)
        assert notice.object_id == str(second.pk)
