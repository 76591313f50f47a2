"""The upload pages, the same for every kind: upload a file (checked first), its template, the
list of one's uploads, an upload's check with its problems (polled while a worker reads a large
file), and the buttons to import or discard it.

An app mounts `UploadView` and `UploadTemplateView` for each of its kinds (`kind=...`), and one
app mounts the job pages (`portal.uploads.urls.job_patterns`), registered with
`hooks.register_upload_pages`.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.generic import DetailView, FormView, TemplateView

from portal.forms import PortalFormMixin
from portal.hooks import upload_page, upload_spec, upload_specs
from portal.roles import Capability
from portal.views import AuthenticatedHttpRequest, ScopedActionView, ScopedListView, ScopedViewMixin

from . import files, jobs
from .limits import validate_xlsx
from .models import UploadJob

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


class UploadForm(PortalFormMixin, forms.Form):
    file = forms.FileField(label="Spreadsheet", help_text="A CSV or XLSX file with the template's columns.")

    def clean_file(self) -> UploadedFile:
        # PortalFormMixin has refused a file beyond UPLOAD_MAX_BYTES already (limits.py).
        upload: UploadedFile = self.cleaned_data["file"]
        if not (upload.name or "").lower().endswith((".csv", ".xlsx", ".txt")):
            raise forms.ValidationError("Upload a CSV or XLSX file.")
        validate_xlsx(upload)
        return upload


class UploadView(ScopedViewMixin, FormView):
    """Upload a spreadsheet of one kind: it is checked first, then imported when you confirm."""

    request: AuthenticatedHttpRequest  # as ScopedViewMixin says

    model = UploadJob
    kind = ""
    required_capability = Capability.PROVIDER_RECORD
    write_capability = Capability.PROVIDER_RECORD
    form_class = UploadForm
    template_name = "portal/uploads/upload.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        spec = upload_spec(self.kind)
        recent = (
            UploadJob.objects.visible_to(self.request.user)
            .filter(kind=self.kind)
            .select_related("uploaded_by")[:10]
        )
        return super().get_context_data(
            spec=spec,
            page_title=spec.title,
            columns=spec.columns,
            recent=recent,
            streaming_bytes=spec.streaming_bytes(),
            **kwargs,
        )

    def form_valid(self, form: UploadForm) -> HttpResponse:
        with transaction.atomic():
            job = jobs.upload_create(
                actor=self.request.user, kind=self.kind, uploaded_file=form.cleaned_data["file"]
            )
        jobs.upload_check_start(job)
        return redirect(job.get_absolute_url())


class UploadTemplateView(ScopedViewMixin, TemplateView):
    """The template for an upload, as CSV or XLSX: the columns and example rows."""

    request: AuthenticatedHttpRequest  # as ScopedViewMixin says

    model = UploadJob
    kind = ""

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        fmt = kwargs.get("fmt", "")
        if fmt not in CONTENT_TYPES:
            raise Http404
        spec = upload_spec(self.kind)
        response = HttpResponse(files.template(spec, fmt), content_type=CONTENT_TYPES[fmt])
        response["Content-Disposition"] = f'attachment; filename="{spec.kind}-template.{fmt}"'
        return response


class UploadJobListView(ScopedListView):
    model = UploadJob
    required_capability = Capability.PROVIDER_RECORD
    template_name = "portal/uploads/upload_list.html"

    def refine_queryset(self, queryset: Any) -> Any:
        return queryset.select_related("uploaded_by")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(page_title="Uploads", specs=upload_specs(), **kwargs)


class UploadJobDetailView(ScopedViewMixin, DetailView):
    """An upload's check: counts, every rejected row and field, and the button to import. While a
    large file is being read the page polls its progress (HTMX)."""

    request: AuthenticatedHttpRequest  # as ScopedViewMixin says

    model = UploadJob
    required_capability = Capability.PROVIDER_RECORD
    template_name = "portal/uploads/upload_detail.html"
    partial = False

    def refine_queryset(self, queryset: Any) -> Any:
        return queryset.select_related("uploaded_by")

    def get_template_names(self) -> list[str]:
        return ["portal/uploads/_upload_status.html"] if self.partial else [self.template_name]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        job = self.object
        spec = upload_spec(job.kind)
        return super().get_context_data(
            job=job,
            spec=spec,
            page_title=f"Upload of {job.get_kind_display().lower()}",
            list_url=reverse(spec.list_url_name),
            upload_url=reverse(spec.upload_url_name),
            status_url=reverse(upload_page("upload-status"), args=[job.pk]),
            confirm_url=reverse(upload_page("upload-confirm"), args=[job.pk]),
            discard_url=reverse(upload_page("upload-discard"), args=[job.pk]),
            **kwargs,
        )


class UploadConfirmView(ScopedActionView):
    model = UploadJob
    write_capability = Capability.PROVIDER_RECORD

    def perform(self, obj: UploadJob) -> None:
        jobs.upload_confirm(actor=self.request.user, job=obj)


class UploadDiscardView(ScopedActionView):
    model = UploadJob
    write_capability = Capability.PROVIDER_RECORD
    success_message = "The upload is discarded; nothing from it was saved."

    def perform(self, obj: UploadJob) -> None:
        jobs.upload_discard(actor=self.request.user, job=obj)

    def get_success_url(self) -> str:
        return reverse(upload_spec(self.object.kind).upload_url_name)
