"""Template filters for invoice figures: money with the pound sign and thousands, minutes as hours."""

from decimal import Decimal, InvalidOperation

from django import template

from portal.money import format_money

register = template.Library()

STATUS_TAGS = {
    "draft": "govuk-tag--grey",
    "submitted": "govuk-tag--blue",
    "approved": "govuk-tag--turquoise",
    "split": "govuk-tag--purple",
    "disputed": "govuk-tag--red",
    "paid": "govuk-tag--green",
    "not_payable": "govuk-tag--orange",
    "no_change": "govuk-tag--grey",
    "proposed": "govuk-tag--yellow",
    "accepted": "govuk-tag--green",
    "rejected": "govuk-tag--orange",
    "open": "govuk-tag--red",
    "upheld": "govuk-tag--orange",
    "raised": "govuk-tag--yellow",
    "issued": "govuk-tag--blue",
    "set_off": "govuk-tag--green",
    "repaid": "govuk-tag--green",
}


def _decimal(value):
    if value in (None, ""):
        return None
    try:
        return value if isinstance(value, Decimal) else Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


@register.filter
def money(value):
    """£1,234.50"""
    value = _decimal(value)
    return "–" if value is None else format_money(value)


@register.filter
def hours(minutes):
    """Minutes as hours to 2 places: 127.5 → 2.13"""
    value = _decimal(minutes)
    return "–" if value is None else f"{(value / 60).quantize(Decimal('0.01')):,}"


@register.filter
def figure(value, places=2):
    """A Decimal to a fixed number of places, with thousands separators."""
    value = _decimal(value)
    if value is None:
        return "–"
    quantum = Decimal(1).scaleb(-int(places))
    return f"{value.quantize(quantum):,}"


@register.filter
def status_tag(status):
    return STATUS_TAGS.get(str(status), "govuk-tag--grey")


@register.filter
def mins(value):
    """Minutes as worked out, without trailing zeros: 840.0000 → 840; 342.8571 → 342.8571."""
    value = _decimal(value)
    if value is None:
        return "–"
    text = f"{value:,f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


@register.filter
def isodate(value):
    """An ISO date from a breakdown ("2026-04-01") as 1 Apr 2026."""
    import datetime as dt

    try:
        day = dt.date.fromisoformat(str(value))
    except ValueError:
        return value
    return f"{day.day} {day:%b %Y}"
