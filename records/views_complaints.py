"""Pages for the council's complaint information requests `[004 §8.5.5]`, the provider's monthly
complaints reports `[004 §8.5.6]` and the council's PAMMS assessments `[004 App. 4]`: a list, a page
and a form each (the provider answers a request on its page)."""

from collections.abc import Callable
from typing import Any

from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.views.generic import DetailView

from portal.roles import Capability
from portal.views import ScopedListView, ScopedViewMixin, ServiceFormView

from . import forms_complaints as forms
from .models import ComplaintInformationRequest, MonthlyComplaintsReport, PammsAssessment
from .services import complaints as services


def _day(value: Any) -> str:
    return f"{value:%d %b %Y}" if value else "–"


Column = tuple[str, Callable[[Any], Any]]

KINDS: dict[str, dict[str, Any]] = {
    "complaint-requests": {
        "model": ComplaintInformationRequest,
        "title": "Complaint information requests",
        "intro": "The council's requests for information on complaints made to it: the provider returns "
        "what was asked within 10 working days of the request [004 §8.5.5].",
        "create": ("Record a request", Capability.COMMISSION),
        "related": ("scheme", "service_user"),
        "columns": [
            ("Reference", lambda r: r.reference),
            ("Requested", lambda r: _day(r.requested_on)),
            ("Due by", lambda r: _day(r.due_on)),
            ("Returned", lambda r: _day(r.answered_on)),
            (
                "In time",
                lambda r: (
                    "Not yet" if r.answered_in_time is None else ("Yes" if r.answered_in_time else "No, late")
                ),
            ),
        ],
        "fields": [
            ("Reference", lambda r: r.reference),
            ("Scheme", lambda r: r.scheme.name if r.scheme else "–"),
            ("Person", lambda r: r.service_user.name if r.service_user else "–"),
            ("Requested on", lambda r: _day(r.requested_on)),
            ("Information requested", lambda r: r.information_requested),
            ("Due by (10 working days)", lambda r: _day(r.due_on)),
            ("Returned on", lambda r: _day(r.answered_on)),
            ("What was sent", lambda r: r.answer or "–"),
        ],
    },
    "complaint-reports": {
        "model": MonthlyComplaintsReport,
        "title": "Monthly complaints reports",
        "intro": "Each month the provider reports the complaints received and the actions taken [004 §8.5.6], "
        "and the lessons learned and shared [004 §8.5.7]. The counts are the complaints recorded for the month.",
        "create": ("Send a monthly report", Capability.PROVIDER_MANAGE),
        "related": (),
        "columns": [
            ("Month", lambda r: f"{r.month:%B %Y}"),
            ("Complaints", lambda r: r.complaints),
            ("Concerns", lambda r: r.concerns),
            ("Compliments", lambda r: r.compliments),
            ("Upheld", lambda r: r.upheld),
            ("Sent", lambda r: f"{timezone.localtime(r.submitted_at):%d %b %Y}"),
        ],
        "fields": [
            ("Month", lambda r: f"{r.month:%B %Y}"),
            ("Complaints received", lambda r: r.complaints),
            ("Concerns received", lambda r: r.concerns),
            ("Compliments received", lambda r: r.compliments),
            ("Upheld", lambda r: r.upheld),
            ("Actions taken", lambda r: r.actions_taken),
            ("Lessons learned and shared", lambda r: r.lessons_learned or "–"),
            ("Sent", lambda r: f"{timezone.localtime(r.submitted_at):%d %B %Y %H:%M}"),
        ],
    },
    "pamms": {
        "model": PammsAssessment,
        "title": "PAMMS assessments",
        "intro": "The council's quality assessments of each scheme (Excellent, Good, Requires improvement, Poor). "
        "With the provider's CQC rating, the more recent is the scheme's rating for N4 [004 App. 4].",
        "create": ("Record an assessment", Capability.COMMISSION),
        "related": ("scheme",),
        "columns": [
            ("Scheme", lambda r: r.scheme.name),
            ("Rating", lambda r: r.get_rating_display()),
            ("Published", lambda r: _day(r.assessed_on)),
        ],
        "fields": [
            ("Scheme", lambda r: r.scheme.name),
            ("Rating", lambda r: r.get_rating_display()),
            ("Published on", lambda r: _day(r.assessed_on)),
            ("Note", lambda r: r.note or "–"),
        ],
    },
}


class _Kind:
    slug = ""

    @property
    def kind(self) -> dict[str, Any]:
        return KINDS[self.slug]

    @property
    def model(self) -> Any:  # type: ignore[override]
        return self.kind["model"]


class KindListView(_Kind, ScopedListView):
    template_name = "records/simple_list.html"

    def refine_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        return queryset.select_related("contract", "commissioner", "provider", *self.kind["related"])

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        kind, user = self.kind, self.request.user
        label, capability = kind["create"]
        context.update(
            page_title=kind["title"],
            intro=kind["intro"],
            headings=[h for h, _ in kind["columns"]],
            rows=[
                {
                    "url": r.get_absolute_url(),
                    "cells": [show(r) for _, show in kind["columns"]],
                    "party": r.contract.reference,
                }
                for r in context["object_list"]
            ],
            create_label=label if user.can(capability) else "",
            create_url=reverse(f"records:{self.slug}-create"),
        )
        return context


class KindDetailView(_Kind, ScopedViewMixin, DetailView):
    template_name = "records/simple_detail.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        obj, user = self.object, self.request.user
        can_answer = (
            self.slug == "complaint-requests"
            and obj.answered_on is None
            and user.organisation_id == obj.provider_id
            and user.can(Capability.PROVIDER_RECORD)
        )
        return super().get_context_data(
            page_title=str(obj),
            list_title=self.kind["title"],
            list_url=reverse(f"records:{self.slug}-list"),
            fields=[(label, show(obj)) for label, show in self.kind["fields"]],
            answer_url=reverse("records:complaint-requests-answer", args=[obj.pk]) if can_answer else "",
            audit_events=self.audit_events(obj),
            **kwargs,
        )


class KindCreateView(_Kind, ServiceFormView):
    """A new record through the kind's service, by the side it belongs to."""

    def capability_for(self, method: str | None) -> Any:
        return self.kind["create"][1]

    @property
    def title(self) -> str:  # type: ignore[override]
        return self.kind["create"][0]

    @property
    def intro(self) -> str:  # type: ignore[override]
        return self.kind["intro"]

    def cancel_url(self) -> str:
        return reverse(f"records:{self.slug}-list")

    def get_initial(self) -> dict[str, Any]:
        today = timezone.localdate()
        return {"requested_on": today, "assessed_on": today}


class ComplaintRequestListView(KindListView):
    slug = "complaint-requests"


class ComplaintRequestDetailView(KindDetailView):
    slug = "complaint-requests"


class ComplaintRequestCreateView(KindCreateView):
    slug = "complaint-requests"
    form_class = forms.ComplaintRequestForm
    submit_label = "Send the request"
    success_message = "The request is recorded and the provider alerted."

    def perform(self, form: Any) -> Any:
        return services.complaint_request_record(actor=self.request.user, **form.cleaned_data)


class ComplaintRequestAnswerView(ServiceFormView):
    model = ComplaintInformationRequest
    form_class = forms.ComplaintAnswerForm
    required_capability = write_capability = Capability.PROVIDER_RECORD
    title = "Record the information returned"
    intro = "Due within 10 working days of the council's request [004 §8.5.5]."
    submit_label = "Save"
    success_message = "Recorded; the council is told."

    def get_initial(self) -> dict[str, Any]:
        return {"answered_on": timezone.localdate()}

    def perform(self, form: Any) -> Any:
        return services.complaint_request_answer(
            actor=self.request.user, request=self.object, **form.cleaned_data
        )


class ComplaintsReportListView(KindListView):
    slug = "complaint-reports"


class ComplaintsReportDetailView(KindDetailView):
    slug = "complaint-reports"


class ComplaintsReportCreateView(KindCreateView):
    slug = "complaint-reports"
    form_class = forms.ComplaintsReportForm
    submit_label = "Send the report"
    success_message = "The report is sent to the council."

    def perform(self, form: Any) -> Any:
        return services.complaints_report_submit(actor=self.request.user, **form.cleaned_data)


class PammsListView(KindListView):
    slug = "pamms"


class PammsDetailView(KindDetailView):
    slug = "pamms"


class PammsCreateView(KindCreateView):
    slug = "pamms"
    form_class = forms.PammsForm
    submit_label = "Save the assessment"
    success_message = "The assessment is recorded."

    def perform(self, form: Any) -> Any:
        return services.pamms_record(actor=self.request.user, **form.cleaned_data)
