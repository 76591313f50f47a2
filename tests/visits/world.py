"""Visits in the canary world: per pair a completed visit and a missed one (explained), on the
packages world's order, and the provider's upload (checked) — each carrying the pair's canary.
Names stored: visit, missed_visit, upload."""

import datetime as dt
from zoneinfo import ZoneInfo

from packages_of_care.models import IndividualServiceOrder, OrderStatus, OrderVersion, ServiceUser
from portal.uploads.models import UploadJob, UploadStatus
from tests.matrix.world import PAIR_PARTIES, pii
from visits.models import Visit, VisitStatus

ORDER = 30
LONDON = ZoneInfo("Europe/London")


def _order(world, pair):
    """The packages world's active order, or one of our own if that builder is absent."""
    order = world.objects.get("order", {}).get(pair)
    if order is not None:
        return order
    c_key, p_key = PAIR_PARTIES[pair]
    person = ServiceUser.objects.create(
        commissioner=world.orgs[c_key], reference=f"SU-V-{pair}", name=f"Person {pii(pair)}"
    )
    contract = world.get("contract", pair)
    order = IndividualServiceOrder.objects.create(
        commissioner=world.orgs[c_key], provider=world.orgs[p_key], contract=contract, service_user=person,
        reference=f"ISO-V-{pair}", status=OrderStatus.ACTIVE, start_date=dt.date(2025, 4, 1),
    )  # fmt: skip
    OrderVersion.objects.create(order=order, number=1, effective_from=order.start_date, weekly_hours=7)
    return order


def build(world):
    for pair, (_c_key, p_key) in PAIR_PARTIES.items():
        canary = pii(pair)
        order = _order(world, pair)
        start = dt.datetime(2026, 4, 2, 10, 5, tzinfo=LONDON)
        visit = Visit(
            order=order,
            scheduled_start=start,
            scheduled_end=start + dt.timedelta(minutes=45),
            actual_start=start,
            actual_end=start + dt.timedelta(minutes=44),
            carer_reference=canary,
            status=VisitStatus.COMPLETED,
        ).fill_derived()
        visit.save()
        missed_start = start + dt.timedelta(days=1)
        missed = Visit(
            order=order,
            scheduled_start=missed_start,
            scheduled_end=missed_start + dt.timedelta(minutes=30),
            carer_reference=canary,
            status=VisitStatus.MISSED,
            missed_explanation=f"Carer ill {canary}",
            missed_remedy=f"Revisited {canary}",
            missed_explained_at=missed_start + dt.timedelta(hours=2),
        ).fill_derived()
        missed.save()
        upload = UploadJob.objects.create(
            provider=world.orgs[p_key],
            kind="visits",
            original_name=f"visits-{canary}.csv",
            status=UploadStatus.CHECKED,
            rows_read=1,
            rows_new=1,
            rows_updated=0,
            rows_unchanged=0,
            rows_rejected=0,
            errors=[{"row": 2, "field": "carer_reference", "message": f"Shown only to {canary}"}],
        )
        world.put("visit", pair, visit)
        world.put("missed_visit", pair, missed)
        world.put("upload", pair, upload)
