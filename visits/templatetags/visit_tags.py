from django import template
from django.utils.html import format_html

register = template.Library()

STATUS_COLOURS = {
    "scheduled": "blue",
    "completed": "green",
    "shortened_by_service_user": "turquoise",
    "aborted": "orange",
    "cancelled_short_notice": "yellow",
    "cancelled_with_notice": "grey",
    "missed": "red",
}
SHORT_LABELS = {
    "scheduled": "Scheduled",
    "completed": "Completed",
    "shortened_by_service_user": "Cut short",
    "aborted": "Aborted",
    "cancelled_short_notice": "Cancelled, short notice",
    "cancelled_with_notice": "Cancelled with notice",
    "missed": "Missed",
}


@register.simple_tag
def visit_status(visit):
    """The status as a tag whose words carry the meaning (the colour only repeats it)."""
    return format_html(
        '<strong class="govuk-tag govuk-tag--{}">{}</strong>',
        STATUS_COLOURS.get(visit.status, "grey"),
        SHORT_LABELS.get(visit.status, visit.status),
    )


@register.filter
def minutes_as_hours(minutes):
    if minutes in (None, ""):
        return "–"
    hours, rest = divmod(int(minutes), 60)
    return f"{hours} h {rest:02d} min" if hours else f"{rest} min"


@register.simple_tag
def cell_of(row, name):
    """One cell of the day's grid: its value and its errors."""
    return {"value": row.cells.get(name, ""), "errors": row.errors.get(name, [])}
