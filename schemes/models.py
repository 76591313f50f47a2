"""Framework → lot → scheme, and the contracts that put a provider on a lot.

A framework is a council's agreement with many providers; a lot groups schemes or a service type;
a scheme is an extra-care / housing-with-care building with flats, a landlord and an on-site care
team (domain.md, Vocabulary). A contract links one commissioner, one provider and one lot (all of
its schemes or a named set), with effective-dated rates.
"""

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse

from portal.models import Organisation
from portal.roles import OrganisationKind
from portal.tenancy import TenantQuerySet


class PaymentModel(models.TextChoices):
    HOURLY_4_WEEKLY = "hourly_4_weekly", "Hourly, paid 4-weekly (Norfolk)"
    BLOCK_QUARTERLY = "block_quarterly", "Block payment, quarterly (Derby)"
    WEEKLY_PACKAGE = "weekly_package", "Weekly package (Dorset)"


def contract_partners(organisation):
    """Organisations that hold a contract with `organisation` (for Organisation scoping)."""
    if organisation.kind == OrganisationKind.COMMISSIONER:
        return Contract.objects.filter(commissioner=organisation).values("provider_id")
    if organisation.kind == OrganisationKind.PROVIDER:
        return Contract.objects.filter(provider=organisation).values("commissioner_id")
    return Contract.objects.none().values("pk")


def _membership_model():
    """Framework membership lives in the procurement app, which depends on this one."""
    from django.apps import apps

    return apps.get_model("procurement", "LotMembership")


class FrameworkQuerySet(TenantQuerySet):
    reference_data = True
    commissioner_lookup = "commissioner"

    def for_provider(self, organisation):
        # Open frameworks, and those the provider holds a contract on or applied to / joined a lot of.
        held = Contract.objects.filter(provider=organisation, lot__framework=OuterRef("pk"))
        joined = _membership_model().objects.filter(provider=organisation, lot__framework=OuterRef("pk"))
        return self.filter(Q(is_open=True) | Q(Exists(held)) | Q(Exists(joined)))


class Framework(models.Model):
    """A council's agreement with many providers (Dorset's is a 10-year open framework `[003 §2]`)."""

    commissioner = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="frameworks",
        limit_choices_to={"kind": OrganisationKind.COMMISSIONER},
    )
    name = models.CharField(max_length=200)
    reference = models.CharField(max_length=60, blank=True)
    description = models.TextField(blank=True)
    start_date = models.DateField(null=True, blank=True)
    end_date = models.DateField(null=True, blank=True)
    is_open = models.BooleanField(
        default=False, help_text="An open framework: providers may apply to join its lots at any time."
    )
    specification = models.CharField(max_length=100, blank=True, help_text="The specification it follows.")

    objects = FrameworkQuerySet.as_manager()

    class Meta:
        ordering = ["commissioner__name", "name"]
        constraints = [models.UniqueConstraint(fields=["commissioner", "name"], name="framework_unique_name")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("schemes:framework-detail", args=[self.pk])

    def clean(self):
        if self.commissioner_id and self.commissioner.kind != OrganisationKind.COMMISSIONER:
            raise ValidationError({"commissioner": "A framework belongs to a commissioner."})
        if self.start_date and self.end_date and self.end_date < self.start_date:
            raise ValidationError({"end_date": "The end date must be on or after the start date."})

    def audit_parties(self):
        return self.commissioner_id, None


class LotQuerySet(TenantQuerySet):
    reference_data = True
    commissioner_lookup = "framework__commissioner"

    def for_provider(self, organisation):
        # Lots of open frameworks, and those the provider holds a contract on or applied to / joined.
        held = Contract.objects.filter(provider=organisation, lot=OuterRef("pk"))
        joined = _membership_model().objects.filter(provider=organisation, lot=OuterRef("pk"))
        return self.filter(Q(framework__is_open=True) | Q(Exists(held)) | Q(Exists(joined)))


class Lot(models.Model):
    """A group of schemes or a service type within a framework; one provider holds each call-off."""

    framework = models.ForeignKey(Framework, on_delete=models.PROTECT, related_name="lots")
    number = models.CharField(
        max_length=30, help_text='As the specification numbers it, e.g. "1" or "S1 L8".'
    )
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    objects = LotQuerySet.as_manager()

    class Meta:
        ordering = ["framework", "position", "number"]
        constraints = [models.UniqueConstraint(fields=["framework", "number"], name="lot_unique_number")]

    def __str__(self) -> str:
        return f"Lot {self.number}: {self.name}"

    def get_absolute_url(self) -> str:
        return reverse("schemes:lot-detail", args=[self.pk])

    @property
    def commissioner(self):
        return self.framework.commissioner

    def audit_parties(self):
        return self.framework.commissioner_id, None


class SchemeQuerySet(TenantQuerySet):
    reference_data = True
    commissioner_lookup = "lot__framework__commissioner"

    def for_provider(self, organisation):
        # Schemes the provider holds a contract for, and those of the call-offs it may bid for.
        covered = Contract.schemes.through.objects.filter(
            scheme=OuterRef("pk"), contract__provider=organisation
        )
        calloff_model = _membership_model()._meta.apps.get_model("procurement", "CallOff")
        biddable = calloff_model.schemes.through.objects.filter(
            scheme=OuterRef("pk"),
            calloff__in=calloff_model.objects.for_provider(organisation),
        )
        return self.filter(Q(Exists(covered)) | Q(Exists(biddable)))

    def with_unit_totals(self):
        """Annotate standard, dementia and total units in one query (no query per scheme)."""
        care = Q(units__care_provided=True)
        return self.annotate(
            standard_units=models.Sum(
                "units__count",
                filter=care & Q(units__unit_type__in=[UnitType.GENERAL, UnitType.RESPITE, UnitType.BUNGALOW]),
                default=0,
            ),
            dementia_units=models.Sum(
                "units__count", filter=Q(units__unit_type=UnitType.DEMENTIA), default=0
            ),
            total_units=models.Sum("units__count", default=0),
        )


class Scheme(models.Model):
    """An extra-care / housing-with-care building: flats, a landlord and an on-site care team."""

    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="schemes")
    name = models.CharField(max_length=200)
    landlord = models.CharField(max_length=200, help_text="Registered social landlord or owner/manager.")
    address = models.CharField(max_length=300, help_text="Street and town.")
    postcode = models.CharField(max_length=10, blank=True)
    unplanned_hours_per_week = models.DecimalField(
        max_digits=7,
        decimal_places=2,
        default=Decimal("0"),
        help_text="Unplanned care (24/7 response) hours per week in the specification, e.g. 98.",
    )
    estimated_planned_hours_per_week = models.DecimalField(
        max_digits=8,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="The council's estimate of planned care hours per week.",
    )
    keypad_dementia_access = models.BooleanField(default=False)
    notes = models.TextField(blank=True)

    objects = SchemeQuerySet.as_manager()

    class Meta:
        ordering = ["lot__framework", "lot__position", "name"]
        constraints = [models.UniqueConstraint(fields=["lot", "name"], name="scheme_unique_name")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("schemes:scheme-detail", args=[self.pk])

    def audit_parties(self):
        return self.lot.framework.commissioner_id, None


class UnitType(models.TextChoices):
    GENERAL = "general", "Standard (general care)"
    DEMENTIA = "dementia", "Dementia care"
    RESPITE = "respite", "Respite"
    BUNGALOW = "bungalow", "Bungalow"


class UnitSize(models.TextChoices):
    SINGLE = "single", "Single"
    DOUBLE = "double", "Double"
    UNSPECIFIED = "", "Not specified"


class Tenure(models.TextChoices):
    RENTED = "rented", "Rented"
    PART_OWNED = "part_owned", "Part-owned (shared ownership)"
    UNSPECIFIED = "", "Not specified"


class SchemeUnitGroupQuerySet(TenantQuerySet):
    reference_data = True
    commissioner_lookup = "scheme__lot__framework__commissioner"

    def for_provider(self, organisation):
        return self.filter(scheme__in=Scheme.objects.for_provider(organisation))


class SchemeUnitGroup(models.Model):
    """A number of flats or bungalows of one type, size and tenure in a scheme `[004 App. 1]`."""

    scheme = models.ForeignKey(Scheme, on_delete=models.CASCADE, related_name="units")
    unit_type = models.CharField(max_length=20, choices=UnitType.choices)
    size = models.CharField(max_length=10, choices=UnitSize.choices, blank=True)
    tenure = models.CharField(max_length=20, choices=Tenure.choices, blank=True)
    count = models.PositiveSmallIntegerField(validators=[MinValueValidator(1)])
    care_provided = models.BooleanField(
        default=True,
        help_text="False where the provider only answers alarm calls (e.g. Weavers Court bungalows).",
    )
    note = models.CharField(max_length=300, blank=True)

    objects = SchemeUnitGroupQuerySet.as_manager()

    class Meta:
        ordering = ["scheme", "unit_type", "size", "tenure"]
        constraints = [
            models.UniqueConstraint(
                fields=["scheme", "unit_type", "size", "tenure", "care_provided"], name="unit_group_unique"
            )
        ]

    def __str__(self) -> str:
        parts = [
            str(self.count),
            self.get_size_display().lower() if self.size else "",
            self.get_unit_type_display().lower(),
        ]
        if self.tenure:
            parts.append(f"({self.get_tenure_display().lower()})")
        return " ".join(p for p in parts if p)


class ContractQuerySet(TenantQuerySet):
    reference_data = True
    commissioner_lookup = "commissioner"
    provider_lookup = "provider"

    def live_on(self, day: dt.date):
        return self.filter(start_date__lte=day).filter(Q(end_date__isnull=True) | Q(end_date__gte=day))


class Contract(models.Model):
    """A call-off: one commissioner, one provider, one lot (all its schemes or a named set)."""

    commissioner = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="commissioned_contracts",
        limit_choices_to={"kind": OrganisationKind.COMMISSIONER},
    )
    provider = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="provider_contracts",
        limit_choices_to={"kind": OrganisationKind.PROVIDER},
    )
    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="contracts")
    schemes = models.ManyToManyField(Scheme, related_name="contracts", blank=True)
    reference = models.CharField(max_length=60)
    title = models.CharField(max_length=200, blank=True)
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True)
    notice_period_days = models.PositiveSmallIntegerField(
        default=90, help_text="Notice either side may give, in days."
    )
    payment_model = models.CharField(max_length=20, choices=PaymentModel.choices)
    # Norfolk's 4-weekly payment periods run in 28-day steps from this date `[004 App. 6]`.
    payment_period_anchor = models.DateField(null=True, blank=True)
    # A visit with no actual start this long after its scheduled start raises an alert `[004 §3.6.15]`.
    late_visit_minutes = models.PositiveSmallIntegerField(default=30)
    late_visit_minutes_time_critical = models.PositiveSmallIntegerField(default=15)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ContractQuerySet.as_manager()

    class Meta:
        ordering = ["commissioner__name", "reference"]
        constraints = [
            models.UniqueConstraint(fields=["commissioner", "reference"], name="contract_unique_reference"),
            models.CheckConstraint(
                name="contract_end_after_start",
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} – {self.provider} ({self.lot})"

    def get_absolute_url(self) -> str:
        return reverse("schemes:contract-detail", args=[self.pk])

    def clean(self):
        errors = {}
        if self.provider_id and self.provider.kind != OrganisationKind.PROVIDER:
            errors["provider"] = "Choose a provider organisation."
        if (
            self.commissioner_id
            and self.lot_id
            and self.lot.framework.commissioner_id != self.commissioner_id
        ):
            errors["lot"] = "The lot must be on one of the commissioner's frameworks."
        if self.end_date and self.start_date and self.end_date < self.start_date:
            errors["end_date"] = "The end date must be on or after the start date."
        if self.payment_model == PaymentModel.HOURLY_4_WEEKLY and not self.payment_period_anchor:
            errors["payment_period_anchor"] = (
                "Hourly 4-weekly contracts need the first day of a payment period."
            )
        if errors:
            raise ValidationError(errors)

    def is_live_on(self, day: dt.date) -> bool:
        return self.start_date <= day and (self.end_date is None or day <= self.end_date)

    def notice_deadline(self) -> dt.date | None:
        """The last day notice can be given for the contract to end on its end date."""
        if self.end_date is None:
            return None
        return self.end_date - dt.timedelta(days=self.notice_period_days)

    def rate_on(self, day: dt.date) -> "ContractRate | None":
        return self.rates.filter(effective_from__lte=day).order_by("-effective_from").first()


class ContractRateQuerySet(TenantQuerySet):
    reference_data = True
    commissioner_lookup = "contract__commissioner"
    provider_lookup = "contract__provider"

    def in_force_on(self, day: dt.date):
        """The rate row in force on `day` for each contract (latest effective_from on or before it)."""
        latest = (
            ContractRate.objects.filter(contract=OuterRef("contract"), effective_from__lte=day)
            .order_by("-effective_from")
            .values("pk")[:1]
        )
        return self.filter(pk=models.Subquery(latest))


class ContractRate(models.Model):
    """Prices in force from a date: the planned-care hourly rate (Derby: the composite rate) and
    the unplanned-care rate. Norfolk reviews rates each April, within £21.00–£23.52 `[004 App. 3 §1]`."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="rates")
    effective_from = models.DateField()
    planned_hourly_rate = models.DecimalField(
        max_digits=8, decimal_places=2, validators=[MinValueValidator(Decimal("0"))]
    )
    unplanned_hourly_rate = models.DecimalField(
        max_digits=8, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(Decimal("0"))]
    )
    note = models.CharField(max_length=200, blank=True)

    objects = ContractRateQuerySet.as_manager()

    class Meta:
        ordering = ["contract", "-effective_from"]
        constraints = [
            models.UniqueConstraint(fields=["contract", "effective_from"], name="rate_unique_date")
        ]

    def __str__(self) -> str:
        return f"£{self.planned_hourly_rate}/h from {self.effective_from:%d %b %Y}"

    def audit_parties(self):
        return self.contract.commissioner_id, self.contract.provider_id


class SchemeUnplannedHoursQuerySet(TenantQuerySet):
    reference_data = True
    commissioner_lookup = "contract__commissioner"
    provider_lookup = "contract__provider"


class SchemeUnplannedHours(models.Model):
    """Unplanned-care hours per week a contract pays for at a scheme, from a date
    (98 h/week; 147 at The Meadows `[004 §1.6.2, App. 3 §5]`)."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="unplanned_hours")
    scheme = models.ForeignKey(Scheme, on_delete=models.PROTECT, related_name="unplanned_hours")
    effective_from = models.DateField()
    hours_per_week = models.DecimalField(
        max_digits=7, decimal_places=2, validators=[MinValueValidator(Decimal("0"))]
    )

    objects = SchemeUnplannedHoursQuerySet.as_manager()

    class Meta:
        ordering = ["contract", "scheme", "-effective_from"]
        verbose_name_plural = "scheme unplanned hours"
        constraints = [
            models.UniqueConstraint(
                fields=["contract", "scheme", "effective_from"], name="unplanned_hours_unique_date"
            )
        ]

    def __str__(self) -> str:
        return f"{self.scheme}: {self.hours_per_week} h/week from {self.effective_from:%d %b %Y}"

    def audit_parties(self):
        return self.contract.commissioner_id, self.contract.provider_id
