"""Framework → lot → scheme, the providers admitted to each lot, and the contracts that put a
provider on a lot.

A framework is a council's agreement with many providers; a lot groups schemes or a service type;
a scheme is an extra-care / housing-with-care building with flats, a landlord and an on-site care
team (domain.md, Vocabulary). A lot membership is a provider's place on a lot `[003 §2.5]`; a
contract links one commissioner, one provider and one lot (all of its schemes or a named set),
with effective-dated rates.

Who works with whom — the other party to each contract and lot membership — is `partners_of`,
the one definition every tenancy rule below the framework-membership screens reads.
"""

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Exists, OuterRef, Q

from portal.modelbases import CommissionerParty, DetailPage, PairParties, Timestamped, ends_after_start
from portal.models import Organisation
from portal.roles import OrganisationKind
from portal.tenancy import PairQuerySet, TenantQuerySet, provider_widenings
from portal.workflow import COUNCIL, NEW, PROVIDER, Transition, Workflow


class PaymentModel(models.TextChoices):
    HOURLY_4_WEEKLY = "hourly_4_weekly", "Hourly, paid 4-weekly (Norfolk)"
    BLOCK_QUARTERLY = "block_quarterly", "Block payment, quarterly (Derby)"
    WEEKLY_PACKAGE = "weekly_package", "Weekly package (Dorset)"


def partners_of(organisation: Organisation) -> models.QuerySet[Organisation]:
    """The organisations `organisation` works with: the other party to each of its contracts and
    each of its lot memberships, whatever the membership's status (a council judges an applicant's
    compliance before admitting it `[003 §2.5]`). Organisations see each other's names, and a
    council sees the compliance and staff records of the providers it works with."""
    if organisation.kind == OrganisationKind.COMMISSIONER:
        side, other = "commissioner", "provider_id"
    elif organisation.kind == OrganisationKind.PROVIDER:
        side, other = "provider", "commissioner_id"
    else:
        return Organisation.objects.none()
    return Organisation.objects.filter(
        Q(pk__in=Contract.objects.filter(**{side: organisation}).values(other))
        | Q(pk__in=LotMembership.objects.filter(**{side: organisation}).values(other))
    )


def partner_ids(organisation: Organisation) -> models.QuerySet:
    """`partners_of` as the id source `portal.models.register_partner_source` takes."""
    return partners_of(organisation).values("pk")


class ProviderRecordQuerySet(TenantQuerySet):
    """Records a provider keeps about itself (compliance, staff): the provider sees its own, and
    the commissioners it works with (`partners_of`) see them too. `provider_lookup` is the path to
    the provider."""

    provider_lookup = "provider"

    def for_commissioner(self, organisation):
        return self.filter(**{f"{self.provider_lookup}__in": partners_of(organisation)})


def _open_or_taken_up(organisation: Organisation, lot: str, is_open: str) -> Q:
    """What a provider sees of frameworks and lots: the open ones, and those it holds a contract on
    or applied to / joined (even closed ones). `lot` is the path from a contract or membership to
    the record; `is_open` the record's path to its framework's openness."""
    on_record = {lot: OuterRef("pk")}
    held = Contract.objects.filter(provider=organisation, **on_record)
    joined = LotMembership.objects.filter(provider=organisation, **on_record)
    return Q(**{is_open: True}) | Q(Exists(held)) | Q(Exists(joined))


class FrameworkQuerySet(TenantQuerySet):
    reference_data = True
    commissioner_lookup = "commissioner"

    def for_provider(self, organisation):
        return self.filter(_open_or_taken_up(organisation, "lot__framework", "is_open"))


class Framework(DetailPage, CommissionerParty, models.Model):
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
    detail_view = "schemes:framework-detail"

    class Meta:
        ordering = ["commissioner__name", "name"]
        constraints = [models.UniqueConstraint(fields=["commissioner", "name"], name="framework_unique_name")]

    def __str__(self) -> str:
        return self.name

    def clean(self):
        if self.commissioner_id and self.commissioner.kind != OrganisationKind.COMMISSIONER:
            raise ValidationError({"commissioner": "A framework belongs to a commissioner."})
        if self.start_date and self.end_date and self.end_date < self.start_date:
            raise ValidationError({"end_date": "The end date must be on or after the start date."})


class LotQuerySet(TenantQuerySet):
    reference_data = True
    commissioner_lookup = "framework__commissioner"

    def for_provider(self, organisation):
        return self.filter(_open_or_taken_up(organisation, "lot", "framework__is_open"))


class Lot(DetailPage, models.Model):
    """A group of schemes or a service type within a framework; one provider holds each call-off."""

    framework = models.ForeignKey(Framework, on_delete=models.PROTECT, related_name="lots")
    number = models.CharField(
        max_length=30, help_text='As the specification numbers it, e.g. "1" or "S1 L8".'
    )
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    # Who may be referred on this lot: Dorset's children's lot takes children referred by the
    # Children Who Are Disabled team, aged 8 up to their 18th birthday `[001 P1 §4.1-4.2]`.
    referral_min_age = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="The youngest age, in years, a person may be referred at."
    )
    referral_age_limit = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        help_text="Referrals must be received before this birthday (e.g. 18: up to the 18th birthday).",
    )
    referring_team = models.CharField(
        max_length=150,
        blank=True,
        help_text="The team referrals on this lot come from, recorded on each referral.",
    )

    objects = LotQuerySet.as_manager()
    detail_view = "schemes:lot-detail"

    class Meta:
        ordering = ["framework", "position", "number"]
        constraints = [models.UniqueConstraint(fields=["framework", "number"], name="lot_unique_number")]

    def __str__(self) -> str:
        return f"Lot {self.number}: {self.name}"

    @property
    def commissioner(self):
        return self.framework.commissioner

    def audit_parties(self):
        return self.framework.commissioner_id, None


class MembershipStatus(models.TextChoices):
    APPLIED = "applied", "Applied"
    ADMITTED = "admitted", "Admitted"
    REJECTED = "rejected", "Rejected"
    SUSPENDED = "suspended", "Suspended"
    WITHDRAWN = "withdrawn", "Withdrawn"


def _membership_move(verb: str, sources: set[str], target: str, side: str, refusal: str = "") -> Transition:
    refusal = refusal or "This membership is {state}: it cannot be {verb} now."
    return Transition(verb, frozenset(sources), target, side, refusal)


_ON_LOT = {MembershipStatus.APPLIED, MembershipStatus.ADMITTED, MembershipStatus.SUSPENDED}
_OFF_LOT = {NEW, MembershipStatus.REJECTED, MembershipStatus.WITHDRAWN}

#: A provider applies (again, after a rejection or withdrawal) and the council decides; it may
#: suspend a member for quality concerns and readmit it `[003 §2.9]`; the provider may leave at any
#: time `[003 §2.5]`. The council may also record an admission made outside an application (the
#: framework's tender). The verbs are the audit trail's actions.
MEMBERSHIP_WORKFLOW = Workflow(
    {
        "apply": _membership_move("applied", _OFF_LOT, MembershipStatus.APPLIED, PROVIDER),
        "admit": _membership_move(
            "admitted",
            {MembershipStatus.APPLIED},
            MembershipStatus.ADMITTED,
            COUNCIL,
            refusal="Only an application can be admitted.",
        ),
        "reject": _membership_move(
            "rejected", {MembershipStatus.APPLIED}, MembershipStatus.REJECTED, COUNCIL
        ),
        "suspend": _membership_move(
            "suspended", {MembershipStatus.ADMITTED}, MembershipStatus.SUSPENDED, COUNCIL
        ),
        "readmit": _membership_move(
            "readmitted", {MembershipStatus.SUSPENDED}, MembershipStatus.ADMITTED, COUNCIL
        ),
        "withdraw": _membership_move(
            "withdrew",
            _ON_LOT,
            MembershipStatus.WITHDRAWN,
            PROVIDER,
            refusal="This membership is {state}: there is nothing to withdraw.",
        ),
        "admit_directly": _membership_move("admitted", _OFF_LOT, MembershipStatus.ADMITTED, COUNCIL),
    }
)


class MembershipQuerySet(PairQuerySet):
    def admitted(self):
        return self.filter(status=MembershipStatus.ADMITTED)

    def pending(self):
        return self.filter(status=MembershipStatus.APPLIED)


class LotMembership(DetailPage, Timestamped):
    """A provider's place on a lot: its application, the council's decision, and any suspension
    `[003 §2.5, §2.9]`. One row per provider and lot; re-applying after a rejection or withdrawal
    reopens the row, and the audit trail keeps every step.

    A fact about frameworks and lots, so it lives here (tenancy below procurement reads it); the
    applications, decisions and call-offs that change it are procurement's services and pages.
    The table keeps the name it had when procurement held the model."""

    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="memberships")
    provider = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="lot_memberships",
        limit_choices_to={"kind": OrganisationKind.PROVIDER},
    )
    commissioner = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+", help_text="The lot's framework's."
    )
    status = models.CharField(
        max_length=20, choices=MembershipStatus.choices, default=MembershipStatus.APPLIED
    )
    statement = models.TextField(blank=True, help_text="The provider's supporting statement.")
    criteria_results = models.JSONField(
        default=list, blank=True, help_text="Each entry criterion, met or not, when the provider applied."
    )
    declarations = models.JSONField(
        default=list, blank=True, help_text="Ids of the criteria the provider declared it meets."
    )
    applied_at = models.DateTimeField(null=True, blank=True)
    applied_by = models.ForeignKey(
        "portal.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        "portal.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decision_reason = models.TextField(blank=True)
    suspended_at = models.DateTimeField(null=True, blank=True)
    suspension_reason = models.TextField(blank=True)

    objects = MembershipQuerySet.as_manager()
    detail_view = "procurement:membership-detail"

    class Meta:
        db_table = "procurement_lotmembership"
        ordering = ["lot__framework", "lot__position", "provider__name"]
        constraints = [models.UniqueConstraint(fields=["lot", "provider"], name="membership_unique_lot")]
        indexes = [models.Index(fields=["commissioner", "status"], name="membership_status_idx")]

    def __str__(self) -> str:
        return f"{self.provider} on {self.lot}"

    def fill_commissioner(self) -> "LotMembership":
        self.commissioner_id = self.lot.framework.commissioner_id
        return self


class SchemeQuerySet(TenantQuerySet):
    reference_data = True
    commissioner_lookup = "lot__framework__commissioner"

    def for_provider(self, organisation):
        # Schemes the provider holds a contract for, and whatever apps above add (procurement: the
        # schemes of the call-offs it may bid for) through `portal.tenancy.widen_provider_scope`.
        covered = Contract.schemes.through.objects.filter(
            scheme=OuterRef("pk"), contract__provider=organisation
        )
        return self.filter(Q(Exists(covered)) | provider_widenings(self.model, organisation))

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


class Scheme(DetailPage, models.Model):
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
    detail_view = "schemes:scheme-detail"

    class Meta:
        ordering = ["lot__framework", "lot__position", "name"]
        constraints = [models.UniqueConstraint(fields=["lot", "name"], name="scheme_unique_name")]

    def __str__(self) -> str:
        return self.name

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
    provider_scope_via = "scheme"


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


class ContractQuerySet(PairQuerySet):
    reference_data = True

    def live_on(self, day: dt.date):
        return self.filter(start_date__lte=day).filter(Q(end_date__isnull=True) | Q(end_date__gte=day))


class Contract(DetailPage, Timestamped):
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
        default=90, help_text="Notice either side may give, in days (Derby: 180 [002 §7.4])."
    )
    payment_model = models.CharField(max_length=20, choices=PaymentModel.choices)
    # Norfolk's 4-weekly payment periods run in 28-day steps from this date `[004 App. 6]`.
    payment_period_anchor = models.DateField(null=True, blank=True)
    # A visit with no actual start this long after its scheduled start raises an alert `[004 §3.6.15]`.
    late_visit_minutes = models.PositiveSmallIntegerField(default=30)
    late_visit_minutes_time_critical = models.PositiveSmallIntegerField(default=15)
    purchase_order_number = models.CharField(
        max_length=40, blank=True, help_text="The council's purchase order, quoted on every invoice."
    )

    objects = ContractQuerySet.as_manager()
    detail_view = "schemes:contract-detail"

    class Meta:
        ordering = ["commissioner__name", "reference"]
        constraints = [
            models.UniqueConstraint(fields=["commissioner", "reference"], name="contract_unique_reference"),
            ends_after_start("contract_end_after_start", open_ended=True),
        ]

    def __str__(self) -> str:
        return f"{self.reference} – {self.provider} ({self.lot})"

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


class ContractRateQuerySet(PairQuerySet):
    reference_data = True

    def in_force_on(self, day: dt.date):
        """The rate row in force on `day` for each contract (latest effective_from on or before it)."""
        latest = (
            ContractRate.objects.filter(contract=OuterRef("contract"), effective_from__lte=day)
            .order_by("-effective_from")
            .values("pk")[:1]
        )
        return self.filter(pk=models.Subquery(latest))


class ContractRate(PairParties, models.Model):
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
    pair_via = "contract"

    class Meta:
        ordering = ["contract", "-effective_from"]
        constraints = [
            models.UniqueConstraint(fields=["contract", "effective_from"], name="rate_unique_date")
        ]

    def __str__(self) -> str:
        return f"£{self.planned_hourly_rate}/h from {self.effective_from:%d %b %Y}"


class BlockVolumeSource(models.TextChoices):
    AWARD = "award", "Agreed at award"
    REVIEW = "review", "Block-volume review accepted"
    AGREED = "agreed", "Agreed with the provider"


class BlockVolumeQuerySet(PairQuerySet):
    reference_data = True


class BlockVolume(PairParties, models.Model):
    """A block contract's agreed block volume, in weekly hours, from a date `[002 §1, App. 4]`. The
    quarter's block payment is the volume in force on the quarter's first day × 13 × the composite
    rate; the volume changes only when the council records a new one (a block-volume review
    accepted, or a volume agreed in writing), never with the live hours of orders."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="block_volumes")
    effective_from = models.DateField()
    weekly_hours = models.DecimalField(
        max_digits=10, decimal_places=2, validators=[MinValueValidator(Decimal("0"))]
    )
    source = models.CharField(max_length=10, choices=BlockVolumeSource.choices)
    note = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = BlockVolumeQuerySet.as_manager()
    pair_via = "contract"

    class Meta:
        ordering = ["contract", "-effective_from"]
        constraints = [
            models.UniqueConstraint(fields=["contract", "effective_from"], name="block_volume_unique_date")
        ]

    def __str__(self) -> str:
        return f"{self.weekly_hours} h/week from {self.effective_from:%d %b %Y}"


class SchemeUnplannedHoursQuerySet(PairQuerySet):
    reference_data = True


class SchemeUnplannedHours(PairParties, models.Model):
    """Unplanned-care hours per week a contract pays for at a scheme, from a date
    (98 h/week; 147 at The Meadows `[004 §1.6.2, App. 3 §5]`)."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="unplanned_hours")
    scheme = models.ForeignKey(Scheme, on_delete=models.PROTECT, related_name="unplanned_hours")
    effective_from = models.DateField()
    hours_per_week = models.DecimalField(
        max_digits=7, decimal_places=2, validators=[MinValueValidator(Decimal("0"))]
    )

    objects = SchemeUnplannedHoursQuerySet.as_manager()
    pair_via = "contract"

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
