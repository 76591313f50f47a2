"""Screens for the operational records: one set of views, configured per kind."""

import datetime as dt

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.views.generic import DetailView, FormView, TemplateView

from portal.forms import DateInput, PortalFormMixin, apply_service_errors
from portal.roles import Capability
from portal.tenancy import scoped
from portal.uploads.views import UploadTemplateView, UploadView
from portal.views import ScopedListView, ScopedViewMixin
from visits.models import LONDON

from . import services
from .forms import FORMS
from .kinds import BY_SLUG
from .models import Activity, ActivityAttendance

# A record's rules name the upload's columns; the form's fields are the relations themselves.
SERVICE_ERROR_FIELDS = {"service_user_reference": "service_user", "contract_reference": "contract"}


def _when(value):
    if value is None:
        return "–"
    if isinstance(value, dt.datetime):
        return f"{timezone.localtime(value, LONDON):%d %b %Y %H:%M}"
    return f"{value:%d %b %Y}"


def _yes(value):
    return "–" if value is None else ("Yes" if value else "No")


def _minutes(seconds):
    if seconds is None:
        return "–"
    minutes, rest = divmod(int(seconds), 60)
    return f"{minutes} min {rest:02d} s"


# (heading, how to show a record) for each kind's list.
LIST_COLUMNS = {
    "alarm-calls": [
        ("Raised", lambda r: _when(r.raised_at)),
        ("Scheme", lambda r: r.scheme.name),
        ("Flat", lambda r: r.flat or "–"),
        ("Response", lambda r: _minutes(r.response_seconds)),
        ("Overnight", lambda r: _yes(r.is_overnight)),
        ("Outcome", lambda r: r.get_outcome_display()),
    ],
    "complaints": [
        ("Reference", lambda r: r.reference),
        ("Kind", lambda r: r.get_kind_display()),
        ("Received", lambda r: _when(r.received_on)),
        ("Upheld", lambda r: _yes(r.upheld)),
        ("Response to council", lambda r: _when(r.response_sent_to_council_on)),
    ],
    "safeguarding": [
        ("Reference", lambda r: r.reference),
        ("Occurred", lambda r: _when(r.occurred_on)),
        ("Category", lambda r: r.get_category_display()),
        ("Reported to council", lambda r: _when(r.reported_to_council_on)),
    ],
    "surveys": [
        ("Reference", lambda r: r.reference or "–"),
        ("Responded", lambda r: _when(r.responded_on)),
        ("Scheme", lambda r: r.scheme.name if r.scheme_id else "–"),
        ("Satisfied", lambda r: _yes(r.satisfied)),
    ],
    "voids": [
        ("Scheme", lambda r: r.scheme.name),
        ("Flat", lambda r: r.flat),
        ("Status", lambda r: r.get_status_display()),
        ("From", lambda r: _when(r.start_date)),
        ("Let again", lambda r: _when(r.end_date)),
    ],
    "nominations": [
        ("Panel", lambda r: _when(r.panel_date)),
        ("Scheme", lambda r: r.scheme.name),
        ("Applicant", lambda r: r.applicant_reference),
        ("Decision", lambda r: r.get_decision_display()),
        ("Declined by", lambda r: r.get_declined_by_display() if r.declined_by else "–"),
    ],
    "activities": [
        ("Starts", lambda r: _when(r.starts_at)),
        ("Title", lambda r: r.title),
        ("Kind", lambda r: r.get_kind_display()),
        ("Where", lambda r: r.location),
        ("Places", lambda r: str(r.capacity)),
    ],
    "attendance": [
        ("Activity", lambda r: r.activity.title),
        ("Starts", lambda r: _when(r.activity.starts_at)),
        ("Person", lambda r: f"{r.service_user.name} ({r.service_user.reference})"),
        ("Came", lambda r: _yes(r.attended)),
    ],
}
SELECT_RELATED = {
    "alarm-calls": ["scheme"],
    "complaints": [],
    "safeguarding": [],
    "surveys": ["scheme"],
    "voids": ["scheme"],
    "nominations": ["scheme"],
    "activities": [],
    "attendance": ["activity", "service_user"],
}


class RecordKindMixin:
    slug = ""

    @property
    def spec(self):
        return BY_SLUG[self.slug]

    def kind_context(self):
        spec = self.spec
        return {
            "spec": spec,
            "slug": self.slug,
            "noun": spec.noun_plural,
            "can_record": self.request.user.can(Capability.PROVIDER_RECORD),
            "list_url": reverse(f"records:{self.slug}-list"),
        }


class RecordIndexView(ScopedViewMixin, TemplateView):
    """The operational records, with how many of each the user's organisation can see."""

    template_name = "records/index.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        kinds = []
        for slug, spec in BY_SLUG.items():
            kinds.append(
                {
                    "slug": slug,
                    "title": spec.noun_plural.capitalize(),
                    "count": scoped(spec.model, user).count(),
                    "list_url": reverse(f"records:{slug}-list"),
                    "upload_url": reverse(f"records:{slug}-upload"),
                    "create_url": reverse(f"records:{slug}-create"),
                }
            )
        return super().get_context_data(
            page_title="Operational records",
            kinds=kinds,
            can_record=user.can(Capability.PROVIDER_RECORD),
            **kwargs,
        )


class RecordFilterForm(PortalFormMixin, forms.Form):
    date_from = forms.DateField(label="From", required=False, widget=DateInput())
    date_to = forms.DateField(label="To", required=False, widget=DateInput())


class RecordListView(RecordKindMixin, ScopedListView):
    template_name = "records/record_list.html"

    @property
    def model(self):
        return self.spec.model

    def refine_queryset(self, queryset):
        spec = self.spec
        related = SELECT_RELATED[self.slug]
        if spec.has_contract:
            related = [*related, "provider", "commissioner"]
        queryset = queryset.select_related(*related)
        self.filter_form = RecordFilterForm(self.request.GET or None, user=self.request.user)
        date_field = spec.date_field or ("activity__starts_at" if self.slug == "attendance" else "")
        if date_field and self.filter_form.is_bound and self.filter_form.is_valid():
            data = self.filter_form.cleaned_data
            lookup = date_field + ("__date" if date_field.endswith(("_at", "starts_at")) else "")
            if data.get("date_from"):
                queryset = queryset.filter(**{f"{lookup}__gte": data["date_from"]})
            if data.get("date_to"):
                queryset = queryset.filter(**{f"{lookup}__lte": data["date_to"]})
        return (
            queryset.order_by(*self.spec.model._meta.ordering, "-id")
            if self.spec.model._meta.ordering
            else queryset.order_by("-id")
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        columns = LIST_COLUMNS[self.slug]
        council = self.request.user.is_commissioner_side
        rows = [
            {
                "url": r.get_absolute_url(),
                "cells": [show(r) for _h, show in columns],
                "party": (r.provider.name if council else r.commissioner.name)
                if self.spec.has_contract
                else "",
            }
            for r in context["object_list"]
        ]
        context.update(
            self.kind_context(),
            page_title=self.spec.noun_plural.capitalize(),
            headings=[h for h, _s in columns],
            rows=rows,
            party_heading=("Provider" if council else "Council") if self.spec.has_contract else "",
            filter_form=self.filter_form,
        )
        return context


class RecordDetailView(RecordKindMixin, ScopedViewMixin, DetailView):
    template_name = "records/record_detail.html"

    @property
    def model(self):
        return self.spec.model

    def get_context_data(self, **kwargs):
        obj = self.object
        fields = []
        for field in obj._meta.concrete_fields:
            if field.name in ("id", "created_at", "updated_at", "commissioner", "provider"):
                continue
            value = getattr(obj, field.name)
            if field.choices:
                shown = getattr(obj, f"get_{field.name}_display")() or "–"
            elif isinstance(value, bool) or value is None and field.get_internal_type() == "BooleanField":
                shown = _yes(value)
            elif isinstance(value, dt.date | dt.datetime):
                shown = _when(value)
            elif field.name == "response_seconds":
                shown = _minutes(value)
            else:
                shown = "–" if value in (None, "") else str(value)
            fields.append((str(field.verbose_name).capitalize(), shown))
        context = super().get_context_data(**kwargs)
        context.update(
            self.kind_context(),
            page_title=str(obj),
            fields=fields,
            audit_events=self.audit_events(obj),
        )
        if isinstance(obj, Activity):
            context["attendance"] = (
                scoped(ActivityAttendance, self.request.user)
                .filter(activity=obj)
                .select_related("service_user")
            )
            context["attended"] = context["attendance"].filter(attended=True).aggregate(n=Count("id"))["n"]
        return context


class RecordFormView(RecordKindMixin, ScopedViewMixin, FormView):
    template_name = "records/record_form.html"
    required_capability = Capability.PROVIDER_RECORD
    write_capability = Capability.PROVIDER_RECORD
    editing = False

    @property
    def model(self):
        return self.spec.model

    def get_form_class(self):
        return FORMS[self.slug]

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        if self.editing:
            kwargs["instance"] = self.object
            self.before = self.spec.snapshot(self.object)
        else:
            self.before = None
        return kwargs

    def get_initial(self):
        initial = super().get_initial()
        if self.slug == "attendance" and self.request.GET.get("activity", "").isdigit():
            initial["activity"] = self.request.GET["activity"]
        return initial

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            **self.kind_context(),
            page_title=(
                f"Change: {self.object}" if self.editing else f"Record {self.spec.noun_plural}"
            ).replace("Record attendance", "Record attendance at an activity"),
            editing=self.editing,
            **kwargs,
        )

    def form_valid(self, form):
        try:
            record = services.record_save(
                actor=self.request.user, spec=self.spec, instance=form.instance, before=self.before
            )
        except ValidationError as exc:
            apply_service_errors(form, exc, SERVICE_ERROR_FIELDS)
            return self.form_invalid(form)
        messages.success(self.request, "Saved.")
        return redirect(record.get_absolute_url())


def views_for(slug: str) -> dict:
    """The views of one kind of record, for records/urls.py."""
    kind = BY_SLUG[slug].kind
    return {
        "list": type(f"{slug}List", (RecordListView,), {"slug": slug}).as_view(),
        "detail": type(f"{slug}Detail", (RecordDetailView,), {"slug": slug}).as_view(),
        "create": type(f"{slug}Create", (RecordFormView,), {"slug": slug}).as_view(),
        "edit": type(f"{slug}Edit", (RecordFormView,), {"slug": slug, "editing": True}).as_view(),
        "upload": UploadView.as_view(kind=kind),
        "template": UploadTemplateView.as_view(kind=kind),
    }
