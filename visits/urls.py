from django.urls import path

from . import views

app_name = "visits"

urlpatterns = [
    path("", views.VisitListView.as_view(), name="visit-list"),
    path("missed/", views.MissedVisitListView.as_view(), name="missed-list"),
    path("new/", views.VisitChooseOrderView.as_view(), name="visit-choose-order"),
    path("orders/<int:pk>/new/", views.VisitCreateView.as_view(), name="visit-create"),
    path("<int:pk>/", views.VisitDetailView.as_view(), name="visit-detail"),
    path("<int:pk>/edit/", views.VisitEditView.as_view(), name="visit-edit"),
    path("<int:pk>/explain/", views.VisitExplainView.as_view(), name="visit-explain"),
    path("upload/", views.UploadView.as_view(), name="upload"),
    path("upload/template.<str:fmt>", views.UploadTemplateView.as_view(), name="upload-template"),
    path("uploads/", views.UploadJobListView.as_view(), name="upload-list"),
    path("uploads/<int:pk>/", views.UploadJobDetailView.as_view(), name="upload-detail"),
    path("uploads/<int:pk>/status/", views.UploadJobDetailView.as_view(partial=True), name="upload-status"),
    path("uploads/<int:pk>/import/", views.UploadConfirmView.as_view(), name="upload-confirm"),
    path("uploads/<int:pk>/discard/", views.UploadDiscardView.as_view(), name="upload-discard"),
]
