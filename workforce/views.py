"""Staff and training screens: lists, forms, spreadsheet uploads with a preview, the training matrix."""

import datetime as dt

from django.contrib import messages
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.views.generic import DetailView, FormView, TemplateView
from import_export.tmp_storages import MediaStorage

from portal.roles import Capability
from portal.tenancy import scoped
from portal.views import ScopedListView, ScopedViewMixin

from . import selectors, services
from .forms import ConfirmUploadForm, MatrixFilterForm, StaffForm, TrainingForm, UploadForm
from .models import StaffMember, TrainingCompletion
from .resources import UploadError, format_of, run_upload, template_dataset

UPLOAD_SALT = "workforce.upload"
UPLOAD_FOLDER = "workforce-uploads"
UPLOAD_MAX_AGE = 60 * 60  # seconds a preview may wait for its confirmation


def _add_errors(form, exc: ValidationError):
    if hasattr(exc, "message_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


class StaffListView(ScopedListView):
    """A provider's staff (a council sees those of the providers it works with)."""

    model = StaffMember
    template_name = "workforce/staff_list.html"

    def refine_queryset(self, queryset):
        queryset = queryset.select_related("provider", "scheme").order_by("provider__name", "reference")
        show = self.request.GET.get("show", "current")
        if show == "current":
            queryset = queryset.employed_on(timezone.localdate())
        elif show == "left":
            queryset = queryset.filter(left_on__lt=timezone.localdate())
        provider = self.request.GET.get("provider", "")
        if provider.isdigit():
            queryset = queryset.filter(provider_id=int(provider))
        return queryset

    def get_context_data(self, **kwargs):
        user = self.request.user
        return super().get_context_data(
            page_title="Staff",
            show=self.request.GET.get("show", "current"),
            can_record=user.can(Capability.PROVIDER_RECORD),
            **kwargs,
        )


class StaffCreateView(ScopedViewMixin, FormView):
    model = StaffMember
    required_capability = Capability.PROVIDER_RECORD
    write_capability = Capability.PROVIDER_RECORD
    form_class = StaffForm
    template_name = "workforce/staff_form.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(page_title="Add a member of staff", **kwargs)

    def form_valid(self, form):
        try:
            staff = services.staff_create(
                actor=self.request.user, provider=self.request.user.organisation, **form.cleaned_data
            )
        except ValidationError as exc:
            _add_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, f"{staff.reference} is added.")
        return redirect("workforce:staff-detail", pk=staff.pk)


class StaffDetailView(ScopedViewMixin, DetailView):
    model = StaffMember
    template_name = "workforce/staff_detail.html"

    def refine_queryset(self, queryset):
        return queryset.select_related("provider", "scheme")

    def get_context_data(self, **kwargs):
        user = self.request.user
        staff = self.object
        matrix = selectors.training_matrix(
            scoped(StaffMember, user).filter(pk=staff.pk), timezone.localdate()
        )
        return super().get_context_data(
            page_title=f"Staff {staff.reference}",
            training_now=list(zip(matrix.courses, matrix.rows[0].cells, strict=True)) if matrix.rows else [],
            training=scoped(TrainingCompletion, user).filter(staff=staff).select_related("course"),
            audit_events=self.audit_events(staff),
            can_record=user.can(Capability.PROVIDER_RECORD) and staff.provider_id == user.organisation_id,
            **kwargs,
        )


class StaffUpdateView(ScopedViewMixin, FormView):
    model = StaffMember
    required_capability = Capability.PROVIDER_RECORD
    write_capability = Capability.PROVIDER_RECORD
    form_class = StaffForm
    template_name = "workforce/staff_form.html"

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["instance"] = self.object
        return kwargs

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            page_title=f"Change {self.object.reference}", staff=self.object, **kwargs
        )

    def form_valid(self, form):
        fields = {name: form.cleaned_data[name] for name in form.changed_data}
        try:
            staff = StaffMember.objects.get(pk=self.object.pk)
            services.staff_update(actor=self.request.user, staff=staff, **fields)
        except ValidationError as exc:
            _add_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, "The changes are saved.")
        return redirect("workforce:staff-detail", pk=self.object.pk)


class TrainingCreateView(ScopedViewMixin, FormView):
    """Record a completed course for one member of staff."""

    model = StaffMember
    required_capability = Capability.PROVIDER_RECORD
    write_capability = Capability.PROVIDER_RECORD
    form_class = TrainingForm
    template_name = "workforce/training_form.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(page_title="Record training", staff=self.object, **kwargs)

    def form_valid(self, form):
        try:
            _completion, created = services.training_record(
                actor=self.request.user, staff=self.object, **form.cleaned_data
            )
        except ValidationError as exc:
            _add_errors(form, exc)
            return self.form_invalid(form)
        messages.success(
            self.request, "The training is recorded." if created else "That training was already recorded."
        )
        return redirect("workforce:staff-detail", pk=self.object.pk)


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
        dataset = template_dataset(kind)
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
        from compliance.selectors import providers_for

        user = self.request.user
        today = timezone.localdate()
        providers = providers_for(user).order_by("name")
        form = MatrixFilterForm(self.request.GET or None, user=user)
        provider = None
        gaps_only = False
        if user.is_provider_side:
            provider = user.organisation
        if form.is_bound and form.is_valid():
            provider = provider or form.cleaned_data["provider"]
            gaps_only = form.cleaned_data["gaps_only"]
        matrix = None
        if provider is not None:
            staff = scoped(StaffMember, user).filter(provider=provider)
            matrix = selectors.training_matrix(staff, today, only_gaps=gaps_only)
        summary = None
        if provider is None and user.is_commissioner_side:
            counts = selectors.training_gaps_by_provider(scoped(StaffMember, user), today)
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
