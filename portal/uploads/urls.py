"""The upload job pages, mounted by one app's URLconf (`hooks.register_upload_pages`)."""

from django.urls import path

from . import views

job_patterns = [
    path("uploads/", views.UploadJobListView.as_view(), name="upload-list"),
    path("uploads/<int:pk>/", views.UploadJobDetailView.as_view(), name="upload-detail"),
    path("uploads/<int:pk>/status/", views.UploadJobDetailView.as_view(partial=True), name="upload-status"),
    path("uploads/<int:pk>/import/", views.UploadConfirmView.as_view(), name="upload-confirm"),
    path("uploads/<int:pk>/discard/", views.UploadDiscardView.as_view(), name="upload-discard"),
]
