import datetime as dt
from decimal import Decimal as D

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kpis import rules
from kpis.rules import Direction, Rag
from workforce.models import add_months

M = D("0.10")


def test_percentage_rounds_half_up_to_two_places():
    assert rules.percentage(1, 45) == D("2.22")
    assert rules.percentage(1, 8) == D("12.50")
    assert rules.percentage(1, 800) == D("0.13")  # 0.125 → 0.13, half up
    assert rules.percentage(3, 0) is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [("2.00", Rag.GREEN), ("1.50", Rag.GREEN), ("2.10", Rag.AMBER), ("2.20", Rag.AMBER), ("2.21", Rag.RED)],
)
def test_at_most_two_percent_amber_is_a_miss_within_ten_percent_of_the_threshold(value, expected):
    assert rules.rag(D(value), direction=Direction.AT_MOST, threshold=D("2"), margin=M) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [("90", Rag.GREEN), ("95.5", Rag.GREEN), ("85", Rag.AMBER), ("81", Rag.AMBER), ("80.99", Rag.RED)],
)
def test_at_least_ninety_percent(value, expected):
    assert rules.rag(D(value), direction=Direction.AT_LEAST, threshold=D("90"), margin=M) == expected


def test_no_amber_on_small_whole_number_thresholds_and_ratings():
    assert rules.rag(D(4), direction=Direction.AT_MOST, threshold=D(4), margin=M) == Rag.GREEN
    assert rules.rag(D(5), direction=Direction.AT_MOST, threshold=D(4), margin=M) == Rag.RED
    good = rules.RATING_ORDINALS["good"]
    assert (
        rules.rag(
            D(rules.RATING_ORDINALS["requires_improvement"]),
            direction=Direction.AT_LEAST,
            threshold=D(good),
            margin=M,
        )
        == Rag.RED
    )
    assert (
        rules.rag(
            D(rules.RATING_ORDINALS["outstanding"]), direction=Direction.AT_LEAST, threshold=D(good), margin=M
        )
        == Rag.GREEN
    )


def test_no_rag_without_a_figure_a_target_or_a_direction():
    assert rules.rag(None, direction=Direction.AT_MOST, threshold=D(2), margin=M) == Rag.NONE
    assert rules.rag(D(3), direction=Direction.NONE, threshold=D(2), margin=M) == Rag.NONE
    assert rules.rag(D(3), direction=Direction.DISCUSSION, threshold=D(2), margin=M) == Rag.NONE
    assert rules.rag(D(3), direction=Direction.AT_MOST, threshold=None, margin=M) == Rag.NONE


def test_complaints_threshold_is_two_for_a_scheme_of_60_and_three_for_150():
    # 2% of 60 = 1.2, less than 2; 2% of 150 = 3, more than 2 [004 App. 4].
    assert rules.greater_of_count_or_percent(count=2, percent=2, population=60) == D("2.00")
    assert rules.greater_of_count_or_percent(count=2, percent=2, population=150) == D("3.00")
    assert rules.greater_of_count_or_percent(count=2, percent=2, population=175) == D("3.50")
    assert rules.greater_of_count_or_percent(count=2, percent=2, population=0) == D("2.00")


@pytest.mark.parametrize(
    ("hours", "band"),
    [
        ("4", "low"),
        ("8", "low"),
        ("8.5", "low"),
        ("8.75", "low"),
        ("9", "medium"),
        ("12", "medium"),
        ("12.75", "medium"),
        ("13", "high"),
        ("20", "high"),
    ],
)
def test_hours_bands_put_the_gaps_in_the_band_below(hours, band):
    assert rules.hours_band(D(hours)) == band


def test_band_mix_counts_and_shares():
    mix = rules.band_mix({"high": 4, "medium": 3, "low": 3})
    assert [(b.key, b.count, b.percent, b.aim) for b in mix] == [
        ("high", 4, D("40.00"), D(40)),
        ("medium", 3, D("30.00"), D(30)),
        ("low", 3, D("30.00"), D(30)),
    ]


def test_within_months_matches_calendar_month_arithmetic_at_month_ends():
    assert rules.within_months(dt.date(2026, 8, 31), dt.date(2027, 2, 28), 6)
    assert not rules.within_months(dt.date(2026, 8, 31), dt.date(2027, 3, 1), 6)
    assert rules.within_months(dt.date(2026, 1, 15), dt.date(2026, 7, 15), 6)
    assert not rules.within_months(dt.date(2026, 1, 15), dt.date(2026, 7, 16), 6)


@given(
    st.dates(min_value=dt.date(2001, 1, 1), max_value=dt.date(2090, 1, 1)),
    st.integers(min_value=0, max_value=400),
    st.integers(min_value=1, max_value=12),
)
def test_within_months_agrees_with_add_months(start, offset, months):
    done = start + dt.timedelta(days=offset)
    assert rules.within_months(start, done, months) == (done <= add_months(start, months))
