from decimal import Decimal

from django import template

register = template.Library()


@register.filter
def hours(value) -> str:
    """Hours as people write them: 10.5, 14, 10.25 (never 10.50 or 14.00)."""
    if value in (None, ""):
        return "–"
    number = value if isinstance(value, Decimal) else Decimal(str(value))
    text = f"{number.normalize():f}"
    return text
