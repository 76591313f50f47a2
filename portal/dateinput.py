"""Dates and times typed the en-GB way: GOV.UK's date input pattern (day, month and year boxes)
plus a time box, read strictly so that 01/12/2026 09:00 is 1 December 2026 at 09:00 — never the
year 012026 that a browser's datetime-local box makes of those keystrokes in an en-GB locale.

A whole date typed (or pasted) into the day box, with or without its time, is read too. A single
value under the field's own name (an API-style "2026-12-01 09:00" or "2026-12-01T09:00") is read
as the uploads read a cell, so scripts and older pages keep working.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any
from zoneinfo import ZoneInfo

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

LONDON = ZoneInfo("Europe/London")
PARTS = ("day", "month", "year", "time")
_TIME_RE = re.compile(r"^(\d{1,2})(?:[:.]?(\d{2}))?\s*(am|pm)?$", re.IGNORECASE)
_WHOLE_RE = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{1,4})(?:[ ,T]+(.+))?$")


def parse_time_text(text: str) -> dt.time:
    """09:00, 9:00, 9.00, 0900, 9, 9am, 2:30pm → a time; anything else is refused."""
    m = _TIME_RE.match(text.strip())
    if not m:
        raise ValidationError("Enter the time as hours and minutes, for example 09:30.", code="bad_time")
    hours, minutes, half = int(m.group(1)), int(m.group(2) or 0), (m.group(3) or "").lower()
    if half:
        if not 1 <= hours <= 12:
            raise ValidationError("Enter a real time, for example 09:30 or 2:30pm.", code="bad_time")
        hours = hours % 12 + (12 if half == "pm" else 0)
    if hours > 23 or minutes > 59:
        raise ValidationError("Enter a real time, for example 09:30.", code="bad_time")
    return dt.time(hours, minutes)


def parse_date_parts(day: str, month: str, year: str) -> dt.date:
    """GOV.UK's date input rules: all three parts, numbers only, a 4-digit year, a real date."""
    day, month, year = day.strip(), month.strip(), year.strip()
    missing = [name for name, value in (("day", day), ("month", month), ("year", year)) if not value]
    if missing:
        raise ValidationError(f"The date must include a {' and '.join(missing)}.", code="incomplete")
    if not (day.isdigit() and month.isdigit() and year.isdigit()):
        raise ValidationError("Enter the date as numbers, for example 27 3 2026.", code="not_numbers")
    if len(year) != 4:
        raise ValidationError("The year must include 4 numbers, for example 2026.", code="year_digits")
    try:
        return dt.date(int(year), int(month), int(day))
    except ValueError as exc:
        raise ValidationError("Enter a real date, for example 27 3 2026.", code="not_real") from exc


def parse_en_gb(
    day: str, month: str = "", year: str = "", time: str | None = None
) -> dt.date | dt.datetime | None:
    """The boxes of a date (and time, when `time` is not None) → a date, an aware Europe/London
    datetime, or None when every box is empty."""
    day, month, year = day or "", month or "", year or ""
    if time is not None:
        time = time or ""
    if not any(part.strip() for part in (day, month, year, time or "")):
        return None
    whole = _WHOLE_RE.match(day.strip()) if not (month.strip() or year.strip()) else None
    if whole:  # "01/12/2026 09:00" typed into the day box
        day, month, year = whole.group(1), whole.group(2), whole.group(3)
        if time is not None and not time.strip() and whole.group(4):
            time = whole.group(4)
    date = parse_date_parts(day, month, year)
    if time is None:
        return date
    if not time.strip():
        raise ValidationError("Enter the time, for example 09:30.", code="no_time")
    naive = dt.datetime.combine(date, parse_time_text(time))
    return timezone.make_aware(naive, LONDON)


class DatePartsInput(forms.MultiWidget):
    """GOV.UK date input: day, month and year boxes (numeric keyboards), and a time box."""

    template_name = "includes/widgets/date_parts.html"

    def __init__(self, attrs: dict[str, Any] | None = None, *, with_time: bool = True) -> None:
        def box(width: int, **extra: str) -> forms.TextInput:
            return forms.TextInput(
                attrs={
                    "class": f"govuk-input govuk-date-input__input govuk-input--width-{width}",
                    "inputmode": "numeric",
                    **extra,
                }
            )

        widgets: dict[str, forms.Widget | type[forms.Widget]] = {
            "day": box(2),
            "month": box(2),
            "year": box(4),
        }
        if with_time:
            widgets["time"] = forms.TextInput(
                attrs={
                    "class": "govuk-input govuk-date-input__input govuk-input--width-5",
                    "autocomplete": "off",
                }
            )
        self.with_time = with_time
        super().__init__(widgets, attrs)

    def decompress(self, value: Any) -> list[Any]:
        if isinstance(value, dt.datetime):
            local = timezone.localtime(value, LONDON) if timezone.is_aware(value) else value
            return [local.day, local.month, local.year, f"{local:%H:%M}"][: len(self.widgets)]
        if isinstance(value, dt.date):
            return [value.day, value.month, value.year, ""][: len(self.widgets)]
        return [None] * len(self.widgets)

    def value_from_datadict(self, data: Any, files: Any, name: str) -> Any:
        if name in data:  # one value under the field's own name
            return data.get(name)
        return super().value_from_datadict(data, files, name)

    def value_omitted_from_data(self, data: Any, files: Any, name: str) -> bool:
        return name not in data and super().value_omitted_from_data(data, files, name)

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        labels = {"day": "Day", "month": "Month", "year": "Year", "time": "Time"}
        parts: list[str] = list(self.widgets_names)  # type: ignore[attr-defined]  # set by MultiWidget
        for sub, part, widget in zip(context["widget"]["subwidgets"], parts, self.widgets, strict=True):
            sub["label"] = labels[part.lstrip("_")]
            css = widget.attrs["class"]  # not the form's "govuk-input" for the whole widget
            if "govuk-input--error" in str(self.attrs.get("class", "")):
                css += " govuk-input--error"
            sub["attrs"]["class"] = css
        return context

    def render(self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None) -> Any:
        # The project's templates (not the form renderer's own directories) hold the markup.
        from django.template.loader import render_to_string
        from django.utils.safestring import mark_safe

        return mark_safe(render_to_string(self.template_name, self.get_context(name, value, attrs)))  # noqa: S308

    def id_for_label(self, id_: str) -> str:
        return f"{id_}_0" if id_ else id_


class _PartsField(forms.Field):
    with_time = True

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", DatePartsInput(with_time=self.with_time))
        super().__init__(*args, **kwargs)

    def to_python(self, value: Any) -> Any:
        if value in (None, "", [], ()):
            return None
        if isinstance(value, str):
            return self._from_text(value)
        parts = [("" if p is None else str(p)) for p in value]
        if self.with_time:
            return parse_en_gb(parts[0], parts[1], parts[2], parts[3] if len(parts) > 3 else "")
        return parse_en_gb(parts[0], parts[1], parts[2])

    def _from_text(self, text: str) -> Any:
        from portal.uploads.columns import ParseError, parse_date, parse_datetime

        try:
            if self.with_time:
                parsed = parse_datetime(text.replace("T", " ", 1))
                return None if parsed is None else timezone.localtime(parsed, LONDON)
            return parse_date(text)
        except ParseError as exc:
            raise ValidationError("Enter a real date, for example 27 3 2026.", code="not_real") from exc


class DatePartsField(_PartsField):
    """A date typed into day, month and year boxes."""

    with_time = False


class DateTimePartsField(_PartsField):
    """A date typed into day, month and year boxes and a time (UK time) into a fourth."""

    with_time = True
