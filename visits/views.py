"""Screens for visits. (The upload pages are `portal.uploads.views`, mounted in urls.py.)"""

import datetime as dt
import json

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.utils import timezone
from django.views.generic import DetailView, FormView

from packages_of_care.models import IndividualServiceOrder
from portal.roles import Capability
from portal.views import ScopedListView, ScopedViewMixin

from . import selectors, services
from .api.filters import VisitFilter
from .forms import STATUS_DEPENDENT, STATUS_FIELDS, MissedExplanationForm, OrderChoiceForm, VisitForm
from .models import LONDON, Visit, VisitSource, VisitStatus
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


def status_fields_context() -> dict[str, str]:
    """What the form's script reads to show only the fields the chosen status needs."""
    return {
        "status_fields_json": json.dumps(STATUS_FIELDS),
        "status_dependent_json": json.dumps(STATUS_DEPENDENT),
    }


class VisitListView(ScopedListView):
    """Visits, both sides: the provider's own, or those the council commissioned. Filters by
    date, status, order, carer, provider and what needs attention (the API's FilterSet); the last
    four weeks by default."""

    model = Visit
    template_name = "visits/visit_list.html"
    filterset_class = VisitFilter
    filter_fields = (
        "visit_date_after",
        "visit_date_before",
        "status",
        "order_reference",
        "carer_reference",
        "provider",
        "attention",
    )

    def get_filter_fields(self) -> tuple[str, ...]:
        # A provider sees its own visits only: no provider to choose.
        provider_side = self.request.user.is_provider_side
        return tuple(name for name in self.filter_fields if not (provider_side and name == "provider"))

    def get_filter_defaults(self) -> dict[str, str]:
        today = timezone.localdate()
        return {
            "visit_date_after": (today - dt.timedelta(days=27)).isoformat(),
            "visit_date_before": today.isoformat(),
        }

    def refine_queryset(self, queryset):
        return queryset.select_related("order", "order__service_user", "provider").order_by(
            "-scheduled_start", "-id"
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            page_title="Visits",
            status_tags=STATUS_TAGS,
            can_record=self.request.user.can(Capability.PROVIDER_RECORD),
            council_side=self.request.user.is_commissioner_side,
            now=timezone.now(),
        )
        filterset = getattr(self, "_filterset", None)
        if filterset is not None and filterset.is_valid():
            start, end = (filterset.form.cleaned_data.get(f"visit_date_{e}") for e in ("after", "before"))
            if start and end and end - start <= dt.timedelta(days=30):
                context.update(period_from=start.isoformat(), period_to=end.isoformat())
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


class RecordingFormView(ScopedViewMixin, FormView):
    """A provider's form about one record: shown to and sent by those who record visits."""

    required_capability = Capability.PROVIDER_RECORD
    write_capability = Capability.PROVIDER_RECORD


class VisitCreateView(RecordingFormView):
    """Record one visit against an order (the URL names the order: another provider's is 404)."""

    model = IndividualServiceOrder
    form_class = VisitForm
    template_name = "visits/visit_form.html"

    def refine_queryset(self, queryset):
        return queryset.select_related("service_user")

    def get_initial(self):
        initial = {"carers": 1, "verification": "ecm", "status": VisitStatus.COMPLETED}
        # The times from the schedule: the visit it expects next (the one just due, or the next).
        now = timezone.now()
        expected = selectors.expected_visit_to_record(
            self.object, now=now
        ) or selectors.schedule_slot_to_record(self.object, now=now)
        if expected is not None:
            start, end = (
                timezone.localtime(t, LONDON) for t in (expected.scheduled_start, expected.scheduled_end)
            )
            initial.update(
                scheduled_start=start,
                scheduled_end=end,
                carers=expected.carers,
                time_critical=expected.time_critical,
            )
            if expected.scheduled_start <= timezone.now():
                initial.update(actual_start=start, actual_end=end)
        return initial

    def get_context_data(self, **kwargs):
        order = self.object
        return super().get_context_data(
            order=order,
            page_title=f"Record a visit for {order.service_user.name}",
            recordable=order.status in RECORDABLE_ORDER_STATUSES,
            record_another=True,
            **status_fields_context(),
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
        if "record_another" in self.request.POST:
            return redirect("visits:visit-create", pk=self.object.pk)
        return redirect(visit.get_absolute_url())


class VisitFormView(RecordingFormView):
    """A form about one visit, with its order and the person it was for."""

    model = Visit

    def refine_queryset(self, queryset):
        return queryset.select_related("order", "order__service_user")


class VisitEditView(VisitFormView):
    form_class = VisitForm
    template_name = "visits/visit_form.html"

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
            **status_fields_context(),
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


class VisitExplainView(VisitFormView):
    """The provider explains a missed visit and how it is being put right (within 24 hours)."""

    form_class = MissedExplanationForm
    template_name = "visits/explain_form.html"

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


class VisitExportView(VisitListView):
    """The visit list as CSV: the same filters (and the same last-four-weeks default) as the
    page, every visit rather than one page, written through `portal.exports` (formula-safe)."""

    paginate_by = None
    HEADERS = [
        "order_reference", "person", "provider", "scheduled_start", "scheduled_end", "scheduled_minutes",
        "actual_start", "actual_end", "actual_minutes", "carer_reference", "second_carer_reference",
        "status", "verification", "time_critical",
    ]  # fmt: skip

    def get(self, request, *args, **kwargs):
        from django.http import StreamingHttpResponse

        from portal.exports import csv_writer

        class Echo:
            def write(self, value):
                return value

        writer = csv_writer(Echo())

        def when(value):
            return "" if value is None else f"{timezone.localtime(value, LONDON):%Y-%m-%d %H:%M}"

        def rows():
            yield "\ufeff"
            yield writer.writerow(self.HEADERS)
            for v in self.get_queryset().iterator(chunk_size=2000):
                yield writer.writerow(
                    [
                        v.order.reference,
                        v.order.service_user.name,
                        v.provider.name,
                        when(v.scheduled_start),
                        when(v.scheduled_end),
                        v.scheduled_minutes,
                        when(v.actual_start),
                        when(v.actual_end),
                        v.actual_minutes or "",
                        v.carer_reference,
                        v.second_carer_reference,
                        v.status,
                        v.verification,
                        "yes" if v.time_critical else "no",
                    ]  # fmt: skip
                )

        response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="visits.csv"'
        return response
