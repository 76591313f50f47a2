"""The tolerance: one rule (`invoicing.rules.tolerance_week`) for the invoice's unauthorised-excess
lines and for the 4-week alert to the provider and brokerage `[004 §3.2.7, App. 3 §4, App. 6 §2.2.3,
§3.3]`, reading the contract's invoicing terms (tolerance percentage, whether each carer counts), its
approved temporary variations, and the run of weeks over the commissioned hours (the +20% holds for
up to four weeks; runs cross periods). Only hourly (Norfolk) contracts have a tolerance."""

import datetime as dt
from decimal import Decimal
from decimal import Decimal as D

import pytest

from invoicing import alerts, rules, selectors, services
from invoicing.models import LineKind
from invoicing.tasks import raise_tolerance_alerts
from packages_of_care.rules import Version
from portal.models import Alert
from schemes.models import PaymentModel
from tests.factories import ContractFactory
from tests.invoicing.conftest import NEXT_START, P_END, P_START
from tests.packages_of_care.factories import OrderFactory, TemporaryVariationFactory
from tests.visits.factories import VisitFactory, at

pytestmark = [pytest.mark.django_db]
UTC = dt.UTC


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


def _deliver_daily(order, first, last, minutes, carers=1):
    """A visit of `minutes` every day from first to last."""
    for day in _days(first, last):
        _deliver(order, day, minutes, carers=carers)


# The alert and the invoice agree, week by week ---------------------------------------------------

# 10 h a week commissioned (600 minutes). The period's four weeks from Monday 27 April 2026, a visit
# a day: week 1 7 × 95 = 665 min (110.8%); week 2 7 × 55 min with two carers = 770 carer-minutes
# (128.3%), 385 if each carer does not count; week 3 7 × 105 = 735 (122.5%); week 4 7 × 100 = 700
# (116.7%). Allowed: 660 at 10%, 720 at 20%; an approved variation of +2 h a week over weeks 2–3
# adds 120 minutes to those weeks (780 at 10%, 840 at 20%).
# Over the commissioned hours (600, or 720 with the variation) — the run the alert counts — every
# week when each carer counts (665, 770 > 720, 735 > 720, 700); when not, week 2 (385) ends the run.
# Each week is within the first 4 of its run, so the tolerance applies to every week.
WEEKS = [(95, 1), (55, 2), (105, 1), (100, 1)]
AGREEMENT = [
    # tolerance, each carer, variation → weeks over the tolerance (1-based), by hand
    (D("10"), True, False, {1, 2, 3, 4}),
    (D("10"), False, False, {1, 3, 4}),
    (D("20"), True, False, {2, 3}),
    (D("20"), False, False, {3}),
    (D("10"), True, True, {1, 4}),
    (D("10"), False, True, {1, 4}),
    (D("20"), True, True, set()),
    (D("20"), False, True, set()),
]


@pytest.mark.parametrize(("tolerance", "each_carer", "variation", "over"), AGREEMENT)
def test_the_alert_and_the_invoice_agree_week_by_week(
    hourly_contract, tolerance, each_carer, variation, over
):
    services.invoicing_terms_set(
        actor=None, contract=hourly_contract, tolerance_percent=tolerance, count_each_carer=each_carer
    )
    order = OrderFactory(contract=hourly_contract, weekly_hours=D("10.00"), start_date=dt.date(2026, 4, 1))
    if variation:
        TemporaryVariationFactory(
            order=order,
            start_date=dt.date(2026, 5, 4),
            end_date=dt.date(2026, 5, 17),
            extra_hours_per_week=D("2"),
        )
    for week, (minutes, carers) in enumerate(WEEKS):
        monday = P_START + dt.timedelta(days=7 * week)
        _deliver_daily(order, monday, monday + dt.timedelta(days=6), minutes, carers=carers)

    invoice = services.invoice_generate(contract_id=hourly_contract.pk, period_start=P_START).invoice
    excess = {
        line.week_start: line.unauthorised_minutes
        for line in invoice.lines.filter(kind=LineKind.UNAUTHORISED, order=order)
    }
    (row,) = selectors.tolerance_weeks(P_END + dt.timedelta(days=1), count=4)
    assert [start for start, _week in row.weeks] == [P_START + dt.timedelta(days=7 * w) for w in range(4)]
    for number, (start, week) in enumerate(row.weeks, start=1):
        assert week.is_over == (number in over) == (start in excess)
        if week.is_over:
            assert excess[start] == (week.unauthorised7 / 7).quantize(D("0.0001"))
    # Four weeks in a row over the commissioned hours: the provider raises it with the locality
    # worker and brokerage reviews the order (an alert to each); otherwise no alert.
    raised = services.tolerance_alerts_raise(today=P_END + dt.timedelta(days=1))
    assert raised == (2 if each_carer else 0)
    assert [w.run_week for _s, w in row.weeks] == ([1, 2, 3, 4] if each_carer else [1, 0, 1, 2])
    if raised:
        alert = Alert.objects.get(kind=alerts.OVER_TOLERANCE, capability="broker")
        assert "over the commissioned hours for 4 weeks in a row" in alert.title
        assert f"The +{tolerance.normalize():f}% tolerance holds for up to 4 weeks" in alert.detail
        assert "week from 27 Apr: 11.08 h delivered, 10 h commissioned" in alert.detail


# The alert's worked examples -------------------------------------------------------------------


class TestHoursOverTolerance:
    """10 hours a week commissioned: 12 with the +20% tolerance. 2 hours a day is 14 a week."""

    def _order(self, **contract):
        contract = ContractFactory(
            payment_model=contract.pop("payment_model", PaymentModel.HOURLY_4_WEEKLY),
            payment_period_anchor=contract.pop("anchor", dt.date(2024, 4, 1)),  # a Monday
            **contract,
        )
        return OrderFactory(contract=contract, start_date=dt.date(2026, 8, 1), weekly_hours="10")

    def test_four_weeks_over_alert_the_provider_and_brokerage(self):
        order = self._order()
        _deliver_daily(order, dt.date(2026, 9, 7), dt.date(2026, 10, 4), 120)  # Monday 7 Sep – Sunday 4 Oct
        assert services.tolerance_alerts_raise(today=dt.date(2026, 10, 4)) == 0  # three complete weeks
        assert services.tolerance_alerts_raise(today=dt.date(2026, 10, 5)) == 2
        broker = Alert.objects.get(kind=alerts.OVER_TOLERANCE, capability="broker")
        provider = Alert.objects.get(kind=alerts.OVER_TOLERANCE, capability="provider_manage")
        assert broker.recipient == order.commissioner and provider.recipient == order.provider
        assert broker.key == provider.key == f"order:{order.pk}:from:2026-09-07"
        assert "4 weeks in a row" in broker.title
        assert provider.title.startswith("Raise with the locality worker: order ")
        assert "week from 07 Sep: 14 h delivered, 10 h commissioned" in broker.detail
        # Still over a week later: the open alert stands, no second one.
        _deliver_daily(order, dt.date(2026, 10, 5), dt.date(2026, 10, 11), 120)
        assert services.tolerance_alerts_raise(today=dt.date(2026, 10, 12)) == 0

    def test_at_the_commissioned_hours_exactly_is_not_over(self):
        order = self._order()
        for day in _days(dt.date(2026, 9, 7), dt.date(2026, 10, 4)):
            _deliver(order, day, 86 if day.weekday() < 6 else 84)  # 6×86 + 84 = 600 minutes = 10 h
        assert raise_tolerance_alerts.delay().get() == 0
        assert services.tolerance_alerts_raise(today=dt.date(2026, 10, 5)) == 0

    def test_a_paid_cancellation_counts_towards_the_run(self):
        """Exactly 10 h delivered each week, plus one 30-minute short-notice cancellation a week
        (paid, not delivered): 630 > 600, so each week is over the commissioned hours."""
        order = self._order()
        for day in _days(dt.date(2026, 9, 7), dt.date(2026, 10, 4)):
            _deliver(order, day, 86 if day.weekday() < 6 else 84)
            if day.weekday() == 2:
                VisitFactory(
                    order=order,
                    scheduled_start=at(day, 18),
                    minutes=30,
                    status="cancelled_short_notice",
                    carer_reference=f"X-{day.isoformat()}",
                )
        assert services.tolerance_alerts_raise(today=dt.date(2026, 10, 5)) == 2

    @pytest.mark.parametrize("model", [PaymentModel.BLOCK_QUARTERLY, PaymentModel.WEEKLY_PACKAGE])
    def test_no_alert_on_contracts_without_a_tolerance(self, model):
        """Derby's block pays a volume; Dorset's packages have their own 5-hour review."""
        order = self._order(payment_model=model, anchor=None)
        _deliver_daily(order, dt.date(2026, 9, 7), dt.date(2026, 10, 4), 120)
        assert services.tolerance_alerts_raise(today=dt.date(2026, 10, 5)) == 0
        assert selectors.tolerance_weeks(dt.date(2026, 10, 5)) == []

    def test_an_approved_temporary_variation_authorises_the_extra(self):
        order = self._order()
        TemporaryVariationFactory(
            order=order,
            start_date=dt.date(2026, 9, 1),
            end_date=dt.date(2026, 10, 31),
            extra_hours_per_week=Decimal("4"),  # 10 + 4 = 14 h: 840 minutes, not over
        )
        _deliver_daily(order, dt.date(2026, 9, 7), dt.date(2026, 10, 4), 120)
        assert services.tolerance_alerts_raise(today=dt.date(2026, 10, 5)) == 0

    def test_double_ups_count_each_carer(self):
        order = self._order()
        _deliver_daily(order, dt.date(2026, 9, 7), dt.date(2026, 10, 4), 60, carers=2)
        assert services.tolerance_alerts_raise(today=dt.date(2026, 10, 5)) == 2

    def test_norfolk_weeks_start_on_the_payment_period_anchor_weekday(self):
        # Anchor Wednesday 3 April 2024: weeks run Wednesday to Tuesday.
        order = self._order(payment_model=PaymentModel.HOURLY_4_WEEKLY, anchor=dt.date(2024, 4, 3))
        _deliver_daily(order, dt.date(2026, 9, 2), dt.date(2026, 9, 29), 120)
        assert services.tolerance_alerts_raise(today=dt.date(2026, 9, 29)) == 0
        assert services.tolerance_alerts_raise(today=dt.date(2026, 9, 30)) == 2
        alert = Alert.objects.get(kind=alerts.OVER_TOLERANCE, capability="broker")
        assert alert.key.endswith(":from:2026-09-02")

    def test_weeks_across_the_clock_change(self):
        """Monday 5 October – Sunday 1 November: the fourth week holds the 25-hour Sunday. Visits
        are counted by their UK day, so the week is 7 days like any other."""
        order = self._order()
        _deliver_daily(order, dt.date(2026, 10, 5), dt.date(2026, 11, 1), 120)
        late_night = VisitFactory(
            order=order,
            scheduled_start=dt.datetime(2026, 10, 25, 1, 30, tzinfo=UTC),  # 01:30 GMT, the second 01:30
            minutes=20,
            carer_reference="NIGHT",
        )
        assert late_night.visit_date == dt.date(2026, 10, 25)
        assert services.tolerance_alerts_raise(today=dt.date(2026, 11, 2)) == 2
        detail = Alert.objects.get(kind=alerts.OVER_TOLERANCE, capability="broker").detail
        assert "week from 19 Oct: 14.33 h delivered" in detail


# The +20% for up to four weeks `[004 App. 3 §4, App. 6 §3.3]` ------------------------------------

MON = dt.date(2026, 9, 7)


def _week(delivered, run_before, *, pnd=0, extra_hours=None, tolerance=D("20")):
    """A week of a 10 h/week order (600 minutes) against the rule."""
    variations = [rules.VariationSpan(MON, MON + dt.timedelta(days=6), D(extra_hours))] if extra_hours else []
    return rules.tolerance_week(
        versions=[Version(dt.date(2026, 1, 5), D("10"))],
        week_start=MON,
        week_end=MON + dt.timedelta(days=6),
        order_start=dt.date(2026, 1, 5),
        order_end=None,
        variations=variations,
        delivered_minutes=delivered,
        paid_not_delivered_minutes=pnd,
        tolerance_percent=tolerance,
        weeks_over_before=run_before,
    )


def test_a_run_of_weeks_over_the_commissioned_hours():
    """700 minutes a week against 600 commissioned (720 allowed at +20%); a week at 600 exactly
    ends the run. Weeks 1–4 of a run: nothing over 720. Week 5: 700 − 600 = 100 minutes over."""
    delivered = [700, 700, 700, 700, 600, 700, 700, 700, 700, 700]
    run, runs, over = 0, [], []
    for minutes in delivered:
        week = _week(minutes, run)
        run = week.run_week
        runs.append(run)
        over.append(week.unauthorised7 / 7)
    assert runs == [1, 2, 3, 4, 0, 1, 2, 3, 4, 5]
    assert over == [0] * 9 + [100]


@pytest.mark.parametrize(
    ("delivered", "pnd", "run_before", "extra", "run_week", "unauthorised", "allowance"),
    [
        # In the run's first 4 weeks: delivered above 600 × 1.2 = 720.
        (800, 0, 3, None, 4, 80, 720),  # 800 − 720
        (700, 30, 0, None, 1, 0, 720),  # 730 > 600 starts a run; 700 delivered ≤ 720
        # From the 5th week: delivered + paid-not-delivered above 600 (+ variations).
        (800, 0, 4, None, 5, 200, 600),  # 800 − 600
        (600, 30, 4, None, 5, 30, 600),  # 600 + 30 − 600
        (750, 0, 4, "2", 5, 30, 720),  # 600 + 2 h = 720 allowed; 750 − 720
        (720, 0, 4, "2", 0, 0, 840),  # 720 is not over 720: the run ends; +20% again: 600 × 1.2 + 120
        (500, 200, 4, None, 5, 100, 600),  # 700 − 600 = 100, at most the 500 delivered
    ],
)
def test_the_week_against_the_tolerance(delivered, pnd, run_before, extra, run_week, unauthorised, allowance):
    week = _week(delivered, run_before, pnd=pnd, extra_hours=extra)
    assert week.run_week == run_week
    assert week.unauthorised7 / 7 == unauthorised
    assert week.allowance7 / 7 == allowance
    assert week.beyond_tolerance_weeks == (run_week > 4)


# Six weeks in a row over, across a period boundary: 6 visits a week (Monday to Saturday) of 115
# minutes = 690 minutes (11.5 h, 115%) against 10 h commissioned, at £22.00 an hour, from the third
# week of the period 27 Apr – 24 May (Monday 11 May) to the fourth of 25 May – 21 Jun (Sunday 21
# June): weeks 1–2 of the run in the first period, weeks 3–6 in the next.
#   run weeks 1–4: 690 ≤ 720 allowed → 11.50 h paid × £22.00 = £253.00
#   run weeks 5–6: allowed 600 → 690 − 600 = 90 minutes disputed = 1.50 h × £22.00 = £33.00;
#                  600 minutes paid = 10.00 h × £22.00 = £220.00
SIX_WEEKS_FROM = P_START + dt.timedelta(days=14)  # Monday 11 May 2026
NEXT_END = NEXT_START + dt.timedelta(days=27)  # Sunday 21 June 2026


@pytest.fixture
def six_weeks_over(hourly_contract):
    order = OrderFactory(contract=hourly_contract, weekly_hours=D("10.00"), start_date=dt.date(2026, 4, 1))
    for week in range(6):
        monday = SIX_WEEKS_FROM + dt.timedelta(days=7 * week)
        for day in range(6):
            _deliver(order, monday + dt.timedelta(days=day), 115)
    return order


def test_weeks_5_and_6_of_a_run_across_periods_are_disputed_above_the_commissioned_hours(
    hourly_contract, six_weeks_over
):
    order = six_weeks_over
    # The next period first, with no invoice for the one before: the run is read from the visits.
    invoice = services.invoice_generate(contract_id=hourly_contract.pk, period_start=NEXT_START).invoice
    planned = {
        line.week_start: line for line in invoice.lines.filter(kind=LineKind.PLANNED_CARE, order=order)
    }
    assert [planned[NEXT_START + dt.timedelta(days=7 * w)].quantity for w in range(4)] == [
        D("11.50"),
        D("11.50"),
        D("10.00"),
        D("10.00"),
    ]
    assert [planned[NEXT_START + dt.timedelta(days=7 * w)].net_amount for w in range(4)] == [
        D("253.00"),
        D("253.00"),
        D("220.00"),
        D("220.00"),
    ]
    assert [
        planned[NEXT_START + dt.timedelta(days=7 * w)].breakdown["tolerance_run_week"] for w in range(4)
    ] == [
        3,
        4,
        5,
        6,
    ]
    excess = list(invoice.lines.filter(kind=LineKind.UNAUTHORISED, order=order).order_by("week_start"))
    assert [(x.week_start, x.unauthorised_minutes, x.quantity, x.net_amount, x.disputed) for x in excess] == [
        (NEXT_START + dt.timedelta(days=14), D("90.0000"), D("1.50"), D("33.00"), True),
        (NEXT_START + dt.timedelta(days=21), D("90.0000"), D("1.50"), D("33.00"), True),
    ]
    assert invoice.disputed_total == D("66.00")  # 2 × £33.00
    # The first period: weeks 1–2 of the run, within the tolerance: 2 × £253.00, nothing disputed.
    first = services.invoice_generate(contract_id=hourly_contract.pk, period_start=P_START).invoice
    assert not first.lines.filter(kind=LineKind.UNAUTHORISED).exists()
    assert sum(line.net_amount for line in first.lines.filter(kind=LineKind.PLANNED_CARE)) == D("506.00")

    # The alert agrees with the invoice week by week, run and excess.
    (row,) = selectors.tolerance_weeks(NEXT_END + dt.timedelta(days=1), count=4)
    assert [w.run_week for _s, w in row.weeks] == [3, 4, 5, 6]
    by_week = {x.week_start: x.unauthorised_minutes for x in excess}
    for start, week in row.weeks:
        assert (start in by_week) == week.is_over
        if week.is_over:
            assert by_week[start] == (week.unauthorised7 / 7).quantize(D("0.0001"))


def test_the_alert_fires_when_the_run_reaches_4_weeks(hourly_contract, six_weeks_over):
    # Complete weeks before Monday 1 June: the run is 3 weeks (from 11 May): no alert yet.
    assert services.tolerance_alerts_raise(today=NEXT_START + dt.timedelta(days=7)) == 0
    # Before Monday 8 June: 4 weeks (11 May – 7 June), across the period boundary.
    assert services.tolerance_alerts_raise(today=NEXT_START + dt.timedelta(days=14)) == 2
    keys = set(Alert.objects.filter(kind=alerts.OVER_TOLERANCE).values_list("key", flat=True))
    assert keys == {f"order:{six_weeks_over.pk}:from:2026-05-11"}
    # Weeks 5 and 6: the open alerts stand.
    assert services.tolerance_alerts_raise(today=NEXT_END + dt.timedelta(days=1)) == 0
