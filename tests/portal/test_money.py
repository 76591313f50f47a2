from decimal import Decimal as D

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portal.money import format_money, pennies, quarter_hours, to_decimal


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1.005", "1.01"),  # half up, where banker's rounding would give 1.00
        ("1.004", "1.00"),
        ("2.675", "2.68"),
        ("-1.005", "-1.01"),  # halves away from zero
        ("9517.76", "9517.76"),
    ],
)
def test_pennies_round_half_up(value, expected):
    assert pennies(D(value)) == D(expected)


@pytest.mark.parametrize(
    ("hours", "expected"),
    [
        ("1.125", "1.25"),  # exactly half a quarter: up
        ("1.12", "1.00"),
        ("1.13", "1.25"),
        ("10.375", "10.50"),
        ("0", "0.00"),
    ],
)
def test_quarter_hours(hours, expected):
    assert quarter_hours(D(hours)) == D(expected)


def test_floats_are_refused():
    with pytest.raises(TypeError):
        to_decimal(1.1)


def test_format_money():
    assert format_money(D("9517.76")) == "£9,517.76"
    assert format_money(D("-3.5")) == "-£3.50"


@given(st.decimals(min_value=-(10**6), max_value=10**6, allow_nan=False, allow_infinity=False, places=4))
def test_pennies_is_two_places_and_within_half_a_penny(value):
    rounded = pennies(value)
    assert rounded.as_tuple().exponent == -2
    assert abs(rounded - value) <= D("0.005")
