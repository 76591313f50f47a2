"""Staff and training screens: lists, forms, spreadsheet uploads with a preview, the training matrix."""

import datetime as dt

from django.contrib import messages
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.views.generic import DetailView, FormView, TemplateView
from import_export.tmp_storages import MediaStorage

from portal.exports import clean_dataset
from portal.models import Organisation
from portal.roles import Capability
from portal.tenancy import scoped
from portal.views import ScopedListView, ScopedViewMixin, ServiceFormView

from . import selectors, services
from .api.filters import StaffMemberFilter
from .forms import ConfirmUploadForm, MatrixFilterForm, StaffForm, TrainingForm, UploadForm
from .models import StaffMember, TrainingCompletion
from .resources import UploadError, format_of, run_upload, template_dataset
from .rules import vetting_gaps

UPLOAD_SALT = "workforce.upload"
UPLOAD_FOLDER = "workforce-uploads"
UPLOAD_MAX_AGE = 60 * 60  # seconds a preview may wait for its confirmation


class StaffListView(ScopedListView):
    """A provider's staff (a council sees those of the providers it works with); those working now
    unless the filter says otherwise."""

    model = StaffMember
    template_name = "workforce/staff_list.html"
    filterset_class = StaffMemberFilter
    filter_fields = ("show",)
    filter_defaults = {"show": "current"}

    def refine_queryset(self, queryset):
        return queryset.select_related("provider", "scheme").order_by("provider__name", "reference")

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            page_title="Staff", can_record=self.request.user.can(Capability.PROVIDER_RECORD), **kwargs
        )


class StaffFormView(ServiceFormView):
    """Staff pages' forms: breadcrumbs back to the staff list, then to the member of staff."""

    model = StaffMember
    required_capability = write_capability = Capability.PROVIDER_RECORD
    template_name = "workforce/form.html"

    def cancel_url(self):
        obj = getattr(self, "object", None)
        return obj.get_absolute_url() if obj is not None else reverse("workforce:staff-list")

    def get_context_data(self, **kwargs):
        return super().get_context_data(staff=getattr(self, "object", None), **kwargs)


class StaffCreateView(StaffFormView):
    form_class = StaffForm
    title = "Add a member of staff"

    def perform(self, form):
        return services.staff_create(
            actor=self.request.user, provider=self.request.user.organisation, **form.cleaned_data
        )

    def get_success_message(self, result):
        return f"{result.reference} is added."


class StaffDetailView(ScopedViewMixin, DetailView):
    model = StaffMember
    template_name = "workforce/staff_detail.html"

    def refine_queryset(self, queryset):
        return queryset.select_related("provider", "scheme")

    def get_context_data(self, **kwargs):
        user = self.request.user
        staff = self.object
        today = timezone.localdate()
        judge = user.organisation if user.is_commissioner_side else None
        matrix = selectors.training_matrix(scoped(StaffMember, user).filter(pk=staff.pk), today, judge=judge)
        standard = selectors.vetting_standards_for([staff.provider_id], judge)[staff.provider_id]
        return super().get_context_data(
            page_title=f"Staff {staff.reference}",
            training_now=[
                (course, cell)
                for course, cell in (
                    zip(matrix.courses, matrix.rows[0].cells, strict=True) if matrix.rows else []
                )
                if cell is not None
            ],
            vetting_gaps=vetting_gaps(selectors.staff_vetting(staff), standard, today),
            training=scoped(TrainingCompletion, user).filter(staff=staff).select_related("course"),
            audit_events=self.audit_events(staff),
            can_record=user.can(Capability.PROVIDER_RECORD) and staff.provider_id == user.organisation_id,
            **kwargs,
        )


class StaffUpdateView(StaffFormView):
    form_class = StaffForm
    success_message = "The changes are saved."

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "instance": StaffMember.objects.get(pk=self.object.pk)}

    def get_context_data(self, **kwargs):
        return super().get_context_data(page_title=f"Change {self.object.reference}", **kwargs)

    def perform(self, form):
        fields = {name: form.cleaned_data[name] for name in form.changed_data}
        return services.staff_update(actor=self.request.user, staff=self.object, **fields)


class TrainingCreateView(StaffFormView):
    """Record a completed course for one member of staff."""

    form_class = TrainingForm
    title = "Record training"
    submit_label = "Record the training"

    def caption(self):
        return f"Staff {self.object.reference}"

    def perform(self, form):
        return services.training_record(actor=self.request.user, staff=self.object, **form.cleaned_data)

    def success_url_for(self, result):
        return self.cancel_url()

    def get_success_message(self, result):
        _completion, created = result
        return "The training is recorded." if created else "That training was already recorded."


class UploadView(ScopedViewMixin, FormView):
    """Upload staff or training as CSV/XLSX: a preview (dry run) first, then save, all or nothing."""

    model = StaffMember
    required_capability = Capability.PROVIDER_RECORD
    write_capability = Capability.PROVIDER_RECORD
    form_class = UploadForm
    template_name = "workforce/upload.html"
    kind = "staff"

    def get_context_data(self, **kwargs):
        title = "Upload staff" if self.kind == "staff" else "Upload training"
        return super().get_context_data(page_title=title, kind=self.kind, **kwargs)

    def post(self, request, *args, **kwargs):
        if "payload" in request.POST:
            return self.confirm(ConfirmUploadForm(request.POST))
        return super().post(request, *args, **kwargs)

    def _run(self, content: bytes, file_format: str, dry_run: bool):
        return run_upload(
            kind=self.kind,
            provider=self.request.user.organisation,
            actor=self.request.user,
            content=content,
            file_format=file_format,
            dry_run=dry_run,
        )

    def form_valid(self, form):
        upload = form.cleaned_data["file"]
        try:
            file_format = format_of(upload.name)
            content = upload.read()
            summary = self._run(content, file_format, dry_run=True)
        except UploadError as exc:
            form.add_error("file", str(exc))
            return self.form_invalid(form)
        payload = None
        if summary.ok:
            # The file waits in the media storage for the confirmation; the page carries a signed
            # token bound to this organisation and kind, never the file itself.
            stored = MediaStorage(MEDIA_FOLDER=UPLOAD_FOLDER)
            stored.save(content)
            payload = signing.dumps(
                {
                    "kind": self.kind,
                    "org": self.request.user.organisation_id,
                    "format": file_format,
                    "name": upload.name,
                    "stored": stored.name,
                },
                salt=UPLOAD_SALT,
            )
            _forget_old_uploads()
        return self.render_to_response(
            self.get_context_data(form=form, summary=summary, payload=payload, filename=upload.name)
        )

    def confirm(self, confirm_form):
        if not confirm_form.is_valid():
            messages.error(self.request, "Upload the file again.")
            return redirect(self.request.path)
        try:
            data = signing.loads(
                confirm_form.cleaned_data["payload"], salt=UPLOAD_SALT, max_age=UPLOAD_MAX_AGE
            )
        except signing.BadSignature:
            messages.error(self.request, "The preview has expired: upload the file again.")
            return redirect(self.request.path)
        if data["kind"] != self.kind or data["org"] != self.request.user.organisation_id:
            raise PermissionDenied
        stored = MediaStorage(MEDIA_FOLDER=UPLOAD_FOLDER, name=data["stored"])
        try:
            content = stored.read()
        except FileNotFoundError:
            messages.error(self.request, "The preview has expired: upload the file again.")
            return redirect(self.request.path)
        try:
            summary = self._run(content, data["format"], dry_run=False)
        except UploadError as exc:
            messages.error(self.request, str(exc))
            return redirect(self.request.path)
        if not summary.ok:
            # Something changed since the preview: nothing was saved; show why.
            return self.render_to_response(
                self.get_context_data(
                    form=UploadForm(user=self.request.user), summary=summary, filename=data["name"]
                )
            )
        stored.remove()
        messages.success(
            self.request,
            f"{data['name']}: {summary.read} rows read, {summary.new} new, {summary.updated} updated, "
            f"{summary.unchanged} already held unchanged.",
        )
        return redirect("workforce:staff-list")


def _forget_old_uploads():
    """Remove previews nobody confirmed (older than the token's lifetime)."""
    from django.core.files.storage import default_storage

    try:
        _dirs, files = default_storage.listdir(UPLOAD_FOLDER)
    except FileNotFoundError:
        return
    cutoff = timezone.now() - dt.timedelta(seconds=UPLOAD_MAX_AGE)
    for name in files:
        path = f"{UPLOAD_FOLDER}/{name}"
        if default_storage.get_modified_time(path) < cutoff:
            default_storage.delete(path)


class UploadTemplateView(ScopedViewMixin, TemplateView):
    """The upload template with its header row and an example, as CSV or XLSX."""

    model = StaffMember
    required_capability = Capability.PROVIDER_RECORD

    def get(self, request, *args, **kwargs):
        kind, file_format = kwargs["kind"], kwargs["format"]
        if kind not in ("staff", "training") or file_format not in ("csv", "xlsx"):
            raise Http404
        dataset = clean_dataset(template_dataset(kind))
        if file_format == "csv":
            response = HttpResponse(dataset.export("csv"), content_type="text/csv; charset=utf-8")
        else:
            response = HttpResponse(
                dataset.export("xlsx"),
                content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            )
        response["Content-Disposition"] = f'attachment; filename="{kind}-template.{file_format}"'
        return response


class TrainingMatrixView(ScopedViewMixin, TemplateView):
    """Who is in date, due soon, overdue or has not done each course `[002 §6.1]`, `[004 App. 4]`."""

    model = StaffMember
    template_name = "workforce/training_matrix.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        today = timezone.localdate()
        providers = scoped(Organisation, user).providers().order_by("name")
        form = MatrixFilterForm(self.request.GET or None, user=user)
        provider = None
        gaps_only = False
        if user.is_provider_side:
            provider = user.organisation
        if form.is_bound and form.is_valid():
            provider = provider or form.cleaned_data["provider"]
            gaps_only = form.cleaned_data["gaps_only"]
        matrix = None
        judge = user.organisation if user.is_commissioner_side else None
        if provider is not None:
            staff = scoped(StaffMember, user).filter(provider=provider)
            matrix = selectors.training_matrix(staff, today, only_gaps=gaps_only, judge=judge)
        summary = None
        if provider is None and user.is_commissioner_side:
            counts = selectors.training_gaps_by_provider(scoped(StaffMember, user), today, judge=judge)
            summary = [(p, counts.get(p.pk)) for p in providers]
        return super().get_context_data(
            page_title="Training matrix",
            form=form,
            provider=provider,
            matrix=matrix,
            summary=summary,
            today=today,
            **kwargs,
        )
