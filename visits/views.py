"""Screens for visits and for every spreadsheet upload (visits and operational records)."""

import datetime as dt

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.views.generic import DetailView, FormView, TemplateView

from packages_of_care.models import IndividualServiceOrder
from portal.roles import Capability
from portal.views import ScopedActionView, ScopedListView, ScopedViewMixin

from . import selectors, services, uploads
from .forms import MissedExplanationForm, OrderChoiceForm, UploadForm, VisitFilterForm, VisitForm
from .models import LONDON, UploadJob, UploadKind, Visit, VisitSource, VisitStatus
from .validation import RECORDABLE_ORDER_STATUSES

STATUS_TAGS = {
    VisitStatus.SCHEDULED: "blue",
    VisitStatus.COMPLETED: "green",
    VisitStatus.SHORTENED_BY_SERVICE_USER: "turquoise",
    VisitStatus.ABORTED: "orange",
    VisitStatus.CANCELLED_SHORT_NOTICE: "yellow",
    VisitStatus.CANCELLED_WITH_NOTICE: "grey",
    VisitStatus.MISSED: "red",
}


class VisitListView(ScopedListView):
    """Visits, both sides: the provider's own, or those the council commissioned. Filters by
    date, status, order, carer, provider and what needs attention; the last four weeks by default."""

    model = Visit
    template_name = "visits/visit_list.html"

    def filters(self) -> dict:
        if not hasattr(self, "_filters"):
            data = self.request.GET.copy()
            today = timezone.localdate()
            if not any(
                k in data
                for k in ("date_from", "date_to", "status", "order", "carer", "provider", "attention")
            ):
                data["date_from"] = (today - dt.timedelta(days=27)).isoformat()
                data["date_to"] = today.isoformat()
            self.filter_form = VisitFilterForm(data, user=self.request.user)
            if self.request.user.is_provider_side:
                del self.filter_form.fields["provider"]
            self._filters = self.filter_form.cleaned_data if self.filter_form.is_valid() else {}
        return self._filters

    def refine_queryset(self, queryset):
        queryset = queryset.select_related("order", "order__service_user", "provider")
        return selectors.filter_visits(queryset, self.filters()).order_by("-scheduled_start", "-id")

    def get_context_data(self, **kwargs):
        self.filters()
        context = super().get_context_data(**kwargs)
        context.update(
            page_title="Visits",
            filter_form=self.filter_form,
            status_tags=STATUS_TAGS,
            can_record=self.request.user.can(Capability.PROVIDER_RECORD),
            council_side=self.request.user.is_commissioner_side,
            now=timezone.now(),
        )
        return context


class MissedVisitListView(ScopedListView):
    """Missed visits with the provider's explanation and remedy, and whether it came within 24
    hours `[004 §3.6.15]` — what the council needs to see."""

    model = Visit
    template_name = "visits/missed_list.html"

    def refine_queryset(self, queryset):
        return (
            queryset.filter(status=VisitStatus.MISSED)
            .select_related("order", "order__service_user", "provider")
            .order_by("-scheduled_start", "-id")
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            page_title="Missed visits",
            council_side=self.request.user.is_commissioner_side,
            can_record=self.request.user.can(Capability.PROVIDER_RECORD),
            now=timezone.now(),
            window=services.EXPLAIN_WITHIN,
        )
        return context


class VisitDetailView(ScopedViewMixin, DetailView):
    model = Visit
    template_name = "visits/visit_detail.html"

    def refine_queryset(self, queryset):
        return queryset.select_related(
            "order", "order__service_user", "provider", "commissioner", "order__contract"
        )

    def get_context_data(self, **kwargs):
        visit = self.object
        user = self.request.user
        can_record = user.can(Capability.PROVIDER_RECORD)
        context = super().get_context_data(**kwargs)
        context.update(
            page_title=f"Visit on {timezone.localtime(visit.scheduled_start, LONDON):%d %B %Y at %H:%M}",
            audit_events=self.audit_events(visit),
            status_tag=STATUS_TAGS.get(visit.status, "grey"),
            can_edit=can_record,
            can_explain=can_record and visit.status == VisitStatus.MISSED,
            explain_due=visit.scheduled_start + services.EXPLAIN_WITHIN,
            explained_late=bool(
                visit.missed_explained_at
                and visit.missed_explained_at > visit.scheduled_start + services.EXPLAIN_WITHIN
            ),
            now=timezone.now(),
        )
        return context


class VisitChooseOrderView(ScopedViewMixin, FormView):
    """Record a visit: first choose the order (only the provider's accepted orders are offered)."""

    model = Visit
    required_capability = Capability.PROVIDER_RECORD
    template_name = "visits/choose_order.html"
    form_class = OrderChoiceForm
    http_method_names = ["get", "head", "options"]  # the choice is a GET form

    def get(self, request, *args, **kwargs):
        if "order" in request.GET:
            form = self.get_form_class()(request.GET, user=request.user)
            if form.is_valid():
                return redirect("visits:visit-create", pk=form.cleaned_data["order"].pk)
            return self.render_to_response(self.get_context_data(form=form))
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(page_title="Record a visit", **kwargs)


class VisitCreateView(ScopedViewMixin, FormView):
    """Record one visit against an order (the URL names the order: another provider's is 404)."""

    model = IndividualServiceOrder
    required_capability = Capability.PROVIDER_RECORD
    write_capability = Capability.PROVIDER_RECORD
    form_class = VisitForm
    template_name = "visits/visit_form.html"

    def refine_queryset(self, queryset):
        return queryset.select_related("service_user")

    def get_initial(self):
        return {"carers": 1, "verification": "ecm", "status": VisitStatus.COMPLETED}

    def get_context_data(self, **kwargs):
        order = self.object
        return super().get_context_data(
            order=order,
            page_title=f"Record a visit for {order.service_user.name}",
            recordable=order.status in RECORDABLE_ORDER_STATUSES,
            **kwargs,
        )

    def form_valid(self, form):
        try:
            visit, created = services.visit_record(
                actor=self.request.user, order=self.object, values=form.values(), source=VisitSource.FORM
            )
        except ValidationError as exc:
            form.apply_errors(exc)
            return self.form_invalid(form)
        messages.success(
            self.request,
            "The visit is recorded." if created else "That visit was already recorded; it is updated.",
        )
        return redirect(visit.get_absolute_url())


class VisitEditView(ScopedViewMixin, FormView):
    model = Visit
    required_capability = Capability.PROVIDER_RECORD
    write_capability = Capability.PROVIDER_RECORD
    form_class = VisitForm
    template_name = "visits/visit_form.html"

    def refine_queryset(self, queryset):
        return queryset.select_related("order", "order__service_user")

    def get_initial(self):
        visit = self.object
        initial = {name: getattr(visit, name) for name in VisitForm.base_fields}
        for name in ("scheduled_start", "scheduled_end", "actual_start", "actual_end", "cancelled_at"):
            if initial[name] is not None:
                initial[name] = timezone.localtime(initial[name], LONDON)
        return initial

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            order=self.object.order,
            visit=self.object,
            page_title="Correct a visit",
            recordable=True,
            **kwargs,
        )

    def form_valid(self, form):
        try:
            visit = services.visit_update(
                actor=self.request.user, visit=self.object, values=form.values(), source=VisitSource.FORM
            )
        except ValidationError as exc:
            form.apply_errors(exc)
            return self.form_invalid(form)
        messages.success(self.request, "The visit is saved.")
        return redirect(visit.get_absolute_url())


class VisitExplainView(ScopedViewMixin, FormView):
    """The provider explains a missed visit and how it is being put right (within 24 hours)."""

    model = Visit
    required_capability = Capability.PROVIDER_RECORD
    write_capability = Capability.PROVIDER_RECORD
    form_class = MissedExplanationForm
    template_name = "visits/explain_form.html"

    def refine_queryset(self, queryset):
        return queryset.select_related("order", "order__service_user")

    def get_initial(self):
        return {"explanation": self.object.missed_explanation, "remedy": self.object.missed_remedy}

    def get_context_data(self, **kwargs):
        visit = self.object
        return super().get_context_data(
            visit=visit,
            due=visit.scheduled_start + services.EXPLAIN_WITHIN,
            is_missed=visit.status == VisitStatus.MISSED,
            page_title="Explain a missed visit",
            **kwargs,
        )

    def form_valid(self, form):
        try:
            services.visit_explain_missed(actor=self.request.user, visit=self.object, **form.cleaned_data)
        except ValidationError as exc:
            if hasattr(exc, "message_dict"):
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                form.add_error(None, exc.messages)
            return self.form_invalid(form)
        messages.success(self.request, "The explanation is recorded and passed to the council.")
        return redirect(self.object.get_absolute_url())


# Uploads (every kind) ------------------------------------------------------------------------------


class UploadView(ScopedViewMixin, FormView):
    """Upload a spreadsheet of one kind: it is checked first, then imported when you confirm."""

    model = UploadJob
    kind = UploadKind.VISITS
    required_capability = Capability.PROVIDER_RECORD
    write_capability = Capability.PROVIDER_RECORD
    form_class = UploadForm
    template_name = "visits/upload.html"
    template_url_name = "visits:upload-template"

    def get_context_data(self, **kwargs):
        spec = uploads.spec_for(self.kind)
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
            template_url_name=self.template_url_name,
            streaming_bytes=uploads.streaming_threshold_bytes(),
            **kwargs,
        )

    def form_valid(self, form):
        with transaction.atomic():
            job = uploads.upload_create(
                actor=self.request.user, kind=self.kind, uploaded_file=form.cleaned_data["file"]
            )
        uploads.upload_check_start(job)
        return redirect(job.get_absolute_url())


class UploadTemplateView(ScopedViewMixin, TemplateView):
    """The template for an upload, as CSV or XLSX: the columns and two example rows."""

    model = UploadJob
    kind = UploadKind.VISITS

    def get(self, request, *args, **kwargs):
        fmt = kwargs.get("fmt")
        if fmt not in ("csv", "xlsx"):
            raise Http404
        spec = uploads.spec_for(self.kind)
        content = uploads.template(spec, fmt)
        content_type = (
            "text/csv; charset=utf-8"
            if fmt == "csv"
            else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
        response = HttpResponse(content, content_type=content_type)
        response["Content-Disposition"] = f'attachment; filename="{spec.kind}-template.{fmt}"'
        return response


class UploadJobListView(ScopedListView):
    model = UploadJob
    required_capability = Capability.PROVIDER_RECORD
    template_name = "visits/upload_list.html"

    def refine_queryset(self, queryset):
        return queryset.select_related("uploaded_by")

    def get_context_data(self, **kwargs):
        return super().get_context_data(page_title="Uploads", **kwargs)


class UploadJobDetailView(ScopedViewMixin, DetailView):
    """An upload's check: counts, every rejected row and field, and the button to import. While a
    large file is being read the page polls its progress (HTMX)."""

    model = UploadJob
    required_capability = Capability.PROVIDER_RECORD
    template_name = "visits/upload_detail.html"
    partial = False

    def refine_queryset(self, queryset):
        return queryset.select_related("uploaded_by")

    def get_template_names(self):
        return ["visits/_upload_status.html"] if self.partial else [self.template_name]

    def get_context_data(self, **kwargs):
        job = self.object
        spec = uploads.spec_for(job.kind)
        return super().get_context_data(
            job=job,
            spec=spec,
            page_title=f"Upload of {job.get_kind_display().lower()}",
            list_url=reverse(spec.list_url_name),
            upload_url=reverse(_upload_url_name(job.kind)),
            **kwargs,
        )


def _upload_url_name(kind: str) -> str:
    return "visits:upload" if kind == UploadKind.VISITS else f"records:{kind.replace('_', '-')}-upload"


class UploadConfirmView(ScopedActionView):
    model = UploadJob
    write_capability = Capability.PROVIDER_RECORD

    def perform(self, obj):
        uploads.upload_confirm(actor=self.request.user, job=obj)


class UploadDiscardView(ScopedActionView):
    model = UploadJob
    write_capability = Capability.PROVIDER_RECORD
    success_message = "The upload is discarded; nothing from it was saved."

    def perform(self, obj):
        uploads.upload_discard(actor=self.request.user, job=obj)

    def get_success_url(self):
        return reverse(_upload_url_name(self.object.kind))
