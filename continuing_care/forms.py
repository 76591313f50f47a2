"""Forms of the NHS children's complex care pages."""

from django import forms

from packages_of_care.models import ServiceUser
from portal.forms import DateInput, PortalFormMixin
from portal.models import CommissionerType, Organisation
from portal.roles import OrganisationKind
from schemes.models import Contract

from .models import CareWorkerRole, CheckOutcome, IndividualHealthPlan, MileageAgreement, MilestoneStatus


class EligibilityForm(PortalFormMixin, forms.Form):
    decided_on = forms.DateField(label="Eligibility decided on", widget=DateInput())
    review_due_on = forms.DateField(
        label="Review due on", widget=DateInput(), help_text="You are alerted four weeks before."
    )
    notes = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))


class HealthPlanForm(PortalFormMixin, forms.Form):
    agreed_on = forms.DateField(widget=DateInput())
    review_due_on = forms.DateField(required=False, widget=DateInput())
    summary = forms.CharField(
        label="Health needs and outcomes", widget=forms.Textarea(attrs={"rows": 6}),
        help_text="What the care must achieve: the provider's care is checked against this plan.",
    )  # fmt: skip


class DelegationForm(PortalFormMixin, forms.Form):
    overseeing_nurse = forms.CharField(label="Registered nurse overseeing", max_length=150)
    nurse_pin = forms.CharField(label="Nurse's NMC PIN", max_length=12, required=False)
    care_worker = forms.CharField(label="Care worker the tasks are delegated to", max_length=150)
    care_worker_role = forms.ChoiceField(label="Care worker is a", choices=CareWorkerRole.choices)
    tasks = forms.CharField(label="Tasks delegated", widget=forms.Textarea(attrs={"rows": 3}))
    delegated_on = forms.DateField(widget=DateInput())
    competence_review_on = forms.DateField(
        label="Competence next checked on", required=False, widget=DateInput()
    )


class QualityCheckForm(PortalFormMixin, forms.Form):
    health_plan = forms.ModelChoiceField(
        queryset=IndividualHealthPlan.objects.all(), label="Checked against plan"
    )
    provider = forms.ModelChoiceField(queryset=Organisation.objects.filter(kind=OrganisationKind.PROVIDER))
    checked_on = forms.DateField(widget=DateInput())
    checked_by = forms.CharField(label="Clinician", max_length=150)
    findings = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}))
    outcome = forms.ChoiceField(choices=CheckOutcome.choices)
    actions = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))
    actions_due_on = forms.DateField(label="Actions due by", required=False, widget=DateInput())

    def __init__(self, *args, service_user: ServiceUser, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["health_plan"]
        field.queryset = field.queryset.filter(service_user=service_user)  # type: ignore[attr-defined]
        providers = self.fields["provider"]
        providers.queryset = providers.queryset.filter(  # type: ignore[attr-defined]
            orders_held__service_user=service_user
        ).distinct()


class MileageAgreementForm(PortalFormMixin, forms.Form):
    contract = forms.ModelChoiceField(queryset=Contract.objects.select_related("provider"))
    service_user = forms.ModelChoiceField(
        queryset=ServiceUser.objects.filter(commissioner__commissioner_type=CommissionerType.NHS),
        required=False, label="Person", help_text="Leave empty to cover every person on the contract.",
    )  # fmt: skip
    reference = forms.CharField(max_length=40)
    purpose = forms.CharField(label="Journeys agreed", max_length=300)
    agreed_on = forms.DateField(widget=DateInput())
    valid_from = forms.DateField(widget=DateInput())
    valid_to = forms.DateField(widget=DateInput())
    rate_per_mile = forms.DecimalField(label="Rate per mile (£)", max_digits=5, decimal_places=2, min_value=0)
    max_miles = forms.DecimalField(label="Miles covered in all", max_digits=8, decimal_places=1, min_value=0)


class MileageClaimForm(PortalFormMixin, forms.Form):
    agreement = forms.ModelChoiceField(
        queryset=MileageAgreement.objects.all(), required=False, label="Mileage agreement",
        help_text="Mileage is paid only under the commissioner's prior agreement [001 Part 2 §3.4].",
    )  # fmt: skip
    service_user = forms.ModelChoiceField(
        queryset=ServiceUser.objects.filter(commissioner__commissioner_type=CommissionerType.NHS),
        label="Person",
    )
    travelled_on = forms.DateField(widget=DateInput())
    miles = forms.DecimalField(max_digits=7, decimal_places=1, min_value=0)
    journey = forms.CharField(max_length=300)


class MobilisationPlanForm(PortalFormMixin, forms.Form):
    contract = forms.ModelChoiceField(
        queryset=Contract.objects.select_related("provider"),
        help_text="The plan runs 20 weeks from the contract's start.",
    )


class MilestoneForm(PortalFormMixin, forms.Form):
    status = forms.ChoiceField(choices=MilestoneStatus.choices)
    completed_on = forms.DateField(required=False, widget=DateInput())


class AgencyCostForm(PortalFormMixin, forms.Form):
    incurred_on = forms.DateField(widget=DateInput())
    amount = forms.DecimalField(label="Amount (£)", max_digits=10, decimal_places=2, min_value=0)
    description = forms.CharField(max_length=300)
