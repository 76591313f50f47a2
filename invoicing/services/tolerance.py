"""The 4-week tolerance alert `[004 §3.2.7, App. 3 §4]`: when an order's delivered (plus
paid-not-delivered) hours have exceeded its commissioned hours plus approved temporary variations
for 4 weeks in a row, "the Provider must bring this to the attention of the allocated operational
locality worker": the provider is told to raise it, and brokerage is told to review the order.
The weeks are the invoice's, worked out by the same rule (`rules.tolerance_week`, reading the
contract's tolerance and whether each carer counts, each week's run read across periods), so the
alert and the invoice agree week by week: from the 5th week of the run, the invoice carries the
hours above the commissioned hours as disputed. Only contracts with a tolerance (Norfolk's hourly
contracts: `rules.has_tolerance`)."""

import datetime as dt
from fractions import Fraction
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils import timezone

from packages_of_care.models import IndividualServiceOrder
from portal.alerts import new_alert, raise_alerts
from portal.models import Alert
from portal.roles import Capability

from .. import alerts, rules, selectors


def tolerance_alerts_raise(*, today: dt.date | None = None) -> int:
    """One alert to the provider and one to brokerage per run of 4 or more weeks over; none while
    one is still open for the order. Set-based: a fixed number of queries, one insert."""
    today = today or timezone.localdate()
    open_for = {
        key.split(":")[1]
        for key in Alert.objects.open().filter(kind=alerts.OVER_TOLERANCE).values_list("key", flat=True)
    }
    order_type = ContentType.objects.get_for_model(IndividualServiceOrder)
    visit_list = reverse("visits:visit-list")
    raised = []
    for row in selectors.tolerance_weeks(today):
        order = row.order
        run = row.weeks[-1][1].run_week if row.weeks else 0
        if run < rules.TOLERANCE_WEEKS or str(order.id) in open_for:
            continue
        run_from = row.weeks[-1][0] - dt.timedelta(days=7 * (run - 1))
        lines = "; ".join(
            f"week from {start:%d %b}: {rules.hours_text(week.delivered_minutes)} h delivered"
            + (
                f" + {rules.hours_text(week.paid_not_delivered_minutes)} h paid, not delivered"
                if week.paid_not_delivered_minutes
                else ""
            )
            + f", {rules.hours_text(Fraction(week.commissioned7 + week.extra7) / 7)} h commissioned"
            for start, week in row.weeks[-rules.TOLERANCE_WEEKS :]
        )
        title = (
            f"Order {order.reference} ({order.service_user_name}): hours over the commissioned hours "
            f"for {run} weeks in a row"
        )
        tolerance = f"{row.tolerance_percent.normalize():f}"
        common: dict[str, Any] = {
            "key": f"order:{order.id}:from:{run_from.isoformat()}",
            "url": f"{visit_list}?order={order.reference}",
            "content_type": order_type,
            "object_id": str(order.id),
        }
        raised.append(
            new_alert(
                kind=alerts.OVER_TOLERANCE,
                recipient_id=row.commissioner_id,
                title=f"Review {title[0].lower()}{title[1:]}",
                detail=f"{lines}. The provider is raising this with the locality worker so the care plan "
                f"and order can be reviewed [004 §3.2.7]. The +{tolerance}% tolerance holds for up to "
                f"{rules.TOLERANCE_WEEKS} weeks: from the {rules.TOLERANCE_WEEKS + 1}th week in a row, hours "
                "above the commissioned hours need a temporary variation or are disputed [004 App. 3 §4].",
                **common,
            )
        )
        raised.append(
            new_alert(
                kind=alerts.OVER_TOLERANCE,
                recipient_id=row.provider_id,
                capability=Capability.PROVIDER_MANAGE,
                title=f"Raise with the locality worker: {title[0].lower()}{title[1:]}",
                detail=f"{lines}. Bring this to the attention of the locality worker so a change to the care "
                f"plan and order can be discussed [004 §3.2.7]. The +{tolerance}% tolerance holds for up "
                f"to {rules.TOLERANCE_WEEKS} weeks: from the {rules.TOLERANCE_WEEKS + 1}th week in a row, "
                "hours above the commissioned hours without a temporary variation are invoiced as disputed.",
                **common,
            )
        )
    return raise_alerts(raised)
