"""Provider compliance screens: the record per provider, ratings and notices, insurance,
policies, insurance requirements and weekly capacity."""

import datetime as dt

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.views.generic import DetailView, FormView, TemplateView

from portal.models import Organisation
from portal.roles import Capability
from portal.tenancy import scoped
from portal.views import ScopedActionView, ScopedListView, ScopedViewMixin

from . import selectors, services
from .forms import CapacityForm, InsuranceForm, NotificationSendForm, PolicyForm, RatingForm, RequirementForm
from .models import (
    CapacitySnapshot,
    InsuranceCertificate,
    InsuranceRequirement,
    ProviderPolicy,
    RatingChange,
    RatingNotification,
    monday_of,
)


def _add_errors(form, exc: ValidationError):
    if hasattr(exc, "message_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


class ProviderListView(ScopedListView):
    """The providers whose compliance the user sees, each with its gaps today."""

    model = Organisation
    template_name = "compliance/provider_list.html"
    paginate_by = 100

    def refine_queryset(self, queryset):
        return queryset.providers().order_by("name")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(page_title="Provider compliance", **kwargs)
        today = timezone.localdate()
        gaps = selectors.compliance_gaps(self.request.user, context["object_list"], today)
        context["rows"] = [gaps[p.pk] for p in context["object_list"]]
        return context


class ProviderComplianceView(ScopedViewMixin, DetailView):
    """One provider's compliance record: registration and rating, notices, insurance, policies,
    training and capacity."""

    model = Organisation
    template_name = "compliance/provider_detail.html"

    def refine_queryset(self, queryset):
        return queryset.providers()

    def get_context_data(self, **kwargs):
        user = self.request.user
        today = timezone.localdate()
        provider = self.object
        own = user.organisation_id == provider.pk
        return super().get_context_data(
            page_title=f"Compliance: {provider.name}",
            record=selectors.compliance_record(user, provider, today),
            own=own,
            can_manage=own and user.can(Capability.PROVIDER_MANAGE),
            can_record=own and user.can(Capability.PROVIDER_RECORD),
            today=today,
            **kwargs,
        )


class ProviderFormView(ScopedViewMixin, FormView):
    """A provider adds to its own compliance record."""

    model = RatingChange
    required_capability = Capability.PROVIDER_MANAGE
    write_capability = Capability.PROVIDER_MANAGE

    def record_url(self):
        return reverse("compliance:provider-detail", args=[self.request.user.organisation_id])

    def get_context_data(self, **kwargs):
        return super().get_context_data(back_url=self.record_url(), **kwargs)


class RatingCreateView(ProviderFormView):
    """Record a new CQC or Ofsted rating; below Good starts the 2-working-day notice `[002 §4.3]`."""

    form_class = RatingForm
    template_name = "compliance/form.html"

    def get_initial(self):
        org = self.request.user.organisation
        return {"location_id": org.cqc_location_id, "rated_on": timezone.localdate()}

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            page_title="Record a new rating",
            intro="A rating below Good must be notified to each council you hold a contract with within 2 "
            "working days, with an action plan [002 §4.3]: the portal sets the deadline and tells them.",
            **kwargs,
        )

    def form_valid(self, form):
        try:
            change = services.rating_record(
                actor=self.request.user, provider=self.request.user.organisation, **form.cleaned_data
            )
        except ValidationError as exc:
            _add_errors(form, exc)
            return self.form_invalid(form)
        if change.notify_by:
            messages.success(
                self.request,
                f"The rating is recorded. Tell each council and send your action plan by {change.notify_by:%A %d %B %Y}.",
            )
        else:
            messages.success(self.request, "The rating is recorded.")
        return redirect(self.record_url())


class RatingNotificationDetailView(ScopedViewMixin, DetailView):
    model = RatingNotification
    template_name = "compliance/notification_detail.html"

    def refine_queryset(self, queryset):
        return queryset.select_related("change", "commissioner", "provider", "notified_by", "accepted_by")

    def get_context_data(self, **kwargs):
        user = self.request.user
        n = self.object
        return super().get_context_data(
            page_title="Notice of a rating below Good",
            can_send=user.can(Capability.PROVIDER_MANAGE) and n.notified_at is None,
            can_accept=user.can(Capability.COMMISSION)
            and n.notified_at is not None
            and n.accepted_at is None,
            audit_events=self.audit_events(n),
            **kwargs,
        )


class RatingNotificationSendView(ScopedViewMixin, FormView):
    """The provider tells the council and attaches its action plan."""

    model = RatingNotification
    required_capability = Capability.PROVIDER_MANAGE
    write_capability = Capability.PROVIDER_MANAGE
    form_class = NotificationSendForm
    template_name = "compliance/notification_send.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            page_title="Send your notice and action plan", notification=self.object, **kwargs
        )

    def form_valid(self, form):
        try:
            services.rating_notification_send(
                actor=self.request.user,
                notification=self.object,
                action_plan=form.cleaned_data.get("action_plan"),
                summary=form.cleaned_data.get("summary", ""),
            )
        except ValidationError as exc:
            _add_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, f"{self.object.commissioner.name} has your notice and action plan.")
        return redirect(self.object.get_absolute_url())


class RatingNotificationAcceptView(ScopedActionView):
    model = RatingNotification
    write_capability = Capability.COMMISSION
    success_message = "The action plan is accepted; the provider is told."

    def perform(self, obj):
        services.rating_notification_accept(
            actor=self.request.user, notification=obj, response=self.request.POST.get("response", "")[:2000]
        )


class DocumentView(ScopedViewMixin, DetailView):
    """Download a stored document through the record's scope (never a public media URL)."""

    field = "document"

    def get(self, request, *args, **kwargs):
        stored = getattr(self.object, self.field)
        if not stored:
            raise Http404
        return FileResponse(stored.open("rb"), as_attachment=True, filename=stored.name.rsplit("/", 1)[-1])


class ActionPlanView(DocumentView):
    model = RatingNotification
    field = "action_plan"


class InsuranceDocumentView(DocumentView):
    model = InsuranceCertificate


class PolicyDocumentView(DocumentView):
    model = ProviderPolicy


class InsuranceCreateView(ProviderFormView):
    model = InsuranceCertificate
    form_class = InsuranceForm
    template_name = "compliance/form.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            page_title="Add an insurance certificate",
            intro="A renewal is a new certificate: the latest to expire of each kind is the one in force.",
            multipart=True,
            **kwargs,
        )

    def form_valid(self, form):
        try:
            services.insurance_certificate_add(
                actor=self.request.user, provider=self.request.user.organisation, **form.cleaned_data
            )
        except ValidationError as exc:
            _add_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, "The certificate is added.")
        return redirect(self.record_url())


class PolicyCreateView(ProviderFormView):
    model = ProviderPolicy
    form_class = PolicyForm
    template_name = "compliance/form.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            page_title="Add a policy",
            intro="A new version of a policy is a new record: the latest approved of each kind is current.",
            multipart=True,
            **kwargs,
        )

    def form_valid(self, form):
        try:
            services.policy_add(
                actor=self.request.user, provider=self.request.user.organisation, **form.cleaned_data
            )
        except ValidationError as exc:
            _add_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, "The policy is added.")
        return redirect(self.record_url())


class RequirementListView(ScopedListView, FormView):
    """The insurance each council requires; a council sets its own here."""

    model = InsuranceRequirement
    template_name = "compliance/requirement_list.html"
    write_capability = Capability.COMMISSION
    form_class = RequirementForm
    paginate_by = None

    def refine_queryset(self, queryset):
        return queryset.select_related("commissioner")

    def get_context_data(self, **kwargs):
        if not hasattr(self, "object_list"):
            self.object_list = self.get_queryset()
        return super().get_context_data(
            page_title="Insurance requirements",
            can_edit=self.request.user.can(Capability.COMMISSION),
            **kwargs,
        )

    def post(self, request, *args, **kwargs):
        form = self.get_form()
        if not form.is_valid():
            return self.form_invalid(form)
        try:
            services.insurance_requirement_set(
                actor=request.user, commissioner=request.user.organisation, **form.cleaned_data
            )
        except ValidationError as exc:
            _add_errors(form, exc)
            return self.form_invalid(form)
        messages.success(request, "The requirement is saved.")
        return redirect("compliance:requirement-list")

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs.pop("instance", None)
        return kwargs

    def form_invalid(self, form):
        self.object_list = self.get_queryset()
        return self.render_to_response(self.get_context_data(form=form))


class RequirementRemoveView(ScopedActionView):
    model = InsuranceRequirement
    write_capability = Capability.COMMISSION
    success_message = "The requirement is removed."

    def perform(self, obj):
        if obj.commissioner_id != self.request.user.organisation_id:
            raise PermissionDenied
        services.insurance_requirement_remove(actor=self.request.user, requirement=obj)

    def get_success_url(self):
        return reverse("compliance:requirement-list")


WEEKS_SHOWN = 6


class CapacityView(ScopedViewMixin, TemplateView):
    """Weekly capacity `[003 §4.1]`: a provider's own reports; a council's view by lot and week,
    with who has not reported."""

    model = CapacitySnapshot
    template_name = "compliance/capacity.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        this_week = monday_of(timezone.localdate())
        weeks = [this_week - dt.timedelta(weeks=i) for i in range(WEEKS_SHOWN)]
        context = {"page_title": "Weekly capacity", "weeks": weeks, "this_week": this_week}
        if user.is_commissioner_side:
            context["overview"] = selectors.capacity_overview(user, weeks)
        elif user.is_provider_side:
            context["snapshots"] = (
                scoped(CapacitySnapshot, user)
                .filter(week_starting__gte=weeks[-1])
                .select_related("lot", "lot__framework")
                .order_by("-week_starting", "lot__position", "area")
            )
            context["missing"] = selectors.capacity_missing_for_provider(user.organisation, this_week)
            context["can_record"] = user.can(Capability.PROVIDER_RECORD)
        return super().get_context_data(**context, **kwargs)


class CapacityCreateView(ScopedViewMixin, FormView):
    model = CapacitySnapshot
    required_capability = Capability.PROVIDER_RECORD
    write_capability = Capability.PROVIDER_RECORD
    form_class = CapacityForm
    template_name = "compliance/form.html"

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["lots"] = services.lots_for_capacity(self.request.user.organisation)
        return kwargs

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            page_title="Report capacity",
            intro="The care hours you could take on in an area this week, for each lot you are on [003 §4.1]. "
            "Reporting the same week and area again replaces the figure.",
            back_url=reverse("compliance:capacity"),
            **kwargs,
        )

    def form_valid(self, form):
        try:
            _snapshot, created = services.capacity_report(
                actor=self.request.user, provider=self.request.user.organisation, **form.cleaned_data
            )
        except ValidationError as exc:
            _add_errors(form, exc)
            return self.form_invalid(form)
        messages.success(
            self.request, "Your capacity is reported." if created else "Your capacity is updated."
        )
        return redirect("compliance:capacity")
