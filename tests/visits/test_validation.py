"""Worked examples for every visit rule: each row below breaks one rule (or none), and the
check names its row, field and reason. The same examples go through the streaming path in
test_streaming.py, which must give the same answers."""

import datetime as dt

import pytest
import time_machine

from packages_of_care.models import OrderStatus
from portal.uploads.columns import ParseError, parse_datetime
from tests.factories import CommissionerFactory, ContractFactory
from tests.packages_of_care.factories import OrderFactory
from tests.visits.factories import VisitFactory, at
from tests.visits.helpers import NOW, check, codes, row, row_on, setup
from workforce.models import StaffMember

pytestmark = [pytest.mark.django_db]


@pytest.fixture
def world():
    """Provider P: ISO-1 (active from 1 Apr 2026), ISO-ISSUED (awaiting acceptance), ISO-END (ends
    10 Apr), ISO-AMB (two councils' orders with one reference); staff C1–C3, LEFT (left 31 Mar),
    NEW (starts 1 Jun). Another provider holds ISO-OTHER."""
    s = setup()
    contract = s.contract
    OrderFactory(contract=contract, reference="ISO-ISSUED", status=OrderStatus.ISSUED)
    OrderFactory(contract=contract, reference="ISO-END", end_date=dt.date(2026, 4, 10))
    OrderFactory(contract=contract, reference="ISO-AMB")
    other_council = ContractFactory(provider=s.provider, commissioner=CommissionerFactory())
    OrderFactory(contract=other_council, reference="ISO-AMB")
    StaffMember.objects.create(
        provider=s.provider, reference="LEFT", started_on=dt.date(2024, 1, 1), left_on=dt.date(2026, 3, 31)
    )
    StaffMember.objects.create(provider=s.provider, reference="NEW", started_on=dt.date(2026, 6, 1))
    OrderFactory(reference="ISO-OTHER")  # another provider's
    return s


# (name, rows, the problems expected as (row, field, code)); row 2 is the file's first data row.
CASES = [
    ("valid completed visit", [row()], []),
    (
        "valid with UTC offset",
        [row(scheduled_start="2026-04-01T07:00:00Z", scheduled_end="2026-04-01T07:45Z")],
        [],
    ),
    ("valid UK format", [row(scheduled_start="01/04/2026 08:00", scheduled_end="1/4/2026 8:45")], []),
    ("unknown order", [row(order_reference="ISO-404")], [(2, "order_reference", "unknown_order")]),
    (
        "another provider's order",
        [row(order_reference="ISO-OTHER")],
        [(2, "order_reference", "unknown_order")],
    ),
    (
        "reference shared by two councils' orders",
        [row(order_reference="ISO-AMB")],
        [(2, "order_reference", "ambiguous_order")],
    ),
    (
        "order not accepted yet",
        [row(order_reference="ISO-ISSUED")],
        [(2, "order_reference", "order_not_recordable")],
    ),
    ("unknown carer", [row(carer_reference="C9")], [(2, "carer_reference", "unknown_carer")]),
    ("carer who had left", [row(carer_reference="LEFT")], [(2, "carer_reference", "carer_not_employed")]),
    ("carer not yet started", [row(carer_reference="NEW")], [(2, "carer_reference", "carer_not_employed")]),
    (
        "scheduled end before start",
        [row(scheduled_end="2026-04-01 07:45")],
        [(2, "scheduled_end", "end_before_start")],
    ),
    (
        "visit over 24 hours",
        [row(scheduled_end="2026-04-02 08:01", actual_end="2026-04-01 08:44")],
        [(2, "scheduled_end", "visit_too_long")],
    ),
    (
        "actual end before start",
        [row(actual_end="2026-04-01 07:59")],
        [(2, "actual_end", "actual_end_before_start")],
    ),
    (
        "actual end without start",
        [row(actual_start="", status="aborted")],
        [(2, "actual_start", "actual_end_without_start")],
    ),
    (
        "actual start far from the schedule",
        [row(actual_start="2026-04-01 21:00", actual_end="2026-04-01 21:40")],
        [(2, "actual_start", "actual_far_from_scheduled")],
    ),
    (
        "before the order starts",
        [row_on("2026-03-31", "08:00", "08:45", "08:00", "08:40")],
        [(2, "scheduled_start", "outside_order")],
    ),
    (
        "after the order ends",
        [row_on("2026-04-11", "08:00", "08:45", "08:00", "08:40", order_reference="ISO-END")],
        [(2, "scheduled_start", "outside_order")],
    ),
    (
        "one carer in two places in the file",
        [
            row(),
            row_on("2026-04-01", "08:30", "09:00", "08:30", "08:59"),
        ],
        [(2, "carer_reference", "overlap"), (3, "carer_reference", "overlap")],
    ),
    (
        "back to back is fine",
        [
            row(),
            row_on("2026-04-01", "08:45", "09:30", "08:44", "09:20"),
        ],
        [],
    ),
    (
        "second carer in two places",
        [
            row(carer_reference="C2"),
            row_on("2026-04-01", "08:10", "09:00", "08:10", "08:50", second_carer_reference="C2", carers="2"),
        ],
        [(2, "carer_reference", "overlap"), (3, "second_carer_reference", "overlap")],
    ),
    (
        "actuals in the future",
        [row_on("2026-05-01", "11:30", "12:30", "11:30", "12:30")],
        [(2, "actual_end", "future")],
    ),
    (
        "completed without actuals",
        [row(actual_start="", actual_end="")],
        [(2, "actual_start", "needs_actuals")],
    ),
    (
        "cut short but not shorter",
        [row(status="shortened_by_service_user", actual_end="2026-04-01 08:50")],
        [(2, "actual_end", "shortened_not_shorter")],
    ),
    (
        "cancelled without a time",
        [row(actual_start="", actual_end="", status="cancelled_short_notice")],
        [(2, "cancelled_at", "needs_cancelled_at")],
    ),
    (
        "short notice that was not short",
        [
            row(
                actual_start="",
                actual_end="",
                status="cancelled_short_notice",
                cancelled_at="2026-03-31 07:00",
            )
        ],
        [(2, "status", "not_short_notice")],
    ),
    (
        "notice that was short",
        [
            row(
                actual_start="",
                actual_end="",
                status="cancelled_with_notice",
                cancelled_at="2026-04-01 06:00",
            )
        ],
        [(2, "status", "short_notice")],
    ),
    (
        "cancelled after the start",
        [
            row(
                actual_start="",
                actual_end="",
                status="cancelled_short_notice",
                cancelled_at="2026-04-01 08:05",
            )
        ],
        [(2, "cancelled_at", "cancelled_after_start")],
    ),
    (
        "a cancellation time on a completed visit",
        [row(cancelled_at="2026-04-01 06:00")],
        [(2, "cancelled_at", "cancelled_at_not_cancelled")],
    ),
    ("missed but delivered", [row(status="missed")], [(2, "actual_start", "no_actuals_allowed")]),
    (
        "missed before it was due",
        [row_on("2026-05-02", "08:00", "08:45", status="missed")],
        [(2, "status", "missed_in_future")],
    ),
    (
        "entered by hand without a reason",
        [row(verification="manual")],
        [(2, "manual_reason", "needs_manual_reason")],
    ),
    (
        "a reason without manual entry",
        [row(manual_reason="no_signal")],
        [(2, "manual_reason", "manual_reason_not_manual")],
    ),
    ("valid manual entry", [row(verification="manual", manual_reason="device_fault")], []),
    (
        "an explanation on a delivered visit",
        [row(missed_explanation="Carer ill")],
        [(2, "missed_explanation", "explanation_not_missed")],
    ),
    ("still scheduled but ended", [row(status="scheduled")], [(2, "actual_end", "in_progress_has_end")]),
    ("in progress is fine", [row(status="scheduled", actual_end="")], []),
    (
        "the same visit twice",
        [row(), row(actual_end="2026-04-01 08:40")],
        [(3, "scheduled_start", "duplicate_row")],
    ),
    (
        "second carer is the first",
        [row(second_carer_reference="C1", carers="2")],
        [(2, "second_carer_reference", "same_carer_twice")],
    ),
    (
        "two carers named, one counted",
        [row(second_carer_reference="C2")],
        [(2, "carers", "second_carer_count")],
    ),
    ("not a date", [row(scheduled_start="next Tuesday")], [(2, "scheduled_start", "bad_datetime")]),
    ("31 February", [row(scheduled_end="31/02/2026 09:00")], [(2, "scheduled_end", "bad_datetime")]),
    (
        "the hour the clocks go back",
        [row_on("2026-10-25", "01:30", "02:30", status="scheduled")],
        [(2, "scheduled_start", "ambiguous_time")],
    ),
    (
        "the clocks going back, with an offset",
        [
            row(
                scheduled_start="2026-10-25 01:30+00:00",
                scheduled_end="2026-10-25 02:30",
                actual_start="",
                actual_end="",
                status="scheduled",
            )
        ],
        [],
    ),
    (
        "the hour the clocks skip",
        [row_on("2026-03-29", "01:30", "03:00", status="scheduled", order_reference="ISO-OLD")],
        [(2, "scheduled_start", "nonexistent_time"), (2, "order_reference", "unknown_order")],
    ),
    ("an unknown status", [row(status="done")], [(2, "status", "bad_choice")]),
    ("not yes or no", [row(time_critical="maybe")], [(2, "time_critical", "bad_bool")]),
    ("five carers", [row(carers="5")], [(2, "carers", "bad_int")]),
    ("a long carer reference", [row(carer_reference="C" * 41)], [(2, "carer_reference", "too_long")]),
    ("no order reference", [row(order_reference="")], [(2, "order_reference", "required")]),
    ("no status", [row(status="")], [(2, "status", "required")]),
    # Both paths report a needed time left empty (the streaming path once did not).
    ("no scheduled start", [row(scheduled_start="")], [(2, "scheduled_start", "required")]),
]


def _sorted(items):
    return sorted(items)


@pytest.mark.parametrize(("name", "rows", "expected"), CASES, ids=[c[0] for c in CASES])
@time_machine.travel(NOW, tick=False)
def test_rule(world, name, rows, expected):
    outcome = check(world.staff_user, rows)
    assert _sorted(codes(outcome)) == _sorted(expected), [p.message for p in outcome.problems]
    assert outcome.rejected == len({r for r, _f, _c in expected})


@time_machine.travel(NOW, tick=False)
def test_messages_name_the_problem_in_plain_words(world):
    outcome = check(
        world.staff_user,
        [
            row(order_reference="ISO-OTHER"),
            row_on("2026-04-02", "08:00", "08:45", "08:00", "08:30", carer_reference="LEFT"),
            row_on(
                "2026-04-03",
                "08:00",
                "08:45",
                status="cancelled_short_notice",
                cancelled_at="2026-03-31 07:00",
            ),
            row_on("2026-04-04", "08:00", "08:45", "08:00", "08:40"),
            row_on("2026-04-04", "08:30", "09:00", "08:30", "08:55"),
        ],
    )
    messages = {(p.row, p.field): p.message for p in outcome.problems}
    assert (
        messages[(2, "order_reference")]
        == "No order with reference ISO-OTHER that you can record visits against."
    )
    assert (
        messages[(3, "carer_reference")]
        == "Carer LEFT was not on your staff on 02 Apr 2026 (from 01 Jan 2024 to 31 Mar 2026)."
    )
    assert messages[(4, "status")] == (
        "The person gave 73 h 00 min notice, 24 hours or more: record it as cancelled_with_notice."
    )
    assert messages[(5, "carer_reference")] == "Carer C1 is also on row 6, 04 Apr 2026 08:30 to 08:55."
    assert messages[(6, "carer_reference")] == "Carer C1 is also on row 5, 04 Apr 2026 08:00 to 08:40."


@time_machine.travel(NOW, tick=False)
def test_overlap_with_a_stored_visit(world):
    VisitFactory(
        order=world.order, scheduled_start=at(dt.date(2026, 4, 1), 8, 20), minutes=30, carer_reference="C1"
    )
    outcome = check(world.staff_user, [row()])
    assert [(p.row, p.field, p.code) for p in outcome.problems] == [(2, "carer_reference", "overlap")]
    assert "the visit already recorded for order ISO-1" in outcome.problems[0].message


@time_machine.travel(NOW, tick=False)
def test_resubmitting_a_stored_visit_does_not_overlap_itself(world):
    VisitFactory(
        order=world.order,
        scheduled_start=at(dt.date(2026, 4, 1), 8),
        minutes=45,
        carer_reference="C1",
    )
    outcome = check(world.staff_user, [row()])
    assert outcome.ok and outcome.updated == 1


@time_machine.travel(NOW, tick=False)
def test_a_provider_without_a_staff_register_may_name_any_carer():
    s = setup(staff=())
    assert check(s.staff_user, [row(carer_reference="AGENCY-7")]).ok


@time_machine.travel(NOW, tick=False)
def test_cancellation_notice_is_elapsed_time_across_the_clock_change():
    """The visit is at 08:30 GMT on Sunday 25 October (08:30 UTC), the night the clocks go back.
    Cancelled at 09:00 BST on Saturday (08:00 UTC): 24 h 30 min elapsed, so with notice, though the
    wall clocks read 23 h 30 min apart. Cancelled at 09:31 BST (08:31 UTC): 23 h 59 min, short."""
    s = setup(reference="ISO-1", start=dt.date(2026, 10, 1))
    base = dict(
        scheduled_start="2026-10-25 08:30",
        scheduled_end="2026-10-25 09:00",
        actual_start="",
        actual_end="",
    )
    with time_machine.travel(dt.datetime(2026, 11, 1, tzinfo=dt.UTC), tick=False):
        ok = check(
            s.staff_user, [row(**base, status="cancelled_with_notice", cancelled_at="2026-10-24 09:00")]
        )
        assert ok.ok
        short = check(
            s.staff_user, [row(**base, status="cancelled_with_notice", cancelled_at="2026-10-24 09:31")]
        )
        assert codes(short) == [(2, "status", "short_notice")]
        assert "23 h 59 min" in short.problems[0].message


@pytest.mark.parametrize(
    ("text", "utc"),
    [
        ("2026-04-01 08:00", dt.datetime(2026, 4, 1, 7, 0, tzinfo=dt.UTC)),
        ("2026-01-15 08:00", dt.datetime(2026, 1, 15, 8, 0, tzinfo=dt.UTC)),
        ("01/04/2026 08:00", dt.datetime(2026, 4, 1, 7, 0, tzinfo=dt.UTC)),
        ("2026-04-01T08:00:30.25+01:00", dt.datetime(2026, 4, 1, 7, 0, 30, 250000, tzinfo=dt.UTC)),
        ("2026-10-25 01:30+01:00", dt.datetime(2026, 10, 25, 0, 30, tzinfo=dt.UTC)),
        ("2026-10-25 01:30 +0000", dt.datetime(2026, 10, 25, 1, 30, tzinfo=dt.UTC)),
        ("2026-10-25 00:59", dt.datetime(2026, 10, 24, 23, 59, tzinfo=dt.UTC)),
        ("2026-10-25 02:00", dt.datetime(2026, 10, 25, 2, 0, tzinfo=dt.UTC)),
        ("", None),
    ],
)
def test_parse_datetime_reads_uk_time(text, utc):
    assert parse_datetime(text) == utc


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("2026-10-25 01:00", "ambiguous_time"),
        ("2026-10-25 01:59", "ambiguous_time"),
        ("2026-03-29 01:00", "nonexistent_time"),
        ("2026-03-29 01:59", "nonexistent_time"),
        ("2026-02-29 08:00", "bad_datetime"),
        ("1999-12-31 23:00", "bad_datetime"),
        ("2026-04-01 24:00", "bad_datetime"),
        ("2026-04-01", "bad_datetime"),
        ("2026-04-01 08:00+15:00", "bad_datetime"),
    ],
)
def test_parse_datetime_refuses_what_it_cannot_place(text, code):
    with pytest.raises(ParseError) as caught:
        parse_datetime(text)
    assert caught.value.code == code
