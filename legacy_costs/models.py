"""TUPE legacy costs (Norfolk, `[004 App. 3 §8]`): the staff who transferred from the council under
TUPE ("Legacy Staff"), the list the council and provider agree at the start and review each year
at the third quarter's reconciliation, the pension fund's and the actual LGPS employer
contributions, and the National Living Wage in force (reference data the site administrator
keeps). The quarterly legacy-cost invoice itself is an `invoicing.Invoice` of kind "legacy",
raised by `legacy_costs.services.legacy_invoice_raise` and then approved, paid and remitted like
any invoice.
"""

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from portal.modelbases import PairParties
from portal.models import User
from portal.tenancy import PairQuerySet
from schemes.models import Contract


class NationalLivingWage(models.Model):
    """The National Living Wage (hourly, age 21 and over) from a date: reference data the site
    administrator keeps; it caps the council's share of a TUPE'd pay-rate difference
    `[004 App. 3 §8]`."""

    effective_from = models.DateField(unique=True)
    hourly_rate = models.DecimalField(max_digits=6, decimal_places=2, validators=[MinValueValidator(0)])
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-effective_from"]
        verbose_name = "National Living Wage rate"

    def __str__(self) -> str:
        return f"£{self.hourly_rate} an hour from {self.effective_from:%-d %B %Y}"


class EndReason(models.TextChoices):
    PROMOTED = "promoted", "Promoted into a role not on the TUPE list"
    MOVED = "moved", "Moved into a role not on the TUPE list"
    LEFT = "left", "Left the provider's employment"


class LegacyStaffMember(PairParties, models.Model):
    """One member of the Legacy Staff on a contract `[004 App. 3 §8]`: a reference (no name: the
    council needs no more), the TUPE'd role, contracted weekly hours, the TUPE'd hourly rate and
    the provider's new rate for the same role, when they joined the contract and, once they are
    promoted or moved out of a TUPE'd role (or leave), the last day in it — the council stops
    paying every legacy element after that day."""

    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="legacy_staff")
    reference = models.CharField(max_length=40, help_text="The provider's staff reference (no name).")
    role = models.CharField(max_length=120, help_text="The TUPE'd role on the list agreed at the start.")
    weekly_contracted_hours = models.DecimalField(
        max_digits=5, decimal_places=2, validators=[MinValueValidator(0), MaxValueValidator(Decimal("48"))]
    )
    tupe_hourly_rate = models.DecimalField(
        max_digits=6, decimal_places=2, help_text="The hourly rate protected by TUPE."
    )
    new_hourly_rate = models.DecimalField(
        max_digits=6, decimal_places=2, help_text="The provider's own hourly rate for the same role."
    )
    start_date = models.DateField(help_text="First day the legacy costs run (usually the contract's start).")
    end_date = models.DateField(
        null=True, blank=True, help_text="Last day in a TUPE'd role; empty while they hold one."
    )
    end_reason = models.CharField(max_length=10, choices=EndReason.choices, blank=True)
    lgps_member = models.BooleanField(
        default=False, help_text="A member of the Local Government Pension Scheme."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PairQuerySet.as_manager()
    pair_via = "contract"

    class Meta:
        ordering = ["contract", "reference"]
        constraints = [
            models.UniqueConstraint(fields=["contract", "reference"], name="legacy_staff_unique_reference"),
            models.CheckConstraint(
                condition=models.Q(end_date__isnull=True) | models.Q(end_date__gte=models.F("start_date")),
                name="legacy_staff_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} ({self.role})"


class AgreementOccasion(models.TextChoices):
    START = "start", "Agreed at the start of the contract"
    Q3_REVIEW = "q3_review", "Reviewed at the third quarter's reconciliation"


class LegacyStaffAgreement(PairParties, models.Model):
    """The council's record that the list of Legacy Staff was agreed with the provider: at the start
    of the contract, then each contract year at the third quarter's reconciliation `[004 App. 3
    §8, Newly Created Roles]`; who agreed it, when, the list as agreed (`staff`) and the on-costs
    percentage agreed for the annual-leave element."""

    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="legacy_staff_agreements")
    contract_year = models.PositiveSmallIntegerField(validators=[MinValueValidator(1)])
    occasion = models.CharField(max_length=10, choices=AgreementOccasion.choices)
    on_costs_percent = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(0), MaxValueValidator(Decimal("100"))],
        help_text="Employer's on-costs (National Insurance, pension) added to the annual-leave element.",
    )
    staff = models.JSONField(default=list, help_text="The list as agreed.")
    note = models.TextField(blank=True)
    agreed_at = models.DateTimeField()
    agreed_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    objects = PairQuerySet.as_manager()
    pair_via = "contract"

    class Meta:
        ordering = ["contract", "-contract_year", "-agreed_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["contract", "contract_year", "occasion"], name="legacy_agreement_unique_occasion"
            )
        ]

    def __str__(self) -> str:
        return f"Legacy staff list, year {self.contract_year}: {self.get_occasion_display().lower()}"


class LgpsFigureKind(models.TextChoices):
    FUND_QUARTERLY = "fund_quarterly", "Norfolk Pension Fund's quarterly figure (first year)"
    ACTUAL_Q1_Q3 = "actual_q1_q3", "Actual employer contributions, quarters 1–3"


class LgpsFigure(PairParties, models.Model):
    """An LGPS employer-contribution figure for one member of the Legacy Staff in one contract
    year `[004 App. 3 §8, Invoice/Payment Process]`: the pension fund's quarterly figure (the first
    year's first two quarters) or the actual contributions over quarters 1–3 (the third quarter's
    reconciliation, from which the fourth quarter and the next year's first two follow)."""

    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="lgps_figures")
    staff_member = models.ForeignKey(LegacyStaffMember, on_delete=models.PROTECT, related_name="lgps_figures")
    contract_year = models.PositiveSmallIntegerField(validators=[MinValueValidator(1)])
    kind = models.CharField(max_length=20, choices=LgpsFigureKind.choices)
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    note = models.CharField(max_length=300, blank=True)
    recorded_at = models.DateTimeField()
    recorded_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    objects = PairQuerySet.as_manager()
    pair_via = "contract"

    class Meta:
        ordering = ["staff_member", "contract_year", "kind"]
        constraints = [
            models.UniqueConstraint(
                fields=["staff_member", "contract_year", "kind"], name="lgps_figure_unique_year_kind"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}, year {self.contract_year}: £{self.amount}"
