"""Children's complex care commissioned by the NHS: Part 2 of Dorset's children's lot `[001 Part 2]`,
now the integrated care board's own lot (Complex care – domiciliary, CCG only `[003 App. 1 lot 20]`).

What Part 2 adds to a package of care: the person's continuing-care eligibility (decided, and
reviewed) `[001 P2 §1.3]`, their individual health plan that performance is monitored against
`[001 P2 §3.2]`, nurse oversight — which health care assistant works under which registered nurse
`[001 P2 §1.3-1.4]` — the commissioner's clinical quality checks against the plan `[001 P2 §3.2]`,
mileage paid only by the commissioner's prior agreement `[001 P2 §3.4]`, and the 20-week
mobilisation, during which agency staff are the provider's cost `[001 P2 §4.4]`.

Everything here belongs to the commissioner of the person or contract and the provider
delivering the care: an NHS commissioner's records are never seen by a council, because tenancy
is by commissioning organisation (`portal.tenancy`).
"""

from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Exists, OuterRef

from packages_of_care.models import IndividualServiceOrder, ServiceUser
from portal.modelbases import DetailPage, PairParties, Timestamped
from portal.models import Organisation, User
from portal.tenancy import PairQuerySet, TenantQuerySet
from schemes.models import Contract


class PersonRecordQuerySet(TenantQuerySet):
    """Records about one person: the person's commissioner sees them, and so does a provider
    holding a live order for the person."""

    commissioner_lookup = "service_user__commissioner"

    def for_provider(self, organisation):
        live = IndividualServiceOrder.objects.live().filter(
            service_user=OuterRef("service_user"), provider=organisation
        )
        return self.filter(Exists(live))


class PersonRecord(Timestamped):
    service_user = models.ForeignKey(ServiceUser, on_delete=models.PROTECT, related_name="+")

    class Meta:
        abstract = True

    def audit_parties(self):
        return self.service_user.commissioner_id, None


class ContinuingCareEligibility(DetailPage, PersonRecord):
    """The commissioner's decision that a child is eligible for continuing care, and when it is next
    reviewed `[001 P2 §1.3]`. A new decision (after a review) is a new row; the latest is current."""

    decided_on = models.DateField(help_text="The date of the eligibility decision.")
    review_due_on = models.DateField(help_text="When the eligibility is to be reviewed.")
    notes = models.TextField(blank=True)
    recorded_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    objects = PersonRecordQuerySet.as_manager()
    detail_view = "continuing_care:person-detail"

    class Meta:
        ordering = ["service_user", "-decided_on"]
        verbose_name_plural = "continuing care eligibilities"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(review_due_on__gt=models.F("decided_on")),
                name="eligibility_review_after_decision",
            ),
            models.UniqueConstraint(
                fields=["service_user", "decided_on"], name="eligibility_unique_decision"
            ),
        ]

    def __str__(self) -> str:
        return f"Continuing care eligibility decided {self.decided_on:%d %b %Y}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("continuing_care:person-detail", args=[self.service_user_id])


class IndividualHealthPlan(PersonRecord):
    """The person's individual health plan (the agreed health care outcome plan), against which the
    provider's care is monitored `[001 P2 §3.2]`, `[003 App. 1 lot 20]`. Versions are rows."""

    version = models.PositiveSmallIntegerField()
    agreed_on = models.DateField()
    review_due_on = models.DateField(null=True, blank=True)
    summary = models.TextField(help_text="The health needs and the outcomes the care is to meet.")
    recorded_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    objects = PersonRecordQuerySet.as_manager()

    class Meta:
        ordering = ["service_user", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["service_user", "version"], name="health_plan_unique_version")
        ]

    def __str__(self) -> str:
        return f"Health plan v{self.version} agreed {self.agreed_on:%d %b %Y}"


class CareWorkerRole(models.TextChoices):
    # "Care and Support Workers" include both `[001 P2 §1.4]`.
    HCA = "hca", "Health care assistant"
    RN = "rn", "Registered nurse"


class NurseDelegationQuerySet(TenantQuerySet):
    commissioner_lookup = "service_user__commissioner"
    provider_lookup = "provider"


class NurseDelegation(DetailPage, Timestamped):
    """Nurse oversight for one person: a registered nurse delegates named tasks to a care worker
    (health care assistant or nurse), recorded by the provider `[001 P2 §1.3-1.4]`."""

    service_user = models.ForeignKey(ServiceUser, on_delete=models.PROTECT, related_name="+")
    provider = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    overseeing_nurse = models.CharField(
        max_length=150, help_text="The registered nurse (name or staff reference)."
    )
    nurse_pin = models.CharField("NMC PIN", max_length=12, blank=True)
    care_worker = models.CharField(
        max_length=150, help_text="Who the tasks are delegated to (name or staff reference)."
    )
    care_worker_role = models.CharField(max_length=3, choices=CareWorkerRole.choices)
    tasks = models.TextField(help_text="The clinical tasks delegated, e.g. gastrostomy feeding, suction.")
    delegated_on = models.DateField()
    competence_review_on = models.DateField(
        null=True, blank=True, help_text="When competence is next checked."
    )
    ended_on = models.DateField(null=True, blank=True)
    recorded_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    objects = NurseDelegationQuerySet.as_manager()

    class Meta:
        ordering = ["service_user", "-delegated_on"]

    def __str__(self) -> str:
        return f"{self.overseeing_nurse} → {self.care_worker} ({self.get_care_worker_role_display()})"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("continuing_care:person-detail", args=[self.service_user_id])

    def audit_parties(self):
        return self.service_user.commissioner_id, self.provider_id


class CheckOutcome(models.TextChoices):
    MET = "met", "Care meets the plan"
    PARTLY_MET = "partly_met", "Care partly meets the plan: actions set"
    NOT_MET = "not_met", "Care does not meet the plan: actions set"


class ClinicalQualityCheck(DetailPage, Timestamped):
    """The commissioner's quality assurance team checks a person's care against their individual
    health plan `[001 P2 §3.2]`: what was found, the outcome, and the actions with a date."""

    service_user = models.ForeignKey(ServiceUser, on_delete=models.PROTECT, related_name="+")
    provider = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    health_plan = models.ForeignKey(IndividualHealthPlan, on_delete=models.PROTECT, related_name="checks")
    checked_on = models.DateField()
    checked_by = models.CharField(max_length=150, help_text="The clinician who carried out the check.")
    findings = models.TextField()
    outcome = models.CharField(max_length=12, choices=CheckOutcome.choices)
    actions = models.TextField(
        blank=True, help_text="What the provider must do (required unless the plan is met)."
    )
    actions_due_on = models.DateField(null=True, blank=True)
    recorded_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    objects = NurseDelegationQuerySet.as_manager()

    class Meta:
        ordering = ["-checked_on"]

    def __str__(self) -> str:
        return f"Clinical quality check {self.checked_on:%d %b %Y}: {self.get_outcome_display()}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("continuing_care:person-detail", args=[self.service_user_id])

    def audit_parties(self):
        return self.service_user.commissioner_id, self.provider_id


class MileageAgreement(DetailPage, PairParties, Timestamped):
    """The commissioner's prior agreement to pay mileage under a contract: the only way a provider
    may claim mileage `[001 P2 §3.4]`. Dated, with a rate and a cap on the miles it covers."""

    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="mileage_agreements")
    service_user = models.ForeignKey(
        ServiceUser, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        help_text="Leave empty for an agreement covering every person on the contract.",
    )  # fmt: skip
    reference = models.CharField(max_length=40)
    purpose = models.CharField(
        max_length=300, help_text="What journeys are agreed, e.g. escorting to hospital."
    )
    agreed_on = models.DateField()
    valid_from = models.DateField()
    valid_to = models.DateField()
    rate_per_mile = models.DecimalField(
        max_digits=5, decimal_places=2, validators=[MinValueValidator(Decimal("0"))]
    )
    max_miles = models.DecimalField(
        max_digits=8, decimal_places=1, validators=[MinValueValidator(Decimal("0"))],
        help_text="The most miles the agreement covers in all.",
    )  # fmt: skip
    agreed_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    objects = PairQuerySet.as_manager()
    pair_via = "contract"
    detail_view = "continuing_care:mileage-agreement-detail"

    class Meta:
        ordering = ["contract", "-valid_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["contract", "reference"], name="mileage_agreement_unique_reference"
            ),
            models.CheckConstraint(
                condition=models.Q(valid_to__gte=models.F("valid_from")), name="mileage_agreement_dates"
            ),
        ]

    def __str__(self) -> str:
        return f"Mileage agreement {self.reference}"


class MileageClaim(DetailPage, PairParties, Timestamped):
    """Miles the provider claims, naming the agreement that allows them `[001 P2 §3.4]`."""

    agreement = models.ForeignKey(MileageAgreement, on_delete=models.PROTECT, related_name="claims")
    service_user = models.ForeignKey(ServiceUser, on_delete=models.PROTECT, related_name="+")
    travelled_on = models.DateField()
    miles = models.DecimalField(
        max_digits=7, decimal_places=1, validators=[MinValueValidator(Decimal("0.1"))]
    )
    amount = models.DecimalField(max_digits=9, decimal_places=2)
    journey = models.CharField(max_length=300)
    claimed_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    objects = PairQuerySet.as_manager()
    pair_via = "agreement__contract"
    detail_view = "continuing_care:mileage-agreement-detail"

    class Meta:
        ordering = ["-travelled_on"]

    def __str__(self) -> str:
        return f"{self.miles} miles on {self.travelled_on:%d %b %Y}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("continuing_care:mileage-agreement-detail", args=[self.agreement_id])

    def audit_parties(self):
        contract = self.agreement.contract
        return contract.commissioner_id, contract.provider_id


class MobilisationPlan(DetailPage, PairParties, Timestamped):
    """The 20-week mobilisation of a contract's packages of care `[001 P2 §4.4]`: milestones with
    due dates counted in weeks from the contract's start, and the agency staff the provider hired
    meanwhile — always the provider's cost, never the commissioner's or the family's."""

    contract = models.OneToOneField(Contract, on_delete=models.PROTECT, related_name="mobilisation_plan")
    starts_on = models.DateField(help_text="Week 1 begins here: the contract's start.")
    weeks = models.PositiveSmallIntegerField(default=20)

    objects = PairQuerySet.as_manager()
    pair_via = "contract"
    detail_view = "continuing_care:mobilisation-detail"

    def __str__(self) -> str:
        return f"Mobilisation of {self.contract.reference}"


class MilestoneStatus(models.TextChoices):
    NOT_STARTED = "not_started", "Not started"
    IN_PROGRESS = "in_progress", "In progress"
    DONE = "done", "Done"


class MobilisationMilestone(PairParties, models.Model):
    """One milestone of a mobilisation: due at the end of its week `[001 P2 §4.4]`."""

    plan = models.ForeignKey(MobilisationPlan, on_delete=models.CASCADE, related_name="milestones")
    week = models.PositiveSmallIntegerField(validators=[MinValueValidator(1)])
    title = models.CharField(max_length=200)
    due_on = models.DateField()
    status = models.CharField(
        max_length=12, choices=MilestoneStatus.choices, default=MilestoneStatus.NOT_STARTED
    )
    completed_on = models.DateField(null=True, blank=True)

    objects = PairQuerySet.as_manager()
    pair_via = "plan__contract"

    class Meta:
        ordering = ["plan", "week", "id"]

    def __str__(self) -> str:
        return f"Week {self.week}: {self.title}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("continuing_care:mobilisation-detail", args=[self.plan_id])

    def audit_parties(self):
        return self.plan.contract.commissioner_id, self.plan.contract.provider_id


class MobilisationAgencyCost(PairParties, models.Model):
    """Agency staff hired during mobilisation: recorded so the commissioner can see they are met by
    the provider; no invoice or claim may pass them on `[001 P2 §4.4]`."""

    plan = models.ForeignKey(MobilisationPlan, on_delete=models.CASCADE, related_name="agency_costs")
    incurred_on = models.DateField()
    amount = models.DecimalField(
        max_digits=10, decimal_places=2, validators=[MinValueValidator(Decimal("0"))]
    )
    description = models.CharField(max_length=300)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = PairQuerySet.as_manager()
    pair_via = "plan__contract"

    class Meta:
        ordering = ["plan", "incurred_on"]

    def __str__(self) -> str:
        return f"Agency staff £{self.amount} on {self.incurred_on:%d %b %Y} (the provider's cost)"

    @property
    def borne_by_provider(self) -> bool:
        return True

    def audit_parties(self):
        return self.plan.contract.commissioner_id, self.plan.contract.provider_id
