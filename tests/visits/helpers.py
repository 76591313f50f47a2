"""Shared set-up for the visits tests: a council, a provider with a contract, an order, staff."""

import datetime as dt
from dataclasses import dataclass

from portal.roles import Role
from portal.uploads.files import read_table
from portal.uploads.resource import submit
from tests.factories import ContractFactory, SchemeFactory, api_token_for, user_for
from tests.packages_of_care.factories import OrderFactory
from visits.validation import VISIT_COLUMNS
from visits.visit_uploads import VISITS
from workforce.models import StaffMember

NOW = dt.datetime(2026, 5, 1, 11, 0, tzinfo=dt.UTC)  # 12:00 BST on Friday 1 May 2026
HEADER = [c.name for c in VISIT_COLUMNS]


@dataclass
class Setup:
    contract: object
    order: object
    provider: object
    commissioner: object
    staff_user: object
    manager: object


def setup(
    *, reference="ISO-1", staff=("C1", "C2", "C3"), start=dt.date(2026, 4, 1), end=None, **contract_kwargs
):
    scheme = SchemeFactory()
    contract = ContractFactory(schemes=[scheme], **contract_kwargs)
    order = OrderFactory(contract=contract, reference=reference, start_date=start, end_date=end)
    for ref in staff:
        StaffMember.objects.create(provider=contract.provider, reference=ref, started_on=dt.date(2024, 1, 1))
    return Setup(
        contract=contract,
        order=order,
        provider=contract.provider,
        commissioner=contract.commissioner,
        staff_user=user_for(contract.provider, Role.PROVIDER_STAFF),
        manager=user_for(contract.provider, Role.PROVIDER_MANAGER),
    )


def row(**values) -> dict:
    """A completed 08:00–08:45 visit on 1 April 2026 by C1 on ISO-1, with changes."""
    base = {
        "order_reference": "ISO-1",
        "scheduled_start": "2026-04-01 08:00",
        "scheduled_end": "2026-04-01 08:45",
        "actual_start": "2026-04-01 08:02",
        "actual_end": "2026-04-01 08:44",
        "carer_reference": "C1",
        "status": "completed",
    }
    base.update(values)
    return {k: v for k, v in base.items() if v is not None}


def row_on(day: str, start: str, end: str, actual_start: str = "", actual_end: str = "", **values) -> dict:
    """row() scheduled from start to end on another day; the actual times are on that day too, or
    left empty: row_on("2026-04-02", "08:00", "08:45", "08:00", "08:40", carer_reference="C2")."""
    return row(
        scheduled_start=f"{day} {start}",
        scheduled_end=f"{day} {end}",
        actual_start=f"{day} {actual_start}" if actual_start else "",
        actual_end=f"{day} {actual_end}" if actual_end else "",
        **values,
    )


def csv_of(rows: list[dict], header=HEADER) -> bytes:
    import csv
    import io

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    for r in rows:
        writer.writerow([r.get(h, "") for h in header])
    return out.getvalue().encode()


def check(user, rows: list[dict], *, dry_run=True):
    """Submit rows as a CSV through the small-file path; returns the outcome."""
    return submit(
        VISITS, read_table(VISITS, csv_of(rows), "visits.csv"), actor=user, source="upload", dry_run=dry_run
    )


def codes(outcome) -> list[tuple[int, str, str]]:
    return [(p.row, p.field, p.code) for p in outcome.problems]


def api_user(provider, scopes=("provider_record",)):
    return api_token_for(provider, scopes=scopes)
