from django.urls import path

from . import views, views_complaints
from .kinds import BY_SLUG

app_name = "records"

urlpatterns = [path("", views.RecordIndexView.as_view(), name="index")]
_vc = views_complaints
urlpatterns += [
    path("complaint-requests/", _vc.ComplaintRequestListView.as_view(), name="complaint-requests-list"),
    path(
        "complaint-requests/new/", _vc.ComplaintRequestCreateView.as_view(), name="complaint-requests-create"
    ),
    path(
        "complaint-requests/<int:pk>/",
        _vc.ComplaintRequestDetailView.as_view(),
        name="complaint-requests-detail",
    ),
    path(
        "complaint-requests/<int:pk>/answer/",
        _vc.ComplaintRequestAnswerView.as_view(),
        name="complaint-requests-answer",
    ),
    path("complaint-reports/", _vc.ComplaintsReportListView.as_view(), name="complaint-reports-list"),
    path("complaint-reports/new/", _vc.ComplaintsReportCreateView.as_view(), name="complaint-reports-create"),
    path(
        "complaint-reports/<int:pk>/",
        _vc.ComplaintsReportDetailView.as_view(),
        name="complaint-reports-detail",
    ),
    path("pamms/", _vc.PammsListView.as_view(), name="pamms-list"),
    path("pamms/new/", _vc.PammsCreateView.as_view(), name="pamms-create"),
    path("pamms/<int:pk>/", _vc.PammsDetailView.as_view(), name="pamms-detail"),
]
for _slug in BY_SLUG:
    _views = views.views_for(_slug)
    urlpatterns += [
        path(f"{_slug}/", _views["list"], name=f"{_slug}-list"),
        path(f"{_slug}/new/", _views["create"], name=f"{_slug}-create"),
        path(f"{_slug}/<int:pk>/", _views["detail"], name=f"{_slug}-detail"),
        path(f"{_slug}/<int:pk>/edit/", _views["edit"], name=f"{_slug}-edit"),
        path(f"{_slug}/upload/", _views["upload"], name=f"{_slug}-upload"),
        path(f"{_slug}/upload/template.<str:fmt>", _views["template"], name=f"{_slug}-template"),
    ]
