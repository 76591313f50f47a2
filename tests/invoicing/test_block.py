"""Derby's block `[002 §1, App. 4, §7.4]`: the agreed block volume, the quarterly block-volume review
(signed, by scheme), accepting it from the next quarter or a date the council sets, payment tied to
monitoring, and the 180-day notice period. Every figure is worked by hand in the comments."""

import datetime as dt
from decimal import Decimal as D
from fractions import Fraction

import pytest
from django.core.exceptions import ValidationError

from invoicing import rules, services
from invoicing.models import BlockVolumeReview, InvoiceStatus, InvoicingTerms
from invoicing.selectors import block_payment_hold
from kpis.models import KpiReturn, ReturnStatus
from packages_of_care.models import OrderVersion
from packages_of_care.rules import Version
from portal.models import AuditEvent
from schemes.models import BlockVolumeSource, PaymentModel
from schemes.services import block_volume_set, contract_create
from tests.factories import ContractFactory, LotFactory, SchemeFactory
from tests.invoicing.conftest import LONDON, on
from tests.packages_of_care.factories import OrderFactory

pytestmark = pytest.mark.django_db

OCT = dt.date(2026, 10, 1)  # the review window before it: 1 Apr – 30 Sep 2026, 91 + 92 = 183 days
JAN = dt.date(2027, 1, 1)


# The rules ----------------------------------------------------------------------------------------


def _rising(second_hours):
    """One order: 400 h/wk from 1 Apr 2026 (91 days to 30 Jun), `second_hours` from 1 Jul (92 days)."""
    versions = [Version(dt.date(2026, 4, 1), D("400")), Version(dt.date(2026, 7, 1), D(second_hours))]
    return [rules.OrderAllocation(versions, dt.date(2026, 4, 1), None, "Handyside Court")]


def test_the_window_before_october_is_183_days():
    start, end = rules.review_window(OCT)
    assert (start, end) == (dt.date(2026, 4, 1), dt.date(2026, 9, 30))
    assert (end - start).days + 1 == 183


def test_worked_example_425_is_3_14_percent_and_proposes_nothing():
    # (400 × 91 + 425 × 92) / 183 = (36,400 + 39,100) / 183 = 75,500 / 183 = 412.5683 h/wk;
    # (412.5683 − 400) / 400 = +3.142%: within 5%, no proposal.
    start, end = rules.review_window(OCT)
    average = rules.average_weekly_hours(_rising("425"), start, end)
    assert average == Fraction(75500, 183)
    review = rules.block_volume_review(current_weekly_hours=D("400"), average=average, rate=D("20.50"))
    assert rules.two_places(average) == D("412.57")
    assert rules.two_places(review.difference_percent) == D("3.14")
    assert not review.proposes_change and review.proposed is None
    # The block stays 400 × 13 × £20.50 = £106,600.00.
    assert review.current.amount == D("106600.00")


def test_worked_example_440_is_5_03_percent_and_proposes_420_11_hours():
    # (400 × 91 + 440 × 92) / 183 = (36,400 + 40,480) / 183 = 76,880 / 183 = 420.1093 h/wk;
    # (420.1093 − 400) / 400 = +5.027% → +5.03%: more than 5%, propose 420.11 h/wk;
    # 420.11 × 13 = 5,461.43 h × £20.50 = £111,959.315 → £111,959.32 (halves up).
    start, end = rules.review_window(OCT)
    average = rules.average_weekly_hours(_rising("440"), start, end)
    assert average == Fraction(76880, 183)
    review = rules.block_volume_review(current_weekly_hours=D("400"), average=average, rate=D("20.50"))
    assert rules.two_places(review.difference_percent) == D("5.03")
    assert review.proposes_change
    assert (review.proposed.weekly_hours, review.proposed.hours) == (D("420.11"), D("5461.43"))
    assert review.proposed.amount == D("111959.32")


def test_the_difference_is_signed_and_shown_with_its_sign():
    # 391.60 h against 400: (391.60 − 400) / 400 = −2.10%, within 5% either way.
    review = rules.block_volume_review(
        current_weekly_hours=D("400"), average=Fraction("391.6"), rate=D("20.50")
    )
    assert review.difference_percent == Fraction("-2.1") and not review.proposes_change
    assert BlockVolumeReview(difference_percent=D("-2.10")).signed_difference == "\N{MINUS SIGN}2.10%"
    assert BlockVolumeReview(difference_percent=D("5.03")).signed_difference == "+5.03%"


def test_the_average_by_scheme_adds_up_to_the_whole():
    # Handyside Court 400 h all along; Sunnyfield Court 40 h from 1 Jul: 40 × 92 / 183 = 20.1093.
    allocations = [
        rules.OrderAllocation(
            [Version(dt.date(2026, 4, 1), D("400"))], dt.date(2026, 4, 1), None, "Handyside"
        ),
        rules.OrderAllocation(
            [Version(dt.date(2026, 7, 1), D("40"))], dt.date(2026, 7, 1), None, "Sunnyfield"
        ),
    ]
    start, end = rules.review_window(OCT)
    by_scheme = rules.average_weekly_hours_by_scheme(allocations, start, end)
    assert by_scheme == {"Handyside": Fraction(400), "Sunnyfield": Fraction(3680, 183)}
    assert sum(by_scheme.values()) == Fraction(76880, 183)


def test_an_accepted_volume_applies_from_the_next_quarter():
    assert rules.next_quarter_start(OCT) == JAN
    assert rules.next_quarter_start(dt.date(2026, 11, 15)) == JAN


def test_payment_follows_monitoring():
    # Return for Jul–Sep submitted Thu 8 Oct 2026: 8 Oct + 28 days = Thu 5 Nov, later than 1 Oct.
    due = rules.block_payment_due(OCT, monitoring_submitted_on=dt.date(2026, 10, 8), first_quarter_from=None)
    assert due == dt.date(2026, 11, 5)
    # Submitted early, on 1 Sep: 1 Sep + 28 = 29 Sep, so the quarter's start, 1 Oct.
    assert (
        rules.block_payment_due(OCT, monitoring_submitted_on=dt.date(2026, 9, 1), first_quarter_from=None)
        == OCT
    )
    # Not submitted: held, no due date.
    assert rules.block_payment_due(OCT, monitoring_submitted_on=None, first_quarter_from=None) is None
    # The first quarter: 4 weeks after the contract starts, 1 Apr 2026 + 28 = 29 Apr 2026 [App. 4 (b)].
    first = rules.block_payment_due(
        dt.date(2026, 4, 1), monitoring_submitted_on=None, first_quarter_from=dt.date(2026, 4, 1)
    )
    assert first == dt.date(2026, 4, 29)


# Through the services -----------------------------------------------------------------------------


@pytest.fixture
def derby(commissioner_org, provider_org):
    """A Derby block contract from 1 Apr 2026 at £20.50/h composite, 400 h/wk agreed at award;
    orders: 400 h/wk at Handyside Court from 1 Apr, and 40 h/wk more at Sunnyfield Court from 1 Jul."""
    lot = LotFactory(framework__commissioner=commissioner_org)
    handyside, sunnyfield = (
        SchemeFactory(lot=lot, name="Handyside Court"),
        SchemeFactory(lot=lot, name="Sunnyfield Court"),
    )
    contract = contract_create(
        actor=None,
        commissioner=commissioner_org,
        provider=provider_org,
        lot=lot,
        reference="DCC-EC-L1",
        start_date=dt.date(2026, 4, 1),
        end_date=dt.date(2030, 3, 31),
        payment_model=PaymentModel.BLOCK_QUARTERLY,
        planned_hourly_rate=D("20.50"),
        schemes=[handyside, sunnyfield],
        block_weekly_hours=D("400"),
    )
    OrderFactory(
        contract=contract,
        weekly_hours=D("400"),
        start_date=dt.date(2026, 4, 1),
        service_user__scheme=handyside,
    )
    OrderFactory(
        contract=contract,
        weekly_hours=D("40"),
        start_date=dt.date(2026, 7, 1),
        service_user__scheme=sunnyfield,
    )
    return contract


def generate(contract, start):
    return services.invoice_generate(contract_id=contract.pk, period_start=start).invoice


def test_derby_gives_180_days_notice(derby):
    # [002 §7.4]: 180 calendar days; the contract ends 31 Mar 2030, so notice by 2 Oct 2029.
    assert derby.notice_period_days == 180
    assert derby.notice_deadline() == dt.date(2029, 10, 2)
    award = derby.block_volumes.get()
    assert (award.effective_from, award.weekly_hours, award.source) == (
        dt.date(2026, 4, 1),
        D("400.00"),
        "award",
    )


def test_the_block_keeps_its_volume_while_orders_rise(derby):
    # Jul–Sep: 440 h/wk live from 1 Jul, but the block is the agreed 400 × 13 × £20.50 = £106,600.00.
    july = generate(derby, dt.date(2026, 7, 1))
    assert july.net_total == D("106600.00")
    assert "block volume from 1 Apr 2026" in july.lines.get().description


def test_a_review_at_5_03_percent_accepted_sets_the_next_quarters_block(derby, commissioner_user):
    october = generate(derby, OCT)
    assert october.net_total == D("106600.00")  # 400 × 13 × £20.50
    review = derby.block_reviews.get(quarter_start=OCT)
    assert (review.current_weekly_hours, review.average_weekly_hours) == (D("400.00"), D("420.1093"))
    assert (review.difference_percent, review.signed_difference, review.outcome) == (
        D("5.03"),
        "+5.03%",
        "proposed",
    )
    assert (review.proposed_weekly_hours, review.proposed_amount) == (D("420.11"), D("111959.32"))
    # By scheme: Handyside 400.00 (400 / 420.1093 = 95.21%), Sunnyfield 20.11 (4.79%).
    assert review.breakdown["schemes"] == [
        {"scheme": "Handyside Court", "average_weekly_hours": "400.00", "share_percent": "95.21"},
        {"scheme": "Sunnyfield Court", "average_weekly_hours": "20.11", "share_percent": "4.79"},
    ]
    # A pending review does not hold up the quarter's block: it is the agreed volume's.
    with on(dt.date(2026, 10, 2)):
        services.invoice_submit(actor=None, invoice=october)
    services.block_review_decide(actor=commissioner_user, review=review, accept=True)
    review.refresh_from_db()
    assert (review.outcome, review.effective_from) == ("accepted", JAN)
    assert (review.volume.weekly_hours, review.volume.source) == (D("420.11"), BlockVolumeSource.REVIEW)
    october.refresh_from_db()
    assert october.net_total == D("106600.00")
    # January–March 2027: 420.11 × 13 × £20.50 = £111,959.32.
    january = generate(derby, JAN)
    assert january.net_total == D("111959.32")
    assert "block volume from 1 Jan 2027" in january.lines.get().description
    assert AuditEvent.objects.filter(action="block volume set", object_id=str(derby.pk)).count() == 2


def test_the_council_may_set_the_date_and_the_draft_follows(derby, commissioner_user):
    october = generate(derby, OCT)
    review = derby.block_reviews.get(quarter_start=OCT)
    with pytest.raises(ValidationError, match="before the quarter of its review"):
        services.block_review_decide(
            actor=commissioner_user, review=review, accept=True, effective_from=dt.date(2026, 9, 1)
        )
    services.block_review_decide(actor=commissioner_user, review=review, accept=True, effective_from=OCT)
    october.refresh_from_db()
    assert (october.status, october.net_total) == (InvoiceStatus.DRAFT, D("111959.32"))


def test_a_date_reaching_a_submitted_block_is_refused(derby, commissioner_user):
    october = generate(derby, OCT)
    with on(dt.date(2026, 10, 2)):
        services.invoice_submit(actor=None, invoice=october)
    review = derby.block_reviews.get(quarter_start=OCT)
    with pytest.raises(ValidationError, match="from 1 January 2027 at the earliest"):
        services.block_review_decide(actor=commissioner_user, review=review, accept=True, effective_from=OCT)
    review.refresh_from_db()
    assert review.outcome == "proposed" and derby.block_volumes.count() == 1


def test_a_rejected_review_keeps_the_volume(derby, commissioner_user):
    generate(derby, OCT)
    review = derby.block_reviews.get(quarter_start=OCT)
    services.block_review_decide(
        actor=commissioner_user, review=review, accept=False, reason="Temporary rise"
    )
    assert generate(derby, JAN).net_total == D("106600.00")


def test_no_block_without_an_agreed_volume(commissioner_org, provider_org):
    contract = ContractFactory(
        commissioner=commissioner_org,
        provider=provider_org,
        start_date=dt.date(2026, 4, 1),
        payment_model=PaymentModel.BLOCK_QUARTERLY,
        payment_period_anchor=None,
    )
    with pytest.raises(ValidationError, match="no block volume in force"):
        generate(contract, OCT)
    block_volume_set(actor=None, contract=contract, effective_from=dt.date(2026, 4, 1), weekly_hours=D("10"))
    assert generate(contract, OCT).net_total == D("2860.00")  # 10 × 13 × £22.00


def test_a_lower_allocation_is_shown_below_the_block(derby):
    # The 400 h order drops to 340 h from 1 Jul (with the 40 h order, 380 h from then):
    # (400 × 91 + 380 × 92) / 183 = (36,400 + 34,960) / 183 = 71,360 / 183 = 389.9454 h/wk;
    # (389.9454 − 400) / 400 = −2.514% → −2.51%: within 5%, no change.
    order = derby.orders.get(versions__weekly_hours=D("400"))
    OrderVersion.objects.create(
        order=order, number=2, effective_from=dt.date(2026, 7, 1), weekly_hours=D("340")
    )
    generate(derby, OCT)
    review = derby.block_reviews.get(quarter_start=OCT)
    assert (review.average_weekly_hours, review.difference_percent, review.outcome) == (
        D("389.9454"),
        D("-2.51"),
        "no_change",
    )
    assert review.signed_difference == "\N{MINUS SIGN}2.51%"


def _kpi_return(contract, submitted_at):
    return KpiReturn.objects.create(
        contract=contract,
        commissioner=contract.commissioner,
        provider=contract.provider,
        lot=contract.lot,
        quarter="2026-Q2",
        period_start=dt.date(2026, 7, 1),
        period_end=dt.date(2026, 9, 30),
        status=ReturnStatus.SUBMITTED,
        computed_at=submitted_at,
        submitted_at=submitted_at,
    )


def test_the_block_is_held_until_4_weeks_after_the_monitoring_return(derby, commissioner_user):
    assert InvoicingTerms.for_contract(derby).payment_follows_monitoring  # on for Derby
    october = generate(derby, OCT)
    with on(dt.date(2026, 10, 2)):
        services.invoice_submit(actor=None, invoice=october)
    october.refresh_from_db()
    assert october.payment_due_on is None
    hold = block_payment_hold(october, dt.date(2026, 10, 2))
    assert hold.held and hold.due_on is None and "has not been submitted" in hold.reason
    # The Jul–Sep return is submitted on Thursday 8 Oct: due 8 Oct + 28 days = 5 Nov 2026.
    _kpi_return(derby, dt.datetime(2026, 10, 8, 9, 0, tzinfo=LONDON))
    hold = block_payment_hold(october, dt.date(2026, 10, 9))
    assert (hold.held, hold.due_on) == (True, dt.date(2026, 11, 5))
    assert "held until 5 November 2026" in hold.reason
    with on(dt.date(2026, 10, 9)):
        services.invoice_approve(actor=commissioner_user, invoice=october)
    october.refresh_from_db()
    assert october.payment_due_on == dt.date(2026, 11, 5)
    assert not block_payment_hold(october, dt.date(2026, 11, 5)).held


def test_the_setting_is_per_contract(derby):
    terms = InvoicingTerms.for_contract(derby)
    terms.payment_follows_monitoring = False
    terms.save()
    october = generate(derby, OCT)
    assert block_payment_hold(october) is None
    with on(dt.date(2026, 10, 2)):
        services.invoice_submit(actor=None, invoice=october)
    october.refresh_from_db()
    assert october.payment_due_on == dt.date(2026, 11, 1)  # 2 Oct + 30 days
