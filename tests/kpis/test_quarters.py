import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kpis.quarters import Quarter, quarters_between


def test_q2_is_july_to_september():
    q = Quarter.parse("2026-Q2")
    assert (q.start, q.end) == (dt.date(2026, 7, 1), dt.date(2026, 9, 30))
    assert q.label == "2026-Q2" and str(q) == "2026-Q2"
    assert q.long_label == "Q2 2026/27 (July to September 2026)"


def test_q1_is_april_to_june_and_q4_is_january_to_march_of_the_next_year():
    assert (Quarter(2026, 1).start, Quarter(2026, 1).end) == (dt.date(2026, 4, 1), dt.date(2026, 6, 30))
    assert (Quarter(2026, 4).start, Quarter(2026, 4).end) == (dt.date(2027, 1, 1), dt.date(2027, 3, 31))
    assert Quarter(2027, 4).end == dt.date(2028, 3, 31)


@pytest.mark.parametrize("label", ["2026Q2", "2026-q2", " 2026 - Q2 "])
def test_parse_is_forgiving_about_spelling(label):
    assert Quarter.parse(label) == Quarter(2026, 2)


@pytest.mark.parametrize("label", ["2026-Q5", "Q2-2026", "2026", "", "2026-Q0"])
def test_parse_refuses_what_is_not_a_quarter(label):
    with pytest.raises(ValueError, match="Q1 is April to June"):
        Quarter.parse(label)


def test_containing_and_neighbours():
    assert Quarter.containing(dt.date(2027, 2, 14)) == Quarter(2026, 4)
    assert Quarter.containing(dt.date(2026, 4, 1)) == Quarter(2026, 1)
    assert Quarter(2026, 4).next() == Quarter(2027, 1)
    assert Quarter(2026, 1).previous() == Quarter(2025, 4)
    assert Quarter.last_completed(dt.date(2026, 11, 23)) == Quarter(2026, 2)
    assert Quarter(2026, 2).last(3) == [Quarter(2025, 4), Quarter(2026, 1), Quarter(2026, 2)]
    assert quarters_between(Quarter(2025, 4), Quarter(2026, 2))[0] == Quarter(2025, 4)
    assert Quarter(2026, 2).financial_year_start == dt.date(2026, 4, 1)
    assert sorted([Quarter(2026, 1), Quarter(2025, 4)])[0] == Quarter(2025, 4)


@given(st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2100, 12, 31)))
def test_every_day_is_in_exactly_the_quarter_that_contains_it(day):
    q = Quarter.containing(day)
    assert q.start <= day <= q.end
    assert q.previous().end + dt.timedelta(days=1) == q.start
    assert Quarter.parse(q.label) == q
    assert Quarter.from_ordinal(q.ordinal) == q
