"""Provider compliance: what every specification obliges a provider to keep in date.

- Registration and rating: the CQC location, rating and its date live on `Organisation`; Ofsted
  registration (some children's services `[003 App. 1]`) lives here. Each inspection outcome is a
  `RatingChange`; each council's `ComplianceTerms` say what it must be told (`RatingNotification`):
  Norfolk the outcome and report of every inspection within 24 hours `[004 §8.1.7]`; Derby a rating
  below Good within 2 working days, with an action plan on a timescale it agrees, which it accepts
  or returns with comments `[002 §4.3]`.
- Safeguarding concerns go at once to the council's safeguarding contact `[003 §7.9]` (its terms
  name it); the other duties with due dates are `ProviderDuty` records: notices of significant
  change `[004 §3.4.1]`, serious-harm reviews `[004 §8.2.2]`, the named safeguarding lead
  `[002 §4.8]`, the annual self-assessment `[002 §5]`, consent to sub-contract `[002 §6.4]`,
  `[003 §11]`.
- Insurance certificates with cover and expiry, checked against each commissioner's
  `InsuranceRequirement` (Derby: employer's liability £5m, public liability £10m `[002 §4.13]`).
- Policies with review dates (safeguarding, business continuity, data protection, complaints…).
- Weekly capacity snapshots: available care hours per area each week `[003 §4.1]`.

Who sees what: a provider sees its own records; a commissioner sees the records of the providers
it works with — those holding a contract with it or a membership (any status) of one of its lots —
so an applicant's compliance can be judged. The portal operator sees none of it.
"""

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone

from portal.modelbases import CommissionerParty, DetailPage, ProviderParty, ends_after_start
from portal.models import CqcRating, Organisation
from portal.roles import OrganisationKind
from portal.tenancy import PairQuerySet, TenantQuerySet
from portal.workflow import COUNCIL, PROVIDER, Transition, Workflow
from schemes.models import Lot, ProviderRecordQuerySet, partners_of

from . import rules


def _provider(related_name: str) -> models.ForeignKey:
    """The provider a compliance record is about."""
    return models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        related_name=related_name,
        limit_choices_to={"kind": OrganisationKind.PROVIDER},
    )


class Regulator(models.TextChoices):
    CQC = "cqc", "Care Quality Commission (CQC)"
    OFSTED = "ofsted", "Ofsted"


BELOW_GOOD = {CqcRating.REQUIRES_IMPROVEMENT, CqcRating.INADEQUATE}


class OfstedRegistration(ProviderParty, models.Model):
    """A provider's Ofsted registration (children's services that need it `[003 App. 1] Lot 27`)."""

    provider = models.OneToOneField(
        Organisation,
        on_delete=models.CASCADE,
        related_name="ofsted_registration",
        limit_choices_to={"kind": OrganisationKind.PROVIDER},
    )
    urn = models.CharField("Ofsted unique reference number (URN)", max_length=20)
    rating = models.CharField(max_length=30, choices=CqcRating.choices, blank=True)
    rating_date = models.DateField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ProviderRecordQuerySet.as_manager()

    class Meta:
        ordering = ["provider__name"]

    def __str__(self) -> str:
        return f"Ofsted {self.urn}"


class RatingChange(ProviderParty, models.Model):
    """An inspection's outcome, a rating from CQC or Ofsted, recorded by the provider. Each council
    whose terms ask is owed a notice (`RatingNotification`); `notify_by` is the earliest due."""

    provider = _provider("rating_changes")
    regulator = models.CharField(max_length=10, choices=Regulator.choices, default=Regulator.CQC)
    location_id = models.CharField(
        "CQC location ID or Ofsted URN", max_length=20, blank=True, help_text="As the regulator gives it."
    )
    previous_rating = models.CharField(max_length=30, choices=CqcRating.choices, blank=True)
    rating = models.CharField(max_length=30, choices=CqcRating.choices)
    rated_on = models.DateField(help_text="The date the regulator published the rating.")
    notify_by = models.DateField(
        null=True, blank=True, help_text="The earliest day a council's notice of it is due."
    )
    report_received_at = models.DateTimeField(
        null=True, blank=True, help_text="When the provider received the inspection report [004 §8.1.7]."
    )
    note = models.TextField(blank=True)
    recorded_at = models.DateTimeField(auto_now_add=True)
    recorded_by = models.ForeignKey(
        "portal.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = ProviderRecordQuerySet.as_manager()

    class Meta:
        ordering = ["provider", "-rated_on", "-id"]
        indexes = [models.Index(fields=["provider", "rated_on"], name="rating_change_provider_idx")]

    def __str__(self) -> str:
        return (
            f"{self.get_regulator_display()} rating {self.get_rating_display()} on {self.rated_on:%d %b %Y}"
        )

    @property
    def is_below_good(self) -> bool:
        return self.rating in BELOW_GOOD


class NoticeStatus(models.TextChoices):
    DUE = "due", "To send"
    SENT = "sent", "Sent"
    PLAN_SENT = "plan_sent", "Action plan sent"
    RETURNED = "returned", "Action plan returned"
    ACCEPTED = "accepted", "Action plan accepted"


#: The provider sends its notice (the outcome and report, and where a rating is below Good the
#: notice of it); the action plan follows on the council's timescale, and the council accepts it or
#: returns it with comments for another version `[002 §4.3]`, `[004 §8.1.7]`.
NOTICE_WORKFLOW = Workflow(
    {
        "send": Transition(
            "notice sent",
            frozenset({NoticeStatus.DUE}),
            NoticeStatus.SENT,
            PROVIDER,
            refusal="You have already sent this notice.",
        ),
        "submit_plan": Transition(
            "action plan sent",
            frozenset({NoticeStatus.SENT, NoticeStatus.RETURNED}),
            NoticeStatus.PLAN_SENT,
            PROVIDER,
            refusal="{subject} is {state}: send the notice first, or wait for the council's answer.",
        ),
        "accept": Transition(
            "action plan accepted",
            frozenset({NoticeStatus.PLAN_SENT}),
            NoticeStatus.ACCEPTED,
            COUNCIL,
            refusal="{subject} is {state}: there is no action plan waiting for your answer.",
        ),
        "return": Transition(
            "action plan returned",
            frozenset({NoticeStatus.PLAN_SENT}),
            NoticeStatus.RETURNED,
            COUNCIL,
            refusal="{subject} is {state}: there is no action plan waiting for your answer.",
        ),
    },
    describe=lambda n: "This notice",
)


class ComplianceTermsQuerySet(TenantQuerySet):
    """A council's compliance terms (public contract terms): it, its partner providers and the
    operator see them."""

    reference_data = True
    commissioner_lookup = "commissioner"

    def for_provider(self, organisation):
        return self.filter(commissioner__in=partners_of(organisation))


class ComplianceTerms(CommissionerParty, models.Model):
    """What a council's contracts ask of its providers' notices, set per council rather than by
    name: the hours to report an inspection's outcome (Norfolk: 24 `[004 §8.1.7]`), the working
    days to notify a rating below Good (Derby: 2 `[002 §4.3]`), the safeguarding contact concerns
    go to at once (Dorset `[003 §7.9]`), and how often the self-assessment is due (Derby: yearly
    `[002 §5]`). Empty: the council's contracts do not ask it."""

    commissioner = models.OneToOneField(
        Organisation,
        on_delete=models.CASCADE,
        related_name="compliance_terms",
        limit_choices_to={"kind": OrganisationKind.COMMISSIONER},
    )
    inspection_report_hours = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Every inspection's outcome and report within this many hours."
    )
    rating_notice_working_days = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="A rating below Good notified within this many working days."
    )
    safeguarding_contact = models.CharField(
        max_length=300, blank=True, help_text="Who safeguarding concerns go to at once (team, phone, email)."
    )
    self_assessment_months = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="The self-assessment audit is due this often."
    )
    source = models.CharField(max_length=200, blank=True)

    objects = ComplianceTermsQuerySet.as_manager()

    class Meta:
        ordering = ["commissioner__name"]
        verbose_name_plural = "compliance terms"

    def __str__(self) -> str:
        return f"Compliance terms of {self.commissioner}"


class RatingNotificationQuerySet(PairQuerySet):
    def outstanding(self):
        return self.filter(status=NoticeStatus.DUE)

    def awaiting_acceptance(self):
        return self.filter(status=NoticeStatus.PLAN_SENT)


class RatingNotification(DetailPage, models.Model):
    """The provider's duty to tell one council of an inspection's outcome (with the report) and,
    for a rating below Good, to send an action plan that satisfies it: one per council holding a
    live contract with the provider whose terms ask for it `[004 §8.1.7]`, `[002 §4.3]`."""

    change = models.ForeignKey(RatingChange, on_delete=models.CASCADE, related_name="notifications")
    commissioner = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    provider = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    due_on = models.DateField()
    due_at = models.DateTimeField(null=True, blank=True, help_text="The notice is due by this moment.")
    report_required = models.BooleanField(default=False, help_text="The outcome and report [004 §8.1.7].")
    plan_required = models.BooleanField(default=False, help_text="An action plan [002 §4.3].")
    plan_due_on = models.DateField(null=True, blank=True, help_text="The timescale the council agrees.")
    report = models.FileField(upload_to="compliance/inspection-reports/%Y/", blank=True)
    status = models.CharField(max_length=10, choices=NoticeStatus.choices, default=NoticeStatus.DUE)
    notified_at = models.DateTimeField(null=True, blank=True)
    notified_by = models.ForeignKey(
        "portal.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    action_plan = models.FileField(upload_to="compliance/action-plans/%Y/", blank=True)
    action_plan_summary = models.TextField(blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        "portal.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    plan_sent_at = models.DateTimeField(null=True, blank=True)
    response = models.TextField(blank=True, help_text="The council's response to the action plan.")

    objects = RatingNotificationQuerySet.as_manager()
    detail_view = "compliance:rating-notification-detail"

    class Meta:
        ordering = ["-due_on", "commissioner__name"]
        constraints = [
            models.UniqueConstraint(fields=["change", "commissioner"], name="rating_notification_unique")
        ]

    def __str__(self) -> str:
        return f"{self.change} – notice to {self.commissioner}"

    @property
    def is_late(self) -> bool:
        if self.due_at is not None:
            return (self.notified_at or timezone.now()) > self.due_at
        if self.notified_at is None:
            return timezone.localdate() > self.due_on
        return timezone.localtime(self.notified_at).date() > self.due_on

    @property
    def plan_is_late(self) -> bool:
        if not self.plan_required or self.plan_due_on is None:
            return False
        sent = timezone.localtime(self.plan_sent_at).date() if self.plan_sent_at else timezone.localdate()
        return sent > self.plan_due_on


class InsuranceKind(models.TextChoices):
    EMPLOYERS_LIABILITY = "employers_liability", "Employer's liability"
    PUBLIC_LIABILITY = "public_liability", "Public liability"
    PROFESSIONAL_INDEMNITY = "professional_indemnity", "Professional indemnity"
    MEDICAL_MALPRACTICE = "medical_malpractice", "Medical malpractice"
    MOTOR = "motor", "Motor (business use)"


class InsuranceCertificate(ProviderParty, models.Model):
    """An insurance certificate: what it covers, how much, and until when."""

    provider = _provider("insurance_certificates")
    kind = models.CharField(max_length=30, choices=InsuranceKind.choices)
    insurer = models.CharField(max_length=200)
    policy_number = models.CharField(max_length=60, blank=True)
    cover_amount = models.DecimalField(
        "cover (£)",
        max_digits=14,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0"))],
        help_text="For any one occurrence, in pounds.",
    )
    starts_on = models.DateField()
    expires_on = models.DateField()
    document = models.FileField(upload_to="compliance/insurance/%Y/", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ProviderRecordQuerySet.as_manager()

    class Meta:
        ordering = ["provider", "kind", "-expires_on"]
        constraints = [ends_after_start("insurance_expires_after_start", start="starts_on", end="expires_on")]
        indexes = [models.Index(fields=["provider", "kind", "expires_on"], name="insurance_current_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} £{self.cover_amount:,.0f} to {self.expires_on:%d %b %Y}"

    def clean(self):
        if self.starts_on and self.expires_on and self.expires_on < self.starts_on:
            raise ValidationError({"expires_on": "The expiry date must be on or after the start date."})


class InsuranceRequirementQuerySet(TenantQuerySet):
    """What a commissioner requires (public contract terms): it, its partner providers and the
    operator see it."""

    reference_data = True
    commissioner_lookup = "commissioner"

    def for_provider(self, organisation):
        return self.filter(commissioner__in=partners_of(organisation))


class InsuranceRequirement(CommissionerParty, models.Model):
    """The minimum cover a commissioner requires of its providers, e.g. Derby: employer's
    liability £5m and public liability £10m `[002 §4.13]`."""

    commissioner = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        related_name="insurance_requirements",
        limit_choices_to={"kind": OrganisationKind.COMMISSIONER},
    )
    kind = models.CharField(max_length=30, choices=InsuranceKind.choices)
    minimum_cover = models.DecimalField(
        "minimum cover (£)", max_digits=14, decimal_places=2, validators=[MinValueValidator(Decimal("0"))]
    )
    source = models.CharField(max_length=200, blank=True, help_text="Where the requirement comes from.")

    objects = InsuranceRequirementQuerySet.as_manager()

    class Meta:
        ordering = ["commissioner__name", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["commissioner", "kind"], name="insurance_requirement_unique")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} of at least £{self.minimum_cover:,.0f}"


class PolicyKind(models.TextChoices):
    SAFEGUARDING_ADULTS = "safeguarding_adults", "Safeguarding adults"
    SAFEGUARDING_CHILDREN = "safeguarding_children", "Safeguarding children"
    SAFER_RECRUITMENT = "safer_recruitment", "Safer recruitment"
    BUSINESS_CONTINUITY = "business_continuity", "Business continuity"
    DATA_PROTECTION = "data_protection", "Data protection"
    COMPLAINTS = "complaints", "Complaints"
    WHISTLEBLOWING = "whistleblowing", "Whistleblowing"
    EQUALITY_DIVERSITY = "equality_diversity", "Equality, diversity and inclusion"
    HEALTH_SAFETY = "health_safety", "Health and safety"
    MEDICATION = "medication", "Managing medication"
    INFECTION_CONTROL = "infection_control", "Infection prevention and control"
    MENTAL_CAPACITY = "mental_capacity", "Mental capacity"
    RISK_ASSESSMENT = "risk_assessment", "Risk assessment"
    INFORMATION_SHARING = "information_sharing", "Information sharing"
    DIRECT_PAYMENTS = "direct_payments", "Direct payments and personal health budgets"
    MANAGEMENT_OF_FUNDS = "management_of_funds", "Management of funds"
    CONFIDENTIALITY = "confidentiality", "Confidentiality"
    STAFFING = "staffing", "Staffing"
    ENVIRONMENTAL = "environmental", "Environmental management and sustainability"


class ProviderPolicy(ProviderParty, models.Model):
    """A provider policy with its review date; the latest approved version of a kind is current."""

    provider = _provider("policies")
    kind = models.CharField(max_length=30, choices=PolicyKind.choices)
    title = models.CharField(max_length=200)
    version = models.CharField(max_length=20, blank=True)
    approved_on = models.DateField()
    review_due_on = models.DateField()
    document = models.FileField(upload_to="compliance/policies/%Y/", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ProviderRecordQuerySet.as_manager()

    class Meta:
        ordering = ["provider", "kind", "-approved_on", "-id"]
        verbose_name_plural = "provider policies"
        constraints = [
            ends_after_start("policy_review_after_approval", start="approved_on", end="review_due_on")
        ]

    def __str__(self) -> str:
        return f"{self.title} (review by {self.review_due_on:%d %b %Y})"


class CapacitySnapshot(models.Model):
    """Care hours a provider has available in an area in a week, for a lot `[003 §4.1]`."""

    provider = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="capacity_snapshots")
    lot = models.ForeignKey(Lot, on_delete=models.CASCADE, related_name="capacity_snapshots")
    commissioner = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    week_starting = models.DateField(help_text="The Monday of the week.")
    area = models.CharField(max_length=100, help_text="e.g. a town or locality the council uses.")
    available_hours = models.DecimalField(
        max_digits=8, decimal_places=2, validators=[MinValueValidator(Decimal("0"))]
    )
    note = models.CharField(max_length=300, blank=True)
    reported_at = models.DateTimeField(auto_now=True)
    reported_by = models.ForeignKey(
        "portal.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = PairQuerySet.as_manager()

    class Meta:
        ordering = ["-week_starting", "lot", "area"]
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "lot", "week_starting", "area"], name="capacity_unique_week_area"
            )
        ]
        indexes = [models.Index(fields=["commissioner", "week_starting"], name="capacity_week_idx")]

    def __str__(self) -> str:
        return f"{self.area}: {self.available_hours} h in week of {self.week_starting:%d %b %Y}"

    def clean(self):
        if self.week_starting and self.week_starting.weekday() != 0:
            raise ValidationError({"week_starting": "Give the Monday the week starts on."})

    def fill_commissioner(self):
        self.commissioner_id = self.lot.framework.commissioner_id
        return self


def monday_of(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


class DutyKind(models.TextChoices):
    SIGNIFICANT_CHANGE = "significant_change", "Notice of a significant change"
    SERIOUS_HARM_REVIEW = "serious_harm_review", "Serious-harm review"
    SAFEGUARDING_LEAD = "safeguarding_lead", "Named safeguarding lead"
    SELF_ASSESSMENT = "self_assessment", "Annual self-assessment"
    SUBCONTRACTING = "subcontracting", "Consent to sub-contract"


class DutyStatus(models.TextChoices):
    DUE = "due", "Due"
    DONE = "done", "Sent to the council"
    CONSENTED = "consented", "Consent given"
    REFUSED = "refused", "Consent refused"


class ProviderDutyQuerySet(PairQuerySet):
    def open(self):
        return self.filter(status=DutyStatus.DUE)


class ProviderDuty(DetailPage, models.Model):
    """Something a provider owes one council by a date: a notice of a significant change (at once
    `[004 §3.4.1]`), a serious-harm review's start and outcome `[004 §8.2.2]`, the named
    safeguarding lead and any change of them `[002 §4.8]`, the annual self-assessment audit
    `[002 §5]`, or consent to sub-contract before the sub-contractor starts `[002 §6.4]`,
    `[003 §11]`. `due_on` comes from `rules.duty_due`; the provider marks it sent, and for
    sub-contracting the council consents or refuses."""

    provider = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    commissioner = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=30, choices=DutyKind.choices)
    summary = models.TextField(help_text="What changed, who the lead is, what is to be sub-contracted…")
    occurred_on = models.DateField(
        help_text="The day of the change, review or appointment; the sub-contractor's planned start; "
        "the previous self-assessment."
    )
    due_on = models.DateField()
    status = models.CharField(max_length=10, choices=DutyStatus.choices, default=DutyStatus.DUE)
    done_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    response = models.TextField(blank=True, help_text="The council's answer.")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ProviderDutyQuerySet.as_manager()
    detail_view = "compliance:duty-detail"

    class Meta:
        ordering = ["-due_on", "-id"]
        verbose_name_plural = "provider duties"
        indexes = [models.Index(fields=["status", "due_on"], name="duty_open_due_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} to {self.commissioner} by {rules.fmt_day(self.due_on)}"


#: Sent and, for consent to sub-contract, decided by the council [002 §6.4], [003 §11].
DUTY_WORKFLOW = Workflow(
    {
        "send": Transition(
            "sent to the council",
            frozenset({DutyStatus.DUE}),
            DutyStatus.DONE,
            PROVIDER,
            refusal="This has already been sent.",
        ),
        "consent": Transition("consent given", frozenset({DutyStatus.DONE}), DutyStatus.CONSENTED, COUNCIL),
        "refuse": Transition("consent refused", frozenset({DutyStatus.DONE}), DutyStatus.REFUSED, COUNCIL),
    },
    describe=lambda d: "This request",
)
