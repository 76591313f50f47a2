"""The packages' pages. Each kind of record has the same routes: its list (`/people/`), a new one
(`/people/new/`), its page (`/people/12/`) and the actions on it (`/people/12/edit/`), named
`service-user-list`, `-create`, `-detail` and `-edit`."""

from django.urls import URLPattern, path
from django.views import View

from . import export_views, views, views_outcomes

app_name = "packages_of_care"


def record_routes(
    prefix: str,
    name: str,
    *,
    listing: type[View] | None = None,
    create: type[View] | None = None,
    detail: type[View],
    **actions: type[View],
) -> list[URLPattern]:
    routes = [path(f"{prefix}/<int:pk>/", detail.as_view(), name=f"{name}-detail")]
    if listing is not None:
        routes.append(path(f"{prefix}/", listing.as_view(), name=f"{name}-list"))
    if create is not None:
        routes.append(path(f"{prefix}/new/", create.as_view(), name=f"{name}-create"))
    for action, view in actions.items():
        routes.append(path(f"{prefix}/<int:pk>/{action}/", view.as_view(), name=f"{name}-{action}"))
    return routes


urlpatterns = [
    path("outcomes/<int:pk>/review/", views_outcomes.OutcomeReviewView.as_view(), name="outcome-review"),
    path("care-plans/simple/new/", views_outcomes.SimplePlanCreateView.as_view(), name="simple-plan-create"),
    *record_routes(
        "people",
        "service-user",
        listing=views.ServiceUserListView,
        create=views.ServiceUserCreateView,
        detail=views.ServiceUserDetailView,
        edit=views.ServiceUserEditView,
    ),
    *record_routes(
        "referrals",
        "referral",
        listing=views.ReferralListView,
        create=views.ReferralCreateView,
        detail=views.ReferralDetailView,
        respond=views.ReferralRespondView,
        decide=views.ReferralDecideView,
        progress=views.ReferralProgressView,
        end=views.ReferralEndView,
    ),
    path("orders/export/", export_views.OrderExportView.as_view(), name="order-export"),
    *record_routes(
        "orders",
        "order",
        listing=views.OrderListView,
        create=views.OrderCreateView,
        detail=views.OrderDetailView,
        edit=views.OrderEditView,
        issue=views.OrderIssueView,
        withdraw=views.OrderWithdrawView,
        accept=views.OrderAcceptView,
        decline=views.OrderDeclineView,
        suspend=views.OrderSuspendView,
        resume=views.OrderResumeView,
        end=views.OrderEndView,
        vary=views.OrderVaryView,
    ),
    # Made from an order's page.
    path(
        "orders/<int:pk>/temporary-variations/new/",
        views.TemporaryVariationCreateView.as_view(),
        name="temporary-variation-create",
    ),
    path("orders/<int:pk>/care-plans/new/", views.CarePlanCreateView.as_view(), name="care-plan-create"),
    *record_routes(
        "temporary-variations",
        "temporary-variation",
        listing=views.TemporaryVariationListView,
        detail=views.TemporaryVariationDetailView,
        approve=views.TemporaryVariationApproveView,
        refuse=views.TemporaryVariationRefuseView,
        withdraw=views.TemporaryVariationWithdrawView,
    ),
    *record_routes(
        "absences",
        "absence",
        listing=views.AbsenceListView,
        create=views.AbsenceCreateView,
        detail=views.AbsenceDetailView,
        end=views.AbsenceEndView,
        retainer=views.AbsenceRetainerView,
    ),
    *record_routes(
        "care-plans",
        "care-plan",
        listing=views.CarePlanListView,
        detail=views.CarePlanDetailView,
        review=views.CarePlanReviewView,
    ),
]
