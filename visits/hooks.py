import datetime as dt

from django.urls import reverse
from django.utils import timezone

from portal.hooks import (
    DashboardItem,
    DashboardPanel,
    dashboard_panel,
    demo_module,
    register_nav,
    register_personal_data,
    register_upload,
    register_upload_pages,
)
from portal.roles import Capability, Role
from portal.uploads.models import UploadJob

from .models import Visit
from .visit_uploads import VISITS

register_nav("Visits", "visits:visit-list", sides=("commissioner", "provider"), order=45)
register_upload(VISITS)
register_upload_pages("visits")  # every kind's upload jobs: /visits/uploads/
# A visit's page, and the visit list filtered to a person or an order, go in the access log.
register_personal_data(
    Visit,
    label="visit",
    person="order__service_user",
    person_filters=("service_user", "order", "order_reference"),
)


demo_module(30, "visits.demo")


@dashboard_panel(order=40)
def visits_panel(user):
    """What needs doing about visits: late and missed ones, for the side that acts on them."""
    from portal.tenancy import scoped

    from .models import Visit, VisitStatus

    if user.role in (Role.SITE_ADMIN, Role.API_CLIENT):
        return None
    now = timezone.now()
    visits = scoped(Visit, user)
    items = []
    unexplained = visits.filter(status=VisitStatus.MISSED, missed_explained_at__isnull=True)
    if user.is_provider_side:
        late = visits.filter(
            status=VisitStatus.SCHEDULED,
            actual_start__isnull=True,
            scheduled_start__lte=now - dt.timedelta(minutes=15),
            scheduled_start__gte=now - dt.timedelta(hours=24),
        ).count()
        items.append(
            DashboardItem(
                "Visits due with no start recorded", reverse("visits:visit-list") + "?attention=late", late
            )
        )
        items.append(
            DashboardItem(
                "Missed visits to explain",
                reverse("visits:visit-list") + "?attention=unexplained",
                unexplained.count(),
                detail="Within 24 hours of the visit [004 §3.6.15].",
            )
        )
        if user.can(Capability.PROVIDER_RECORD):
            running = UploadJob.objects.visible_to(user).filter(status__in=("checking", "importing")).count()
            if running:
                items.append(DashboardItem("Uploads in progress", reverse("visits:upload-list"), running))
            items.append(DashboardItem("Upload visits", reverse("visits:upload")))
            items.append(DashboardItem("Record a visit", reverse("visits:visit-choose-order")))
        urgent = late > 0
    else:
        week = visits.filter(
            status=VisitStatus.MISSED, visit_date__gte=timezone.localdate() - dt.timedelta(days=6)
        )
        items.append(
            DashboardItem("Missed visits in the last 7 days", reverse("visits:missed-list"), week.count())
        )
        items.append(
            DashboardItem(
                "Missed visits not yet explained by the provider",
                reverse("visits:missed-list"),
                unexplained.count(),
            )
        )
        urgent = False
    return DashboardPanel(title="Visits", items=items, urgent=urgent)
