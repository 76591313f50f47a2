from decimal import Decimal

from django import template
from django.utils.html import format_html

from kpis.rules import RAG_WORDS

register = template.Library()


@register.simple_tag
def rag_badge(value):
    """RAG as a word and a symbol (the portal-rag classes add ✖ ▲ ✔), never colour alone."""
    rag = getattr(value, "rag", None) or "none"
    if value is None:
        return format_html('<span class="portal-muted">Not computed</span>')
    return format_html('<strong class="portal-rag portal-rag--{}">{}</strong>', rag, RAG_WORDS.get(rag, rag))


@register.filter
def figure(value):
    """A value as the council reads it: 2.22%, 14, 812.50 h, Good, or the text."""
    if value is None:
        return "–"
    unit = value.definition.unit
    if unit in ("text", "rating"):
        return value.text or "–"
    if value.value is None:
        return "No data"
    number = value.value
    shown = f"{number:,.2f}" if number != number.to_integral() else f"{number:,.0f}"
    if unit == "percentage":
        return f"{shown}%"
    if unit == "hours":
        return f"{shown} h"
    return shown


@register.filter
def fraction(value):
    """'3 of 150' behind a percentage."""
    if value is None or value.numerator is None or value.denominator is None:
        return ""

    def fmt(d: Decimal) -> str:
        return f"{d:,.0f}" if d == d.to_integral() else f"{d:,.2f}"

    return f"{fmt(value.numerator)} of {fmt(value.denominator)}"


@register.filter
def threshold_text(value):
    if value is None or value.threshold is None or not value.definition.has_target:
        return ""
    word = "at most" if value.definition.direction == "at_most" else "at least"
    t = value.threshold
    shown = f"{t:,.2f}" if t != t.to_integral() else f"{t:,.0f}"
    if value.definition.unit == "rating":
        return "Good or higher"
    return f"{word} {shown}{'%' if value.definition.unit == 'percentage' else ''}"


_BAND_SHORT = {
    "13 hours or more a week": "13+ h",
    "9 to under 13 hours a week": "9–13 h",
    "Under 9 hours a week": "under 9 h",
}


@register.filter
def figure_short(value):
    """The figure for a table cell: a rating's word, the hours mix as three shares."""
    if value is None:
        return "–"
    unit = value.definition.unit
    if unit == "rating":
        return (value.text or "–").split(" (")[0]
    if unit == "text" and value.breakdown and all("percent" in b for b in value.breakdown):
        return " · ".join(
            f"{_BAND_SHORT.get(b['label'], b['label'])} {b['percent'] or '–'}%" for b in value.breakdown
        )
    if unit == "text":
        text = value.text or "–"
        return text if len(text) <= 40 else text[:39] + "…"
    return figure(value)
