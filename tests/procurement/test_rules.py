"""Worked examples for entry criteria and call-off scoring, computed by hand."""

import datetime as dt
from decimal import Decimal as D

import pytest
from hypothesis import given
from hypothesis import strategies as st

from procurement import rules

TODAY = dt.date(2026, 6, 1)
T0 = dt.datetime(2026, 5, 1, 9, 0, tzinfo=dt.UTC)

LOT_1 = [  # Dorset App. 1 Lot 1: CQC registered and rated Good or Outstanding
    rules.Criterion(1, 1, "", "cqc_registered", "CQC registered"),
    rules.Criterion(2, 1, "", "cqc_good_or_better", "CQC rated Good or Outstanding"),
]
LOT_9 = [  # Lot 9: registered and Good, or unregistered with declarations
    rules.Criterion(1, 1, "Registered with CQC", "cqc_registered", "CQC registered"),
    rules.Criterion(2, 1, "Registered with CQC", "cqc_good_or_better", "CQC rated Good or Outstanding"),
    rules.Criterion(
        3, 2, "Not registered", "policy", "Holds a safeguarding adults policy", "safeguarding_adults"
    ),
    rules.Criterion(
        4, 2, "Not registered", "policy", "Holds a safer recruitment policy", "safer_recruitment"
    ),
    rules.Criterion(5, 2, "Not registered", "declaration", "MCA training undertaken by relevant staff"),
]


def facts(**kwargs):
    return rules.ProviderFacts(**kwargs)


def test_an_application_that_fails_one_criterion_names_it():
    provider = facts(
        cqc_location_id="1-123", cqc_rating="requires_improvement", cqc_rating_date=dt.date(2026, 3, 2)
    )
    assessment = rules.assess_entry(LOT_1, provider, TODAY)
    assert not assessment.met
    assert [r.criterion_id for r in assessment.failures()] == [2]
    message = rules.entry_failure_message("Lot 1: Care and support at home", LOT_1, assessment)
    assert message == (
        "You do not meet the entry criteria for Lot 1: Care and support at home. "
        "CQC rated Good or Outstanding — your CQC rating is Requires improvement (2 Mar 2026)."
    )


def test_a_good_registered_provider_meets_lot_1_from_what_the_portal_holds():
    provider = facts(cqc_location_id="1-123", cqc_rating="good", cqc_rating_date=dt.date(2025, 3, 12))
    assessment = rules.assess_entry(LOT_1, provider, TODAY)
    assert assessment.met and assessment.route_met == 1
    assert all(r.basis == "portal" for r in assessment.results)


def test_an_unregistered_provider_meets_lot_9_by_policies_on_record_and_a_declaration():
    provider = facts(
        policies={"safeguarding_adults": dt.date(2027, 1, 1), "safer_recruitment": dt.date(2026, 9, 1)},
        declared=frozenset({5}),
    )
    assessment = rules.assess_entry(LOT_9, provider, TODAY)
    assert assessment.met and assessment.route_met == 2
    basis = {r.criterion_id: r.basis for r in assessment.results}
    assert basis == {1: "", 2: "", 3: "portal", 4: "portal", 5: "declared"}


def test_a_policy_past_its_review_date_must_be_declared_again():
    provider = facts(
        policies={"safeguarding_adults": dt.date(2026, 5, 31), "safer_recruitment": dt.date(2026, 9, 1)},
        declared=frozenset({5}),
    )
    assessment = rules.assess_entry(LOT_9, provider, TODAY)
    assert not assessment.met
    message = rules.entry_failure_message("Lot 9", LOT_9, assessment)
    assert "Registered with CQC: CQC registered — no CQC location ID is recorded for you" in message
    assert (
        "Not registered: Holds a safeguarding adults policy — the policy on record was due for review on 31 May 2026"
        in message
    )
    declared = rules.assess_entry(LOT_9, facts(**{**provider.__dict__, "declared": frozenset({3, 5})}), TODAY)
    assert declared.met


def test_enhanced_dbs_for_all_staff_is_read_from_the_staff_register():
    # [003 App. 1] Community Support: "All staff (employed and volunteers) shall have enhanced DBS checks".
    lot = [rules.Criterion(1, 1, "", "enhanced_dbs_all_staff", "All staff have enhanced DBS checks")]
    met = rules.assess_entry(lot, facts(staff_employed=8), TODAY)
    assert met.met and met.results[0].detail == "all 8 staff hold an enhanced DBS check"
    assert met.results[0].basis == "portal" and not met.results[0].declarable
    short = rules.assess_entry(lot, facts(staff_employed=8, staff_without_enhanced_dbs=1), TODAY)
    assert not short.met and short.results[0].detail == "1 of 8 staff have no enhanced DBS check recorded"
    # Declaring it does not help: the register says.
    assert not rules.assess_entry(lot, facts(declared=frozenset({1})), TODAY).met


def test_a_lot_without_criteria_admits_anyone():
    assert rules.assess_entry([], facts(), TODAY).met


def test_a_bid_of_23_53_is_refused_and_the_band_edges_are_accepted():
    assert rules.price_band_error(D("23.53"), D("21.00"), D("23.52")) == (
        "The hourly rate £23.53 is above the price band of £21.00 to £23.52: bids outside the band are refused."
    )
    assert "below the price band" in rules.price_band_error(D("20.99"), D("21.00"), D("23.52"))
    assert rules.price_band_error(D("23.52"), D("21.00"), D("23.52")) is None
    assert rules.price_band_error(D("21.00"), D("21.00"), D("23.52")) is None


def _bid(bid_id, rate, q1, q2, minutes=0):
    # Quality 70%: question 1 weighs 40 and question 2 weighs 30, each scored out of 5.
    return rules.BidForScoring(
        bid_id,
        D(rate),
        T0 + dt.timedelta(minutes=minutes),
        (rules.QuestionScore(D("40"), 5, q1), rules.QuestionScore(D("30"), 5, q2)),
    )


def test_two_bids_at_70_30_rank_as_computed_by_hand():
    # Bid 1: £23.10, scores 5 and 4 → quality 40×5/5 + 30×4/5 = 40 + 24 = 64.00;
    #        price 30 × 21.00/23.10 = 27.2727… → 27.27; total 91.27.
    # Bid 2: £21.00, scores 3 and 4 → quality 24 + 24 = 48.00; price 30 (the lowest); total 78.00.
    ranked = rules.rank_bids([_bid(2, "21.00", 3, 4), _bid(1, "23.10", 5, 4)], D("30"))
    assert [(r.bid_id, r.rank, r.quality_points, r.price_points, r.total) for r in ranked] == [
        (1, 1, D("64.00"), D("27.27"), D("91.27")),
        (2, 2, D("48.00"), D("30.00"), D("78.00")),
    ]


def test_price_decides_when_quality_is_close():
    # Bid 1: £23.52, 4 and 4 → 32 + 24 = 56; price 30 × 21.50/23.52 = 27.4234… → 27.42; total 83.42.
    # Bid 2: £21.50, 4 and 3 → 32 + 18 = 50; price 30; total 80.00. Bid 1 still wins by 3.42.
    # Bid 3: £21.50, 4 and 4 → 56 + 30 = 86.00: the cheaper bid of equal quality wins.
    ranked = rules.rank_bids(
        [_bid(1, "23.52", 4, 4), _bid(2, "21.50", 4, 3), _bid(3, "21.50", 4, 4)], D("30")
    )
    assert [(r.bid_id, r.total) for r in ranked] == [(3, D("86.00")), (1, D("83.42")), (2, D("80.00"))]


def test_a_tie_goes_to_the_lower_rate_then_the_earlier_bid():
    # 40×5/5 + 30×5/5 = 70 + 30 × 22/22 = 100 for both; bid 8 came first.
    ranked = rules.rank_bids([_bid(9, "22.00", 5, 5, minutes=5), _bid(8, "22.00", 5, 5)], D("30"))
    assert [r.bid_id for r in ranked] == [8, 9]


def test_unscored_bids_rank_last_and_have_no_total():
    ranked = rules.rank_bids([_bid(1, "21.00", None, 4), _bid(2, "23.00", 1, 1)], D("30"))
    assert [(r.bid_id, r.fully_scored, r.total) for r in ranked] == [(2, True, D("41.39")), (1, False, None)]


def test_weights_must_add_up_to_100():
    assert rules.weights_error(D("30"), [D("40"), D("30")]) is None
    assert rules.weights_error(D("30"), [D("40"), D("20")]) == (
        "The price weight and the question weights add up to 90%, not 100%."
    )


def test_a_score_above_the_highest_is_refused():
    with pytest.raises(ValueError, match="between 0 and 5"):
        rules.quality_points([rules.QuestionScore(D("70"), 5, 6)])


@given(
    rates=st.lists(st.decimals(min_value=D("21.00"), max_value=D("23.52"), places=2), min_size=1, max_size=6),
    weight=st.integers(min_value=0, max_value=100),
)
def test_the_lowest_bid_gets_the_full_price_weight_and_no_bid_gets_more(rates, weight):
    lowest = min(rates)
    for rate in rates:
        points = rules.price_points(rate, lowest, D(weight))
        assert D("0") <= points <= D(weight)
        if rate == lowest:
            assert points == D(weight)
