import datetime as dt

from portal.workdays import add_working_days, is_working_day, working_days_between


def test_bank_holidays_are_not_working_days():
    assert not is_working_day(dt.date(2026, 8, 31))  # Late Summer Bank Holiday
    assert not is_working_day(dt.date(2026, 12, 28))  # Boxing Day (substitute)
    assert not is_working_day(dt.date(2026, 11, 21))  # a Saturday
    assert is_working_day(dt.date(2026, 11, 23))


def test_two_working_days_from_the_friday_before_a_bank_holiday():
    # Friday 28 Aug 2026; Monday 31 Aug is a bank holiday: Tue 1 Sep is day 1, Wed 2 Sep day 2.
    assert add_working_days(dt.date(2026, 8, 28), 2) == dt.date(2026, 9, 2)


def test_ten_working_days_over_christmas():
    # From Thu 24 Dec 2026: 25 (Christmas), 26–27 (weekend), 28 (Boxing Day observed) and 1 Jan
    # are not working days. 29, 30, 31 Dec are days 1–3; 4–8 Jan days 4–8; 11 and 12 Jan days 9–10.
    assert add_working_days(dt.date(2026, 12, 24), 10) == dt.date(2027, 1, 12)


def test_working_days_between_counts_the_end_not_the_start():
    assert working_days_between(dt.date(2026, 11, 23), dt.date(2026, 11, 24)) == 1
    assert working_days_between(dt.date(2026, 11, 20), dt.date(2026, 11, 23)) == 1  # Fri → Mon
    assert working_days_between(dt.date(2026, 8, 28), dt.date(2026, 9, 1)) == 1  # over the bank holiday
    assert working_days_between(dt.date(2026, 11, 24), dt.date(2026, 11, 24)) == 0
    assert working_days_between(dt.date(2026, 11, 24), dt.date(2026, 11, 23)) == 0
