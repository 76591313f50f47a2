from django.urls import path

from . import views

app_name = "workforce"

urlpatterns = [
    path("", views.StaffListView.as_view(), name="staff-list"),
    path("staff/new/", views.StaffCreateView.as_view(), name="staff-create"),
    path("staff/upload/", views.UploadView.as_view(kind="staff"), name="staff-upload"),
    path("staff/<int:pk>/", views.StaffDetailView.as_view(), name="staff-detail"),
    path("staff/<int:pk>/edit/", views.StaffUpdateView.as_view(), name="staff-update"),
    path("staff/<int:pk>/training/new/", views.TrainingCreateView.as_view(), name="training-create"),
    path("training/", views.TrainingMatrixView.as_view(), name="training-matrix"),
    path("training/upload/", views.UploadView.as_view(kind="training"), name="training-upload"),
    path("templates/<str:kind>.<str:format>", views.UploadTemplateView.as_view(), name="upload-template"),
]
