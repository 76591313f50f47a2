"""Provider compliance screens: the record per provider, ratings and notices, insurance,
policies, insurance requirements and weekly capacity."""

import datetime as dt

from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.views.generic import DetailView, TemplateView

from portal.access_log.models import AccessAction
from portal.access_log.recording import record_read
from portal.api.filters import ProviderFilter
from portal.models import Organisation
from portal.roles import Capability
from portal.tenancy import scoped
from portal.views import ScopedActionView, ScopedListView, ScopedViewMixin, ServiceFormView

from . import selectors, services
from .api.filters import InsuranceRequirementFilter, ProviderDutyFilter
from .forms import (
    ActionPlanForm,
    CapacityForm,
    ComplianceTermsForm,
    DutyForm,
    InsuranceForm,
    NotificationSendForm,
    PolicyForm,
    RatingForm,
    RequirementForm,
    TimescaleForm,
)
from .models import (
    CapacitySnapshot,
    ComplianceTerms,
    DutyKind,
    DutyStatus,
    InsuranceCertificate,
    InsuranceRequirement,
    NoticeStatus,
    ProviderDuty,
    ProviderPolicy,
    RatingChange,
    RatingNotification,
    monday_of,
)


class ProviderListView(ScopedListView):
    """The providers whose compliance the user sees, each with its gaps today."""

    model = Organisation
    template_name = "compliance/provider_list.html"
    paginate_by = 100
    filterset_class = ProviderFilter
    filter_fields = ("name", "cqc_rating")

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


class ProviderFormView(ServiceFormView):
    """A provider adds to its own compliance record; back to the record afterwards."""

    model = RatingChange
    required_capability = write_capability = Capability.PROVIDER_MANAGE

    def cancel_url(self):
        return reverse("compliance:provider-detail", args=[self.request.user.organisation_id])

    def success_url_for(self, result):
        return self.cancel_url()

    def perform(self, form):
        return self.service(
            actor=self.request.user, provider=self.request.user.organisation, **form.cleaned_data
        )

    def service(self, **kwargs):  # pragma: no cover - subclasses implement
        raise NotImplementedError


class RatingCreateView(ProviderFormView):
    """Record an inspection's outcome; each council's terms say what notice it is owed
    `[004 §8.1.7]`, `[002 §4.3]`."""

    form_class = RatingForm
    title = "Record an inspection's outcome"
    intro = (
        "Each council you hold a contract with is owed what its contract says: some every inspection's "
        "outcome and report within 24 hours of receiving it [004 §8.1.7], some a rating below Good within "
        "2 working days with an action plan on a timescale they agree [002 §4.3]. The portal sets each "
        "deadline and tells them."
    )
    service = staticmethod(services.rating_record)

    def get_initial(self):
        org = self.request.user.organisation
        return {"location_id": org.cqc_location_id, "rated_on": timezone.localdate()}

    def get_success_message(self, result):
        if result.notify_by:
            return f"The rating is recorded. Your first notice is due by {result.notify_by:%A %d %B %Y}."
        return "The rating is recorded."


class RatingNotificationDetailView(ScopedViewMixin, DetailView):
    model = RatingNotification
    template_name = "compliance/notification_detail.html"

    def refine_queryset(self, queryset):
        return queryset.select_related("change", "commissioner", "provider", "notified_by", "accepted_by")

    def get_context_data(self, **kwargs):
        user = self.request.user
        n = self.object
        manage = user.can(Capability.PROVIDER_MANAGE) and n.provider_id == user.organisation_id
        council = user.can(Capability.COMMISSION) and n.commissioner_id == user.organisation_id
        return super().get_context_data(
            page_title="Notice of an inspection",
            can_send=manage and n.status == NoticeStatus.DUE,
            can_send_plan=manage
            and n.plan_required
            and n.status in (NoticeStatus.SENT, NoticeStatus.RETURNED),
            can_agree=council and n.plan_required and n.status != NoticeStatus.ACCEPTED,
            can_answer=council and n.status == NoticeStatus.PLAN_SENT,
            audit_events=self.audit_events(n),
            **kwargs,
        )


class RatingNotificationSendView(ServiceFormView):
    """The provider tells the council the outcome, with the report; the plan may follow."""

    model = RatingNotification
    required_capability = write_capability = Capability.PROVIDER_MANAGE
    form_class = NotificationSendForm
    title = "Send your notice"
    submit_label = "Send"

    def caption(self):
        return f"To {self.object.commissioner.name}"

    def get_context_data(self, **kwargs):
        change, notice = self.object.change, self.object
        due = timezone.localtime(notice.due_at) if notice.due_at else None
        intro = (
            f"Your {change.get_regulator_display()} rating of {change.get_rating_display()} "
            f"({change.rated_on.day} {change.rated_on:%B %Y}) must be notified by "
            + (f"{due:%H:%M on %A} {due.day} {due:%B %Y}" if due else f"{notice.due_on:%A %d %B %Y}")
            + (". Attach the inspection report [004 §8.1.7]." if notice.report_required else ".")
            + (
                " Your action plan may follow on the timescale the council agrees [002 §4.3]."
                if notice.plan_required
                else ""
            )
        )
        return super().get_context_data(intro=intro, **kwargs)

    def perform(self, form):
        return services.rating_notification_send(
            actor=self.request.user,
            notification=self.object,
            summary=form.cleaned_data.get("summary", ""),
            report=form.cleaned_data.get("report"),
            action_plan=form.cleaned_data.get("action_plan"),
        )

    def get_success_message(self, result):
        return f"{result.commissioner.name} has your notice."


class ActionPlanSendView(ServiceFormView):
    """The provider sends its action plan, first or again after the council returned it."""

    model = RatingNotification
    required_capability = write_capability = Capability.PROVIDER_MANAGE
    form_class = ActionPlanForm
    title = "Send your action plan"
    submit_label = "Send"

    def caption(self):
        return f"To {self.object.commissioner.name}"

    def perform(self, form):
        return services.rating_notification_submit_plan(
            actor=self.request.user, notification=self.object, **form.cleaned_data
        )

    def get_success_message(self, result):
        return f"{result.commissioner.name} has your action plan."


class TimescaleView(ServiceFormView):
    """The council agrees when the action plan is due `[002 §4.3]`."""

    model = RatingNotification
    required_capability = write_capability = Capability.COMMISSION
    form_class = TimescaleForm
    title = "Agree the action plan's timescale"
    submit_label = "Agree"
    success_message = "The timescale is agreed; the provider is told."

    def perform(self, form):
        return services.rating_notification_agree_timescale(
            actor=self.request.user, notification=self.object, **form.cleaned_data
        )


class RatingNotificationReturnView(ScopedActionView):
    model = RatingNotification
    write_capability = Capability.COMMISSION
    success_message = "The action plan is returned with your comments; the provider is told."
    service = staticmethod(services.rating_notification_return)
    record_argument = "notification"
    posted_texts = {"response": 2000}


class RatingNotificationAcceptView(ScopedActionView):
    model = RatingNotification
    write_capability = Capability.COMMISSION
    success_message = "The action plan is accepted; the provider is told."
    service = staticmethod(services.rating_notification_accept)
    record_argument = "notification"
    posted_texts = {"response": 2000}


class DocumentView(ScopedViewMixin, DetailView):
    """Download a stored document through the record's scope (never a public media URL)."""

    field = "document"

    def get(self, request, *args, **kwargs):
        stored = getattr(self.object, self.field)
        if not stored:
            raise Http404
        record_read(
            request,
            action=AccessAction.DOWNLOADED,
            what=f"{self.object._meta.verbose_name} document",
            model=type(self.object),
            ids=[self.object.pk],
            rows=1,
        )
        return FileResponse(stored.open("rb"), as_attachment=True, filename=stored.name.rsplit("/", 1)[-1])


class ActionPlanView(DocumentView):
    model = RatingNotification
    field = "action_plan"


class InspectionReportView(DocumentView):
    model = RatingNotification
    field = "report"


class InsuranceDocumentView(DocumentView):
    model = InsuranceCertificate


class PolicyDocumentView(DocumentView):
    model = ProviderPolicy


class InsuranceCreateView(ProviderFormView):
    model = InsuranceCertificate
    form_class = InsuranceForm
    title = "Add an insurance certificate"
    intro = "A renewal is a new certificate: the latest to expire of each kind is the one in force."
    success_message = "The certificate is added."
    service = staticmethod(services.insurance_certificate_add)


class PolicyCreateView(ProviderFormView):
    model = ProviderPolicy
    form_class = PolicyForm
    title = "Add a policy"
    intro = "A new version of a policy is a new record: the latest approved of each kind is current."
    success_message = "The policy is added."
    service = staticmethod(services.policy_add)


class RequirementListView(ScopedListView, ServiceFormView):
    """The insurance each council requires; a council sets its own here."""

    model = InsuranceRequirement
    template_name = "compliance/requirement_list.html"
    required_capability = Capability.VIEW
    write_capability = Capability.COMMISSION
    form_class = RequirementForm
    paginate_by = None
    filterset_class = InsuranceRequirementFilter
    filter_fields = ("insurance_kind",)
    success_message = "The requirement is saved."
    success_url = reverse_lazy("compliance:requirement-list")

    def refine_queryset(self, queryset):
        return queryset.select_related("commissioner")

    def get_context_data(self, **kwargs):
        if not hasattr(self, "object_list"):  # a refused POST shows the list again
            self.object_list = self.get_queryset()
        return super().get_context_data(
            page_title="Insurance requirements",
            can_edit=self.request.user.can(Capability.COMMISSION),
            **kwargs,
        )

    def perform(self, form):
        return services.insurance_requirement_set(
            actor=self.request.user, commissioner=self.request.user.organisation, **form.cleaned_data
        )


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


class CapacityCreateView(ServiceFormView):
    model = CapacitySnapshot
    required_capability = write_capability = Capability.PROVIDER_RECORD
    form_class = CapacityForm
    title = "Report capacity"
    intro = (
        "The care hours you could take on in an area this week, for each lot you are on [003 §4.1]. "
        "Reporting the same week and area again replaces the figure."
    )
    success_url = reverse_lazy("compliance:capacity")

    def get_form_kwargs(self):
        return {
            **super().get_form_kwargs(),
            "lots": selectors.lots_for_capacity(self.request.user.organisation),
        }

    def cancel_url(self):
        return str(self.success_url)

    def perform(self, form):
        return services.capacity_report(
            actor=self.request.user, provider=self.request.user.organisation, **form.cleaned_data
        )

    def get_success_message(self, result):
        _snapshot, created = result
        return "Your capacity is reported." if created else "Your capacity is updated."


class ComplianceTermsView(ScopedListView, ServiceFormView):
    """Each council's compliance terms (what its contracts ask of notices, its safeguarding
    contact, the self-assessment's interval); a council sets its own here."""

    model = ComplianceTerms
    template_name = "compliance/terms.html"
    required_capability = Capability.VIEW
    write_capability = Capability.COMMISSION
    form_class = ComplianceTermsForm
    paginate_by = None
    success_message = "Your compliance terms are saved."
    success_url = reverse_lazy("compliance:terms")

    def refine_queryset(self, queryset):
        return queryset.select_related("commissioner")

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        own = ComplianceTerms.objects.filter(commissioner_id=self.request.user.organisation_id).first()
        if own is not None and self.request.method == "GET":
            kwargs["initial"] = {f: getattr(own, f) for f in services.duties.TERMS_FIELDS}
        return kwargs

    def get_context_data(self, **kwargs):
        if not hasattr(self, "object_list"):  # a refused POST shows the list again
            self.object_list = self.get_queryset()
        return super().get_context_data(
            page_title="Compliance terms",
            can_edit=self.request.user.can(Capability.COMMISSION),
            **kwargs,
        )

    def perform(self, form):
        return services.compliance_terms_set(
            actor=self.request.user, commissioner=self.request.user.organisation, **form.cleaned_data
        )


class DutyListView(ScopedListView):
    """Notices and returns a provider owes its councils, with their due dates."""

    model = ProviderDuty
    template_name = "compliance/duty_list.html"
    filterset_class = ProviderDutyFilter
    filter_fields = ("kind", "status")

    def refine_queryset(self, queryset):
        return queryset.select_related("provider", "commissioner").order_by("status", "due_on", "id")

    def get_context_data(self, **kwargs):
        user = self.request.user
        return super().get_context_data(
            page_title="Notices and returns to councils",
            can_add=user.is_provider_side and user.can(Capability.PROVIDER_MANAGE),
            today=timezone.localdate(),
            **kwargs,
        )


class DutyCreateView(ServiceFormView):
    model = ProviderDuty
    required_capability = write_capability = Capability.PROVIDER_MANAGE
    form_class = DutyForm
    title = "Record a notice or return to a council"
    intro = (
        "A significant change is notified at once [004 §3.4.1]; a serious-harm review's start and outcome "
        "by the next working day [004 §8.2.2]; the named safeguarding lead and any change of them at once "
        "[002 §4.8]; the self-assessment yearly [002 §5]; consent to sub-contract before the sub-contractor "
        "starts [002 §6.4], [003 §11]."
    )
    success_message = "It is recorded with its due date."

    def cancel_url(self):
        return reverse("compliance:duty-list")

    def perform(self, form):
        return services.duty_record(
            actor=self.request.user, provider=self.request.user.organisation, **form.cleaned_data
        )


class DutyDetailView(ScopedViewMixin, DetailView):
    model = ProviderDuty
    template_name = "compliance/duty_detail.html"

    def refine_queryset(self, queryset):
        return queryset.select_related("provider", "commissioner")

    def get_context_data(self, **kwargs):
        user, duty = self.request.user, self.object
        return super().get_context_data(
            page_title=duty.get_kind_display(),
            can_send=user.can(Capability.PROVIDER_MANAGE)
            and duty.provider_id == user.organisation_id
            and duty.status == DutyStatus.DUE,
            can_decide=user.can(Capability.COMMISSION)
            and duty.commissioner_id == user.organisation_id
            and duty.kind == DutyKind.SUBCONTRACTING
            and duty.status == DutyStatus.DONE,
            is_late=duty.status == DutyStatus.DUE and duty.due_on < timezone.localdate(),
            audit_events=self.audit_events(duty),
            **kwargs,
        )


class DutySendView(ScopedActionView):
    model = ProviderDuty
    write_capability = Capability.PROVIDER_MANAGE
    success_message = "It is sent to the council."
    service = staticmethod(services.duty_send)
    record_argument = "duty"
    posted_texts = {"note": 2000}


class DutyDecideView(ScopedActionView):
    model = ProviderDuty
    write_capability = Capability.COMMISSION
    success_message = "Your answer is sent to the provider."

    def perform(self, obj):
        return services.duty_decide(
            actor=self.request.user,
            duty=obj,
            consent=self.request.POST.get("consent") == "yes",
            response=self.request.POST.get("response", "")[:2000],
        )
