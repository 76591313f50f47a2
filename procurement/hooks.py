from django.urls import reverse
from django.utils import timezone

from portal.hooks import DashboardItem, DashboardPanel, dashboard_panel, demo_step, register_nav
from portal.roles import Role

register_nav("Call-offs", "procurement:index", order=35)


@demo_step(order=25)
def load_procurement_demo(out):
    from . import demo

    demo.load(out)


@dashboard_panel(order=55)
def procurement_panel(user):
    """Applications to decide and call-offs to award (council); call-offs to bid for (provider)."""
    from .models import CallOffStatus
    from .selectors import calloffs_for, calloffs_to_bid, memberships_for, pending_applications

    now = timezone.now()
    if user.role == Role.COMMISSIONER:
        pending = pending_applications(user).count()
        to_award = calloffs_for(user).filter(status=CallOffStatus.PUBLISHED, closes_at__lte=now)
        items = []
        if pending:
            items.append(
                DashboardItem(
                    "Applications to join a lot",
                    reverse("procurement:membership-list") + "?status=applied",
                    pending,
                )
            )
        for calloff in to_award[:5]:
            items.append(
                DashboardItem(
                    f"Score and award {calloff.reference}: bids are open", calloff.get_absolute_url()
                )
            )
        return DashboardPanel(
            title="Frameworks and call-offs",
            items=items,
            empty_text="No applications or call-offs to act on.",
        )
    if user.role == Role.PROVIDER_MANAGER:
        open_calloffs = calloffs_to_bid(user, now)
        items = [
            DashboardItem(
                f"{c.reference}: {c.title}",
                c.get_absolute_url(),
                detail=f"Bids close {timezone.localtime(c.closes_at):%d %b %Y %H:%M}"
                + (" — your bid is in" if c.my_bid and c.my_bid.status == "submitted" else ""),
            )
            for c in open_calloffs[:5]
        ]
        applied = memberships_for(user).filter(status="applied").count()
        if applied:
            items.append(
                DashboardItem(
                    "Applications the council is considering", reverse("procurement:index"), applied
                )
            )
        return DashboardPanel(title="Call-offs", items=items, empty_text="No open call-offs on your lots.")
    return None
