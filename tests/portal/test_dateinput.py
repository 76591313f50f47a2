"""Dates and times typed the en-GB way (portal.dateinput): GOV.UK's day, month and year boxes and
a time box. 01/12/2026 09:00 is 1 December 2026 at 09:00 UK time — never the year 012026."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django import forms
from django.core.exceptions import ValidationError

from portal.dateinput import DatePartsField, DateTimePartsField, parse_en_gb, parse_time_text

LONDON = ZoneInfo("Europe/London")


class When(forms.Form):
    at = DateTimePartsField(label="When")
    on = DatePartsField(label="Day", required=False)


def test_the_boxes_make_a_uk_time():
    form = When({"at_day": "01", "at_month": "12", "at_year": "2026", "at_time": "09:00"})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["at"] == dt.datetime(2026, 12, 1, 9, 0, tzinfo=LONDON)
    assert form.cleaned_data["at"].utcoffset() == dt.timedelta(0)  # GMT in December


def test_a_whole_date_typed_into_the_day_box_is_not_year_012026():
    # What a datetime-local box in an en-GB browser turns into year 012026.
    assert parse_en_gb("01/12/2026 09:00", "", "", "") == dt.datetime(2026, 12, 1, 9, 0, tzinfo=LONDON)
    assert parse_en_gb("1/6/2026", "", "", "14:30") == dt.datetime(2026, 6, 1, 14, 30, tzinfo=LONDON)
    assert parse_en_gb("01/12/2026") == dt.date(2026, 12, 1)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("09:00", dt.time(9)), ("9:05", dt.time(9, 5)), ("0905", dt.time(9, 5)), ("9.05", dt.time(9, 5)),
     ("9", dt.time(9)), ("2:30pm", dt.time(14, 30)), ("12am", dt.time(0)), ("23:59", dt.time(23, 59))],
)  # fmt: skip
def test_times(text, expected):
    assert parse_time_text(text) == expected


@pytest.mark.parametrize("text", ["24:00", "9:60", "13pm", "nine", "9:5", ""])
def test_times_refused(text):
    with pytest.raises(ValidationError):
        parse_time_text(text)


@pytest.mark.parametrize(
    ("parts", "message"),
    [
        (("1", "12", "26", "09:00"), "The year must include 4 numbers, for example 2026."),
        (("1", "12", "012026", "09:00"), "The year must include 4 numbers, for example 2026."),
        (("31", "2", "2026", "09:00"), "Enter a real date, for example 27 3 2026."),
        (("1", "", "2026", "09:00"), "The date must include a month."),
        (("1", "12", "2026", ""), "Enter the time, for example 09:30."),
        (("one", "12", "2026", "09:00"), "Enter the date as numbers, for example 27 3 2026."),
    ],
)
def test_gov_uk_messages(parts, message):
    form = When(dict(zip(("at_day", "at_month", "at_year", "at_time"), parts, strict=True)))
    assert not form.is_valid()
    assert form.errors["at"] == [message]


def test_one_value_under_the_fields_name_is_still_read():
    form = When({"at": "2026-12-01T09:00", "on": "2026-12-02"})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["at"] == dt.datetime(2026, 12, 1, 9, tzinfo=LONDON)
    assert form.cleaned_data["on"] == dt.date(2026, 12, 2)


def test_the_boxes_render_with_labels_and_the_value_split():
    html = str(When(initial={"at": dt.datetime(2026, 12, 1, 9, 5, tzinfo=LONDON)})["at"])
    for label in ("Day", "Month", "Year", "Time"):
        assert f">{label}</label>" in html
    assert 'name="at_year"' in html and 'value="2026"' in html and 'value="09:05"' in html
    assert 'inputmode="numeric"' in html
