"""Pages of the NHS children's complex care `[001 Part 2]`: the commissioner (NHS) records
eligibility, health plans, clinical quality checks, mileage agreements and mobilisation plans; the
provider records nurse delegations, mileage claims and mobilisation progress. Every page reads
through the user's scope: a council's users reach none of it (404)."""

from django.urls import reverse
from django.utils import timezone
from django.views.generic import DetailView, TemplateView

from packages_of_care.models import ServiceUser
from portal.models import CommissionerType
from portal.roles import Capability
from portal.views import ScopedViewMixin, ServiceFormView

from . import selectors, services
from .forms import (
    AgencyCostForm,
    DelegationForm,
    EligibilityForm,
    HealthPlanForm,
    MileageAgreementForm,
    MileageClaimForm,
    MilestoneForm,
    MobilisationPlanForm,
    QualityCheckForm,
)
from .models import MileageAgreement, MobilisationMilestone, MobilisationPlan

COMMISSIONER_SIDE = (Capability.COMMISSION, Capability.BROKER)


class IndexView(ScopedViewMixin, TemplateView):
    """The people in continuing care, mileage agreements and mobilisation plans the user may see."""

    model = ServiceUser
    template_name = "continuing_care/index.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        today = timezone.localdate()
        people = [
            (
                p,
                selectors.rules.review_state(p.eligibility_review_due_on, today)
                if p.eligibility_review_due_on
                else "",
            )
            for p in selectors.people(user)
        ]
        return super().get_context_data(
            page_title="Children's continuing care",
            people=people,
            agreements=selectors.mileage_agreements(user),
            plans=selectors.mobilisation_plans(user),
            can_commission=user.can(Capability.COMMISSION),
            can_claim=user.can(Capability.PROVIDER_MANAGE),
            **kwargs,
        )


class PersonMixin(ScopedViewMixin):
    """A person of an NHS commissioner, in the user's scope (anyone else's: 404)."""

    model = ServiceUser

    def refine_queryset(self, queryset):
        return queryset.filter(commissioner__commissioner_type=CommissionerType.NHS).select_related(
            "commissioner"
        )


class PersonDetailView(PersonMixin, DetailView):
    template_name = "continuing_care/person_detail.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        person = self.object
        records = selectors.person_records(user, person, timezone.localdate())
        return super().get_context_data(
            page_title=f"{person.name}: continuing care",
            records=records,
            can_commission=user.is_commissioner_side and user.can(Capability.COMMISSION),
            can_broker=user.is_commissioner_side
            and (user.can(Capability.COMMISSION) or user.can(Capability.BROKER)),
            can_record=user.can(Capability.PROVIDER_RECORD),
            audit_events=selectors.person_trail(user, records),
            **kwargs,
        )


class PersonFormView(PersonMixin, ServiceFormView):
    def cancel_url(self):
        return reverse("continuing_care:person-detail", args=[self.object.pk])

    def success_url_for(self, result):
        return self.cancel_url()


class EligibilityRecordView(PersonFormView):
    form_class = EligibilityForm
    required_capability = write_capability = COMMISSIONER_SIDE
    title = "Record continuing care eligibility"
    intro = "The decision that the child is eligible for children's continuing care, and when it is reviewed."
    success_message = "The eligibility is recorded."

    def perform(self, form):
        return services.eligibility_record(
            actor=self.request.user, service_user=self.object, **form.cleaned_data
        )


class HealthPlanRecordView(PersonFormView):
    form_class = HealthPlanForm
    required_capability = write_capability = COMMISSIONER_SIDE
    title = "Record the individual health plan"
    success_message = "The health plan is recorded."

    def perform(self, form):
        return services.health_plan_record(
            actor=self.request.user, service_user=self.object, **form.cleaned_data
        )


class DelegationRecordView(PersonFormView):
    form_class = DelegationForm
    required_capability = write_capability = Capability.PROVIDER_RECORD
    title = "Record nurse delegation"
    intro = "Which tasks a registered nurse delegates to a health care assistant or nurse for this person."
    success_message = "The delegation is recorded."

    def perform(self, form):
        return services.delegation_record(
            actor=self.request.user, provider=self.request.user.organisation, service_user=self.object,
            **form.cleaned_data,
        )  # fmt: skip


class QualityCheckRecordView(PersonFormView):
    form_class = QualityCheckForm
    required_capability = write_capability = Capability.COMMISSION
    title = "Record a clinical quality check"
    intro = "The quality assurance team's check of the person's care against their individual health plan."
    success_message = "The quality check is recorded."

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "service_user": self.object}

    def perform(self, form):
        return services.quality_check_record(actor=self.request.user, **form.cleaned_data)


class MileageAgreementCreateView(ServiceFormView):
    model = MileageAgreement
    form_class = MileageAgreementForm
    required_capability = write_capability = Capability.COMMISSION
    title = "Agree mileage in advance"
    intro = "A provider may claim mileage only with your prior agreement [001 Part 2 §3.4]."
    success_message = "The mileage agreement is recorded."

    def cancel_url(self):
        return reverse("continuing_care:index")

    def perform(self, form):
        return services.mileage_agreement_create(actor=self.request.user, **form.cleaned_data)


class MileageAgreementDetailView(ScopedViewMixin, DetailView):
    model = MileageAgreement
    template_name = "continuing_care/mileage_agreement_detail.html"

    def refine_queryset(self, queryset):
        return queryset.select_related("contract__provider", "contract__commissioner", "service_user")

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            page_title=str(self.object),
            claims=self.object.claims.select_related("service_user"),
            audit_events=self.audit_events(self.object),
            **kwargs,
        )


class MileageClaimCreateView(ServiceFormView):
    model = MileageAgreement
    form_class = MileageClaimForm
    required_capability = write_capability = Capability.PROVIDER_MANAGE
    title = "Claim mileage"
    intro = "Mileage is paid only for journeys the commissioner agreed in advance: name the agreement."
    success_message = "The mileage claim is recorded."

    def cancel_url(self):
        return reverse("continuing_care:index")

    def perform(self, form):
        return services.mileage_claim_create(
            actor=self.request.user, provider=self.request.user.organisation, **form.cleaned_data
        )


class MobilisationPlanCreateView(ServiceFormView):
    model = MobilisationPlan
    form_class = MobilisationPlanForm
    required_capability = write_capability = Capability.COMMISSION
    title = "Start a 20-week mobilisation plan"
    success_message = "The mobilisation plan is made, with its milestones."

    def cancel_url(self):
        return reverse("continuing_care:index")

    def perform(self, form):
        return services.mobilisation_plan_create(actor=self.request.user, **form.cleaned_data)


class MobilisationDetailView(ScopedViewMixin, DetailView):
    model = MobilisationPlan
    template_name = "continuing_care/mobilisation_detail.html"

    def refine_queryset(self, queryset):
        return queryset.select_related("contract__provider", "contract__commissioner")

    def get_context_data(self, **kwargs):
        user = self.request.user
        return super().get_context_data(
            page_title=str(self.object),
            summary=selectors.plan_summary(self.object, timezone.localdate()),
            can_manage=user.is_provider_side and user.can(Capability.PROVIDER_MANAGE),
            audit_events=self.audit_events(self.object),
            **kwargs,
        )


class MilestoneUpdateView(ServiceFormView):
    model = MobilisationMilestone
    form_class = MilestoneForm
    required_capability = write_capability = Capability.PROVIDER_MANAGE
    title = "Report a milestone's progress"
    success_message = "The milestone is updated."

    def get_initial(self):
        return {"status": self.object.status, "completed_on": self.object.completed_on}

    def cancel_url(self):
        return self.object.get_absolute_url()

    def perform(self, form):
        return services.milestone_update(actor=self.request.user, milestone=self.object, **form.cleaned_data)


class AgencyCostRecordView(ServiceFormView):
    model = MobilisationPlan
    form_class = AgencyCostForm
    required_capability = write_capability = Capability.PROVIDER_MANAGE
    title = "Record agency staff costs"
    intro = "Agency staff hired to mobilise the package are your own cost: no part is passed to the NHS or the family."
    success_message = "The agency cost is recorded."

    def success_url_for(self, result):
        return self.cancel_url()

    def perform(self, form):
        return services.agency_cost_record(actor=self.request.user, plan=self.object, **form.cleaned_data)
