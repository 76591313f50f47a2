"""`invoice_run`: one contract's period by its reference, or every run due; what it prints and
its exit status (a CommandError is exit status 1 under manage.py)."""

import datetime as dt
import io
from decimal import Decimal as D

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from invoicing.models import Invoice
from tests.invoicing.conftest import P_START, daily_visits
from tests.packages_of_care.factories import OrderFactory

pytestmark = pytest.mark.django_db


def run(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command("invoice_run", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_one_contract_and_period_then_the_same_again(hourly_contract):
    order = OrderFactory(contract=hourly_contract, weekly_hours=D("10"), start_date=P_START)
    daily_visits(order, P_START, 28, 90)
    out, _ = run("--contract", "NCC-HWC-L1", "--period", "2026-04-27")
    # 10.5 h a week at £22.00 = £231.00, × 4 = £924.00; unplanned 98 × 4 × £24.28 = £9,517.76.
    # Net £10,441.76; VAT-exempt, so gross the same. Lines: 4 weekly lines and 1 unplanned.
    assert out.strip() == (
        "NCC-HWC-L1 2026-04-27–2026-05-24: created invoice NCC-HWC-L1-20260427 "
        "(draft, 5 lines, net £10,441.76, gross £10,441.76)"
    )
    again, _ = run("--contract", "NCC-HWC-L1", "--period", "2026-04-27")
    assert "unchanged invoice NCC-HWC-L1-20260427" in again
    assert Invoice.objects.count() == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--contract", "NCC-HWC-L1", "--period", "2026-04-28"), "1 of 1 invoice run(s) failed."),
        (("--contract", "NO-SUCH", "--period", "2026-04-27"), "No contract 'NO-SUCH'."),
        (("--contract", "NCC-HWC-L1", "--period", "27/04/2026"), "'27/04/2026' is not a date"),
        (("--contract", "NCC-HWC-L1"), "--contract needs --period"),
        ((), "Give either --contract REF --period YYYY-MM-DD, or --all-due."),
    ],
)
def test_failures_exit_non_zero_and_say_why(hourly_contract, args, message):
    with pytest.raises(CommandError, match=message.replace("(", r"\(").replace(")", r"\)")):
        run(*args)
    assert Invoice.objects.count() == 0


def test_a_day_inside_a_period_is_refused_naming_the_periods_first_day(hourly_contract):
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("invoice_run", "--contract", "NCC-HWC-L1", "--period", "2026-04-28", stderr=err)
    assert "the period containing it starts on 27 April 2026" in err.getvalue()


def test_all_due_runs_what_the_nightly_run_would(hourly_contract):
    # On 26 May 2026 the period that ended most recently is 27 April – 24 May: one run due.
    out, _ = run("--all-due", "--today", "2026-05-26")
    assert out.splitlines()[0] == "1 invoice run(s) due on 26 May 2026."
    assert "created invoice NCC-HWC-L1-20260427" in out
    assert Invoice.objects.get().period_start == dt.date(2026, 4, 27)
    out, _ = run("--all-due", "--today", "2026-05-26")
    assert out.strip() == "0 invoice run(s) due on 26 May 2026."
