from django.urls import path

from portal.uploads.urls import job_patterns
from portal.uploads.views import UploadView

from . import views
from .day_grid import VisitDayView, VisitTemplateView
from .visit_uploads import VISITS

app_name = "visits"

urlpatterns = [
    path("", views.VisitListView.as_view(), name="visit-list"),
    path("missed/", views.MissedVisitListView.as_view(), name="missed-list"),
    path("new/", views.VisitChooseOrderView.as_view(), name="visit-choose-order"),
    path("day/", VisitDayView.as_view(), name="visit-day"),
    path("orders/<int:pk>/new/", views.VisitCreateView.as_view(), name="visit-create"),
    path("<int:pk>/", views.VisitDetailView.as_view(), name="visit-detail"),
    path("<int:pk>/edit/", views.VisitEditView.as_view(), name="visit-edit"),
    path("<int:pk>/explain/", views.VisitExplainView.as_view(), name="visit-explain"),
    path("upload/", UploadView.as_view(kind=VISITS.kind), name="upload"),
    path("upload/template.<str:fmt>", VisitTemplateView.as_view(), name="upload-template"),
    path("export.csv", views.VisitExportView.as_view(), name="visit-export"),
    # Every kind's upload jobs are listed and shown here, where providers first found them.
    *job_patterns,
]
