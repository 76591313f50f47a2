"""Provider compliance: what every specification obliges a provider to keep in date.

- Registration and rating: the CQC location, rating and its date live on `Organisation`; Ofsted
  registration (some children's services `[003 App. 1]`) lives here. Each new rating is a
  `RatingChange`; one below Good obliges the provider to tell each council it holds a contract
  with within 2 working days and send an action plan `[002 §4.3]` (`RatingNotification`).
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

from django.apps import apps
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse

from portal.models import CqcRating, Organisation
from portal.roles import OrganisationKind
from portal.tenancy import TenantQuerySet
from schemes.models import Lot


def _partner_q(commissioner, lookup="provider"):
    from schemes.models import Contract

    membership = apps.get_model("procurement", "LotMembership")
    return Q(
        **{f"{lookup}__in": Contract.objects.filter(commissioner=commissioner).values("provider_id")}
    ) | Q(**{f"{lookup}__in": membership.objects.filter(commissioner=commissioner).values("provider_id")})


class ProviderRecordQuerySet(TenantQuerySet):
    """A provider's own compliance record: the provider and its partner commissioners see it."""

    provider_lookup = "provider"

    def for_commissioner(self, organisation):
        return self.filter(_partner_q(organisation, self.provider_lookup))


class Regulator(models.TextChoices):
    CQC = "cqc", "Care Quality Commission (CQC)"
    OFSTED = "ofsted", "Ofsted"


BELOW_GOOD = {CqcRating.REQUIRES_IMPROVEMENT, CqcRating.INADEQUATE}


class OfstedRegistration(models.Model):
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

    def audit_parties(self):
        return None, self.provider_id


class RatingChange(models.Model):
    """A new rating from CQC or Ofsted, recorded by the provider (or by the portal from its feed).
    A rating below Good obliges the provider to tell each council within 2 working days of the
    rating's date and send an action plan `[002 §4.3]`; `notify_by` is that day."""

    provider = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        related_name="rating_changes",
        limit_choices_to={"kind": OrganisationKind.PROVIDER},
    )
    regulator = models.CharField(max_length=10, choices=Regulator.choices, default=Regulator.CQC)
    location_id = models.CharField(
        "CQC location ID or Ofsted URN", max_length=20, blank=True, help_text="As the regulator gives it."
    )
    previous_rating = models.CharField(max_length=30, choices=CqcRating.choices, blank=True)
    rating = models.CharField(max_length=30, choices=CqcRating.choices)
    rated_on = models.DateField(help_text="The date the regulator published the rating.")
    notify_by = models.DateField(
        null=True, blank=True, help_text="Below Good: tell the council by this day (2 working days)."
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

    def audit_parties(self):
        return None, self.provider_id

    @property
    def is_below_good(self) -> bool:
        return self.rating in BELOW_GOOD


class RatingNotificationQuerySet(TenantQuerySet):
    commissioner_lookup = "commissioner"
    provider_lookup = "provider"

    def outstanding(self):
        return self.filter(notified_at__isnull=True)

    def awaiting_acceptance(self):
        return self.filter(notified_at__isnull=False, accepted_at__isnull=True)


class RatingNotification(models.Model):
    """The provider's duty to tell one council of a rating below Good and send an action plan
    that satisfies it `[002 §4.3]`: one per council holding a live contract with the provider."""

    change = models.ForeignKey(RatingChange, on_delete=models.CASCADE, related_name="notifications")
    commissioner = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    provider = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    due_on = models.DateField()
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
    response = models.TextField(blank=True, help_text="The council's response to the action plan.")

    objects = RatingNotificationQuerySet.as_manager()

    class Meta:
        ordering = ["-due_on", "commissioner__name"]
        constraints = [
            models.UniqueConstraint(fields=["change", "commissioner"], name="rating_notification_unique")
        ]

    def __str__(self) -> str:
        return f"{self.change} – notice to {self.commissioner}"

    def get_absolute_url(self) -> str:
        return reverse("compliance:rating-notification-detail", args=[self.pk])

    @property
    def is_late(self) -> bool:
        from django.utils import timezone

        if self.notified_at is None:
            return timezone.localdate() > self.due_on
        return timezone.localtime(self.notified_at).date() > self.due_on


class InsuranceKind(models.TextChoices):
    EMPLOYERS_LIABILITY = "employers_liability", "Employer's liability"
    PUBLIC_LIABILITY = "public_liability", "Public liability"
    PROFESSIONAL_INDEMNITY = "professional_indemnity", "Professional indemnity"
    MEDICAL_MALPRACTICE = "medical_malpractice", "Medical malpractice"
    MOTOR = "motor", "Motor (business use)"


class InsuranceCertificate(models.Model):
    """An insurance certificate: what it covers, how much, and until when."""

    provider = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        related_name="insurance_certificates",
        limit_choices_to={"kind": OrganisationKind.PROVIDER},
    )
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
        constraints = [
            models.CheckConstraint(
                name="insurance_expires_after_start", condition=Q(expires_on__gte=models.F("starts_on"))
            )
        ]
        indexes = [models.Index(fields=["provider", "kind", "expires_on"], name="insurance_current_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} £{self.cover_amount:,.0f} to {self.expires_on:%d %b %Y}"

    def clean(self):
        if self.starts_on and self.expires_on and self.expires_on < self.starts_on:
            raise ValidationError({"expires_on": "The expiry date must be on or after the start date."})

    def audit_parties(self):
        return None, self.provider_id


class InsuranceRequirementQuerySet(TenantQuerySet):
    """What a commissioner requires (public contract terms): it, its partner providers and the
    operator see it."""

    reference_data = True
    commissioner_lookup = "commissioner"

    def for_provider(self, organisation):
        from schemes.models import Contract

        membership = apps.get_model("procurement", "LotMembership")
        return self.filter(
            Q(commissioner__in=Contract.objects.filter(provider=organisation).values("commissioner_id"))
            | Q(commissioner__in=membership.objects.filter(provider=organisation).values("commissioner_id"))
        )


class InsuranceRequirement(models.Model):
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

    def audit_parties(self):
        return self.commissioner_id, None


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


class ProviderPolicy(models.Model):
    """A provider policy with its review date; the latest approved version of a kind is current."""

    provider = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        related_name="policies",
        limit_choices_to={"kind": OrganisationKind.PROVIDER},
    )
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
            models.CheckConstraint(
                name="policy_review_after_approval", condition=Q(review_due_on__gte=models.F("approved_on"))
            )
        ]

    def __str__(self) -> str:
        return f"{self.title} (review by {self.review_due_on:%d %b %Y})"

    def audit_parties(self):
        return None, self.provider_id


class CapacitySnapshotQuerySet(TenantQuerySet):
    commissioner_lookup = "commissioner"
    provider_lookup = "provider"


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

    objects = CapacitySnapshotQuerySet.as_manager()

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
