"""Money and hours: Decimal only, and one rounding rule in one place.

HMRC's rounding (half up) is used for pennies and for quarter-hours alike `[004 App. 3 §2]`.
"""

from decimal import ROUND_HALF_UP, Decimal

PENNY = Decimal("0.01")
QUARTER = Decimal("0.25")
ZERO = Decimal("0")
MINUTES_PER_HOUR = Decimal(60)

#: What money and hours may be given as. Not float: a float cannot hold pennies.
Number = Decimal | int | str


def to_decimal(value: Number) -> Decimal:
    """Decimal from str/int/Decimal; floats are refused because they cannot hold pennies."""
    if isinstance(value, float):
        raise TypeError("Money and hours are never floats; pass a string or Decimal")
    return value if isinstance(value, Decimal) else Decimal(str(value))


def round_half_up(value: Number, step: Decimal) -> Decimal:
    """Round `value` to a multiple of `step`, halves away from zero. The one rounding rule."""
    value = to_decimal(value)
    return (value / step).quantize(Decimal(1), rounding=ROUND_HALF_UP) * step


def pennies(value: Number) -> Decimal:
    """Round to the penny, half up: £1.005 → £1.01."""
    return round_half_up(value, PENNY).quantize(PENNY)


def quarter_hours(hours: Number) -> Decimal:
    """Round hours to the nearest quarter-hour, half up: 1.125 h → 1.25 h `[004 App. 3 §2]`."""
    return round_half_up(hours, QUARTER).quantize(PENNY)


def minutes_to_hours(minutes: Number) -> Decimal:
    return to_decimal(minutes) / MINUTES_PER_HOUR


def format_money(value: Number) -> str:
    value = pennies(value)
    sign = "-" if value < 0 else ""
    return f"{sign}£{abs(value):,.2f}"
