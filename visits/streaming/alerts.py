# ruff: noqa: S608, S611 - the SQL here is built from our own table names and constants; values are parameters.
"""Alert: what follows from the visits written, as for any other write (`visits.services`):
missed visits raise their alerts (or withdraw them once corrected), explanations are passed on,
late-visit alerts that no longer hold are resolved, and runs of cancellations are told."""

from __future__ import annotations

from django.db.models import QuerySet
from django.db.models.expressions import RawSQL

from packages_of_care.models import IndividualServiceOrder
from portal.uploads.checks import sql_list

from .. import services
from ..models import Visit
from ..rules import NOTIFIED_STATUSES
from .context import Import
from .resolve import WRITING


def written(imp: Import, where: str) -> QuerySet[Visit]:
    """The visits this import wrote that meet `where` (over the rows table t)."""
    t = imp.tables
    ids = RawSQL(
        f"SELECT v.id FROM {t.written} v JOIN {t.rows} t ON v.order_id = t.order_id "
        "AND v.scheduled_start = t.scheduled_start AND v.carer_reference = t.carer_reference "
        f"WHERE {WRITING} AND {where}",
        [],
    )
    return Visit.objects.filter(pk__in=ids)


def alerts(imp: Import) -> None:
    services.missed_alerts_raise(
        written(imp, "t.status = 'missed' AND (t.old_status IS NULL OR t.old_status <> 'missed')")
    )
    services.missed_alerts_withdraw(written(imp, "t.old_status = 'missed' AND t.status <> 'missed'"))
    services.explanations_passed_on(
        written(imp, "t.status = 'missed' AND t.w_missed_explained_at IS NOT NULL")
    )
    services.late_alerts_resolve_cleared()
    counted = sql_list(sorted(NOTIFIED_STATUSES))
    runs = imp.fetch(
        f"SELECT t.order_id, MIN(t.visit_date) FROM {imp.tables.rows} t WHERE {WRITING} "
        f"AND (t.status IN {counted} OR t.old_status IN {counted}) GROUP BY t.order_id"
    )
    if runs:
        services.run_notifications_raise(
            orders=IndividualServiceOrder.objects.filter(pk__in=sorted(order_id for order_id, _day in runs)),
            start=min(day for _order, day in runs),
        )
