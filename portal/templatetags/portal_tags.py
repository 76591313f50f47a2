"""Tags for the shared page layouts in templates/portal/ (`{% load portal_tags %}`)."""

from django import template
from django.utils.html import format_html_join
from django.utils.safestring import SafeString

register = template.Library()


@register.simple_tag
def column_headings(*labels: object, numeric: str = "") -> SafeString:
    """A table's column headings, one `<th scope="col">` a label, in order. An empty label (a
    column this user does not see, e.g. `council_side|yesno:"Provider,"`) is left out; the labels
    named in `numeric` ("Minutes,Net") are right-aligned like their figures."""
    right_aligned = {name.strip() for name in numeric.split(",")}
    return format_html_join(
        "",
        '<th scope="col" class="govuk-table__header{}">{}</th>',
        ((" portal-numeric" if str(label) in right_aligned else "", label) for label in labels if label),
    )
