"""Packages of care: the people care is bought for, referrals, Individual Service Orders (ISOs)
with their versions and schedules, temporary variations, absences and care plans.

Vocabulary (domain.md): an ISO — also CPLI, Order Form, service agreement — is the council's
order for one person's care, issued by brokerage through the portal and accepted by the provider
`[004 §2.1.6, §3.3.2]`, `[002 §3.3]`. A permanent variation makes a new version of the order from
a date; the old version still prices the weeks before it. A temporary variation authorises extra
hours over a date range (Norfolk's ±20% tolerance `[004 §3.2.7]`).
"""

import datetime as dt
from decimal import Decimal

from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import DateRangeField, RangeBoundary, RangeOperators
from django.contrib.postgres.indexes import GinIndex
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Exists, F, Func, OuterRef, Q
from django.db.models.functions import Cast

from portal.modelbases import CommissionerParty, DetailPage, PairParties, Timestamped, ends_after_start
from portal.models import Organisation, User
from portal.tenancy import PairQuerySet, TenantQuerySet
from schemes.models import Contract, Scheme

from .rules import EMERGENCY_PLAN_DAYS, age_on

QUARTER_HOUR = Decimal("0.25")


def validate_quarter_hours(value: Decimal) -> None:
    """Commissioned hours are counted in 15-minute increments `[004 App. 3 §2]`."""
    if value is not None and (value % QUARTER_HOUR) != 0:
        raise ValidationError("Give hours in quarter-hours (e.g. 10.25, 10.5, 10.75).")


class FundingRoute(models.TextChoices):
    COUNCIL_FUNDED = "council_funded", "Council-funded"
    PART_FUNDED = "part_funded", "Part-funded"
    DIRECT_PAYMENT = "direct_payment", "Direct payment"
    SELF_FUNDER = "self_funder", "Self-funder"


class OrderStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    ISSUED = "issued", "Issued, awaiting the provider"
    ACCEPTED = "accepted", "Accepted, starting soon"
    DECLINED = "declined", "Declined by the provider"
    ACTIVE = "active", "Active"
    SUSPENDED = "suspended", "Suspended"
    ENDED = "ended", "Ended"


# Live orders: issued and not yet ended. A provider holding one may see the person it is for and
# record their absences (who may see whom, not what is paid: that is `in_force`).
LIVE_ORDER_STATUSES = (OrderStatus.ISSUED, OrderStatus.ACCEPTED, OrderStatus.ACTIVE, OrderStatus.SUSPENDED)
# An order is in force (paid for, measured, its visits expected) once accepted, until it ends.
IN_FORCE_ORDER_STATUSES = (OrderStatus.ACCEPTED, OrderStatus.ACTIVE, OrderStatus.SUSPENDED, OrderStatus.ENDED)


def dates_overlap(start: dt.date, end: dt.date | None) -> Q:
    """Records whose `start_date`–`end_date` (inclusive; none: open) meet `start`–`end` (none: open)."""
    q = Q(end_date__isnull=True) | Q(end_date__gte=start)
    return q if end is None else q & Q(start_date__lte=end)


class DateRange(Func):
    """PostgreSQL's daterange(start, end, '[]'): both days included, a NULL end open-ended."""

    function = "DATERANGE"
    output_field = DateRangeField()


class ServiceUserQuerySet(TenantQuerySet):
    commissioner_lookup = "commissioner"

    def for_provider(self, organisation):
        live = IndividualServiceOrder.objects.live().filter(
            service_user=OuterRef("pk"), provider=organisation
        )
        return self.filter(Exists(live))


class ServiceUser(DetailPage, CommissionerParty, Timestamped):
    """A person whose care the council funds or arranges. Only what the rules use is kept:
    the council's reference, a name to recognise them by, date of birth (age rules: nominations
    over 55 `[004 App. 5]`, children's services `[001]`), where they live, how care is funded,
    and whether they are a customer (Derby: customers get planned care, every resident the 24/7
    response `[002 Key definitions]`)."""

    commissioner = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="service_users")
    reference = models.CharField(max_length=40, help_text="The council's social-care number.")
    name = models.CharField(max_length=150)
    date_of_birth = models.DateField(null=True, blank=True)
    scheme = models.ForeignKey(
        Scheme, null=True, blank=True, on_delete=models.PROTECT, related_name="residents"
    )
    flat = models.CharField(max_length=20, blank=True)
    funding_route = models.CharField(
        max_length=20, choices=FundingRoute.choices, default=FundingRoute.COUNCIL_FUNDED
    )
    is_customer = models.BooleanField(
        default=True,
        help_text="Derby: customers receive planned care and the wellbeing service; non-customers only the 24/7 response.",
    )

    objects = ServiceUserQuerySet.as_manager()
    detail_view = "packages_of_care:service-user-detail"

    class Meta:
        ordering = ["name", "reference"]
        constraints = [
            models.UniqueConstraint(
                fields=["commissioner", "reference"], name="service_user_unique_reference"
            )
        ]
        indexes = [  # the header search: part of a name, a reference or a flat (portal.search)
            GinIndex(fields=[field], opclasses=["gin_trgm_ops"], name=f"service_user_{field}_trgm")
            for field in ("name", "reference", "flat")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.reference})"

    def age_on(self, day: dt.date) -> int | None:
        return None if self.date_of_birth is None else age_on(self.date_of_birth, day)


class DeclineReason(models.TextChoices):
    NO_CAPACITY = "no_capacity", "No staff capacity at the time needed"
    NEEDS_BEYOND_SERVICE = "needs_beyond_service", "Needs beyond what the service can safely meet"
    OUTSIDE_AREA = "outside_area", "Outside the area the provider covers"
    RISK = "risk", "Risk to the person or staff cannot be managed"
    INFORMATION_MISSING = "information_missing", "Referral information incomplete"
    PERSON_CHOSE_ELSEWHERE = "person_chose_elsewhere", "The person chose another provider or option"
    OTHER = "other", "Other (give details)"


class ReferralDecision(models.TextChoices):
    PENDING = "pending", "Awaiting decision"
    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Declined"


class ServiceEndReason(models.TextChoices):
    COMPLETED = "completed", "Completed the service (outcomes met)"
    HOSPITAL = "hospital", "Admitted to hospital long-term"
    RESIDENTIAL = "residential", "Moved to residential or nursing care"
    MOVED = "moved", "Moved away"
    DIED = "died", "Died"
    CHOSE_TO_LEAVE = "chose_to_leave", "Chose to stop the service"
    PROVIDER_ENDED = "provider_ended", "Provider could no longer meet needs"
    OTHER = "other", "Other (give details)"


class PlaceOfDeath(models.TextChoices):
    """Where a person died, for Norfolk's end-of-life discussion: most should be supported to die
    at home in the scheme, not moved to hospital or a care home `[004 App. 4]`."""

    SCHEME = "scheme", "At home in the scheme"
    HOSPITAL = "hospital", "In hospital"
    HOSPICE = "hospice", "In a hospice"
    CARE_HOME = "care_home", "In a residential or nursing home"
    OTHER = "other", "Elsewhere"


class Referral(DetailPage, Timestamped):
    """A referral to a provider, carrying the timestamps Dorset's KPIs R1–R8 are computed from
    `[000 §5]`, `[001 §7]`: received, emergency or not, responded, accepted or declined (and why),
    first visit, support solution with outcomes agreed, and how the service ended."""

    commissioner = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="referrals_made")
    provider = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="referrals_received")
    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="referrals")
    service_user = models.ForeignKey(ServiceUser, on_delete=models.PROTECT, related_name="referrals")
    reference = models.CharField(max_length=40)
    received_at = models.DateTimeField()
    referring_team = models.CharField(
        max_length=150,
        blank=True,
        help_text="The team that made the referral, e.g. Children Who Are Disabled team (CWAD) [001 P1 §4.1].",
    )
    is_emergency = models.BooleanField(default=False)
    needs_summary = models.TextField(blank=True)
    responded_at = models.DateTimeField(null=True, blank=True, help_text="When the provider first responded.")
    decision = models.CharField(
        max_length=10, choices=ReferralDecision.choices, default=ReferralDecision.PENDING
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    decline_reason = models.CharField(max_length=30, choices=DeclineReason.choices, blank=True)
    decline_detail = models.TextField(blank=True)
    first_visit_date = models.DateField(null=True, blank=True)
    support_solution_agreed_date = models.DateField(
        null=True, blank=True, help_text="Support solution with outcomes agreed with the person (and family)."
    )
    service_ended_on = models.DateField(null=True, blank=True)
    service_end_reason = models.CharField(max_length=20, choices=ServiceEndReason.choices, blank=True)
    service_end_detail = models.TextField(blank=True)

    objects = PairQuerySet.as_manager()
    detail_view = "packages_of_care:referral-detail"

    class Meta:
        ordering = ["-received_at"]
        constraints = [
            models.UniqueConstraint(fields=["commissioner", "reference"], name="referral_unique_reference")
        ]
        indexes = [models.Index(fields=["provider", "received_at"], name="referral_provider_received_idx")]

    def __str__(self) -> str:
        return f"Referral {self.reference}"


class IndividualServiceOrderQuerySet(TenantQuerySet):
    commissioner_lookup = "commissioner"

    def for_provider(self, organisation):
        # Drafts are the council's working papers: the provider sees an order once it is issued.
        return self.filter(provider=organisation).exclude(status=OrderStatus.DRAFT)

    def in_force(self, start: dt.date, end: dt.date | None = None):
        """Orders in force on some day from `start` to `end` (on `start` alone if no end): accepted
        onwards — accepted, active, suspended or ended, not drafts, orders still awaiting the
        provider or declined ones — and within their dates. The one definition invoicing, KPIs and
        visit alerts read."""
        return self.filter(
            dates_overlap(start, start if end is None else end), status__in=IN_FORCE_ORDER_STATUSES
        )

    def live_on(self, day: dt.date):
        """Orders in force on a day (`in_force`)."""
        return self.in_force(day)

    def live(self):
        """Issued and not yet ended (`LIVE_ORDER_STATUSES`): who may see whom."""
        return self.filter(status__in=LIVE_ORDER_STATUSES)

    def with_plan_agreement(self):
        """Each order annotated with `plan_deadline` (the last day its care plan may be agreed face
        to face) and `plan_agreed_in_time` — the SQL twin of `rules.plan_agreed_in_time`, reading
        the same `EMERGENCY_PLAN_DAYS` `[004 §3.2.9]`."""
        deadline = Cast(
            F("start_date")
            + models.Case(
                models.When(is_emergency=True, then=models.Value(dt.timedelta(days=EMERGENCY_PLAN_DAYS))),
                default=models.Value(dt.timedelta(0)),
            ),
            output_field=models.DateField(),
        )
        in_time = CarePlan.objects.filter(
            order=OuterRef("pk"), agreed_how=AgreedHow.FACE_TO_FACE, agreed_on__lte=OuterRef("plan_deadline")
        )
        return self.annotate(plan_deadline=deadline).annotate(plan_agreed_in_time=Exists(in_time))

    def without_plan_agreed_in_time(self, day: dt.date):
        """Orders in force and not ended whose deadline for a face-to-face plan has passed by `day`
        without one `[004 §3.2.9]` (a plan agreed late, or not face to face, does not count)."""
        return (
            self.filter(status__in=(OrderStatus.ACCEPTED, OrderStatus.ACTIVE, OrderStatus.SUSPENDED))
            .with_plan_agreement()
            .filter(plan_deadline__lt=day, plan_agreed_in_time=False)
        )


class IndividualServiceOrder(DetailPage, Timestamped):
    """The council's order for one person's care under a contract.

    Lifecycle: draft → issued (brokerage) → accepted or declined with a reason (provider) →
    active (from the start date) → suspended ↔ active → ended. A declined order goes back to
    brokerage, who may change it and issue it again. What is commissioned — weekly hours, weekly
    price, schedule, outcomes — lives on `OrderVersion`s, effective-dated."""

    commissioner = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="orders_commissioned"
    )
    provider = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="orders_held")
    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="orders")
    service_user = models.ForeignKey(ServiceUser, on_delete=models.PROTECT, related_name="orders")
    referral = models.ForeignKey(
        Referral, null=True, blank=True, on_delete=models.SET_NULL, related_name="orders"
    )
    reference = models.CharField(max_length=40, help_text="The ISO / CPLI number.")
    status = models.CharField(max_length=12, choices=OrderStatus.choices, default=OrderStatus.DRAFT)
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True)
    is_planned_care = models.BooleanField(
        default=True,
        help_text="Planned care (scheduled visits). Derby's block is based on planned-care orders.",
    )
    issued_at = models.DateTimeField(null=True, blank=True)
    issued_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    responded_at = models.DateTimeField(null=True, blank=True)
    responded_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    decline_reason = models.CharField(max_length=30, choices=DeclineReason.choices, blank=True)
    decline_detail = models.TextField(blank=True)
    suspended_reason = models.CharField(max_length=200, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    end_reason = models.CharField(max_length=20, choices=ServiceEndReason.choices, blank=True)
    end_detail = models.TextField(blank=True)
    place_of_death = models.CharField(
        max_length=12,
        choices=PlaceOfDeath.choices,
        blank=True,
        help_text="When the order ended because the person died.",
    )
    is_emergency = models.BooleanField(
        default=False,
        help_text="Started in an emergency: the care plan may be agreed within 48 hours of the start [004 §3.2.9].",
    )
    independence_potential_on = models.DateField(
        null=True,
        blank=True,
        help_text="When the care and support plan identified potential for greater independence "
        "(empty: not identified) [004 §3.2.8, App. 4].",
    )

    objects = IndividualServiceOrderQuerySet.as_manager()
    detail_view = "packages_of_care:order-detail"

    class Meta:
        ordering = ["-start_date", "reference"]
        verbose_name = "Individual Service Order"
        constraints = [
            models.UniqueConstraint(fields=["commissioner", "reference"], name="order_unique_reference"),
            ends_after_start("order_end_after_start", open_ended=True),
        ]
        indexes = [  # the first: the header search finds an order by part of its reference
            GinIndex(fields=["reference"], opclasses=["gin_trgm_ops"], name="order_reference_trgm"),
            models.Index(fields=["provider", "status"], name="order_provider_status_idx"),
            models.Index(fields=["contract", "status"], name="order_contract_status_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} – {self.service_user.name}" if self.service_user_id else self.reference

    def clean(self):
        errors = {}
        if self.contract_id:
            if self.commissioner_id and self.contract.commissioner_id != self.commissioner_id:
                errors["contract"] = "The contract belongs to another commissioner."
            if self.provider_id and self.contract.provider_id != self.provider_id:
                errors["provider"] = "The provider must be the contract's provider."
            if self.start_date and not self.contract.is_live_on(self.start_date):
                errors["start_date"] = "The order must start while the contract is in force."
        if (
            self.service_user_id
            and self.commissioner_id
            and self.service_user.commissioner_id != self.commissioner_id
        ):
            errors["service_user"] = "The person is funded by another commissioner."
        if self.end_date and self.start_date and self.end_date < self.start_date:
            errors["end_date"] = "The end date must be on or after the start date."
        if errors:
            raise ValidationError(errors)

    def version_on(self, day: dt.date) -> "OrderVersion | None":
        return self.versions.filter(effective_from__lte=day).order_by("-effective_from").first()

    def is_in_force_on(self, day: dt.date) -> bool:
        return self.start_date <= day and (self.end_date is None or day <= self.end_date)


class OrderPartQuerySet(TenantQuerySet):
    """A part of an order (at `order_path`): seen by its council, and by its provider once issued."""

    order_path = "order"

    def for_commissioner(self, organisation):
        return self.filter(**{f"{self.order_path}__commissioner": organisation})

    def for_provider(self, organisation):
        p = self.order_path
        return self.filter(**{f"{p}__provider": organisation}).exclude(**{f"{p}__status": OrderStatus.DRAFT})


class OrderVersionQuerySet(OrderPartQuerySet):
    def in_force_on(self, day: dt.date):
        """For each order, the version in force on `day` (latest effective_from on or before it)."""
        latest = (
            OrderVersion.objects.filter(order=OuterRef("order"), effective_from__lte=day)
            .order_by("-effective_from", "-number")
            .values("pk")[:1]
        )
        return self.filter(pk=models.Subquery(latest))


class OrderVersion(PairParties, models.Model):
    """What an order commissions from a date: weekly hours (in quarter-hours), for Dorset a weekly
    package price, the weekly visit schedule and the outcomes. A permanent variation adds a
    version; earlier versions keep pricing the days before it."""

    order = models.ForeignKey(IndividualServiceOrder, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveSmallIntegerField()
    effective_from = models.DateField()
    weekly_hours = models.DecimalField(
        max_digits=6,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0")), validate_quarter_hours],
        help_text="Commissioned hours per week, in quarter-hours.",
    )
    weekly_price = models.DecimalField(
        max_digits=9,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
        help_text="Dorset: the weekly package price.",
    )
    reason = models.CharField(max_length=300, blank=True, help_text="Why the order was varied.")
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    objects = OrderVersionQuerySet.as_manager()
    pair_via = "order"

    class Meta:
        ordering = ["order", "effective_from", "number"]
        constraints = [
            models.UniqueConstraint(fields=["order", "number"], name="order_version_unique_number"),
            models.UniqueConstraint(fields=["order", "effective_from"], name="order_version_unique_date"),
        ]

    def __str__(self) -> str:
        return f"{self.order.reference} v{self.number}: {self.weekly_hours} h/week from {self.effective_from:%d %b %Y}"


class Weekday(models.IntegerChoices):
    MONDAY = 0, "Monday"
    TUESDAY = 1, "Tuesday"
    WEDNESDAY = 2, "Wednesday"
    THURSDAY = 3, "Thursday"
    FRIDAY = 4, "Friday"
    SATURDAY = 5, "Saturday"
    SUNDAY = 6, "Sunday"


class VersionPartQuerySet(OrderPartQuerySet):
    """A part of an order version (its schedule, its outcomes): seen as the order is."""

    order_path = "version__order"


class OutcomeReviewQuerySet(OrderPartQuerySet):
    order_path = "outcome__version__order"


class ScheduledVisit(models.Model):
    """One visit in an order version's weekly schedule: day, time, length, carers, time-critical."""

    version = models.ForeignKey(OrderVersion, on_delete=models.CASCADE, related_name="schedule")
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    start_time = models.TimeField()
    duration_minutes = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(15), MaxValueValidator(24 * 60)]
    )
    carers = models.PositiveSmallIntegerField(
        default=1, validators=[MinValueValidator(1), MaxValueValidator(4)]
    )
    time_critical = models.BooleanField(
        default=False, help_text="e.g. medication that must be given on time."
    )
    tasks = models.CharField(max_length=300, blank=True)

    objects = VersionPartQuerySet.as_manager()

    class Meta:
        ordering = ["version", "weekday", "start_time"]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.start_time:%H:%M} for {self.duration_minutes} min"


class ServiceElement(models.TextChoices):
    """The service elements packages are commissioned on `[004 §3.2.8]`."""

    ENABLING_POTENTIAL = "enabling_potential", "Enabling potential"
    MAINTENANCE = "maintenance", "Maintenance / sustainability"
    COMMUNITY_ASPIRATIONS = "community_aspirations", "Personal community aspirations"


class OutcomeCategory(models.TextChoices):
    """The outcome category headings of `[004 §3.2.8]`."""

    NUTRITION = "nutrition", "Managing and maintaining nutrition"
    HYGIENE = "hygiene", "Maintaining personal hygiene; managing toilet needs"
    CLOTHING = "clothing", "Being appropriately clothed"
    HOME_ENVIRONMENT = "home_environment", "Maintaining a habitable home environment"
    HOME_SAFETY = "home_safety", "Being able to make use of the home safely"
    RELATIONSHIPS = "relationships", "Developing and maintaining family or other personal relationships"
    COMMUNITY = "community", "Making use of necessary facilities or services in the local community"


class OrderOutcome(models.Model):
    """A person-centred outcome the order buys, reviewed over time `[003 §3.16, 004 §3.6.10–12]`."""

    version = models.ForeignKey(OrderVersion, on_delete=models.CASCADE, related_name="outcomes")
    service_element = models.CharField(max_length=30, choices=ServiceElement.choices)
    category = models.CharField(max_length=30, choices=OutcomeCategory.choices)
    description = models.TextField()

    objects = VersionPartQuerySet.as_manager()

    class Meta:
        ordering = ["version", "category"]

    def __str__(self) -> str:
        return f"{self.get_category_display()}: {self.description[:60]}"


class OutcomeProgress(models.TextChoices):
    """What the care plan signals about an outcome `[004 §3.6.12]`."""

    ON_TRACK = "on_track", "Being managed effectively, support continues"
    ACHIEVED = "achieved", "Achieved, support ends as agreed"
    NOT_ACHIEVED = "not_achieved", "Not being achieved, provision needs to change"


class OutcomeReview(models.Model):
    """A review of an outcome's progress (when, finding, note, who); the latest is the outcome's
    status; "not being achieved" alerts the council's social worker (brokerage) `[004 §3.6.11–12]`."""

    outcome = models.ForeignKey(OrderOutcome, on_delete=models.CASCADE, related_name="reviews")
    reviewed_on = models.DateField()
    status = models.CharField(max_length=14, choices=OutcomeProgress.choices)
    note = models.TextField(blank=True)
    reviewed_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = OutcomeReviewQuerySet.as_manager()

    class Meta:
        ordering = ["outcome", "-reviewed_on", "-id"]

    def __str__(self) -> str:
        return f"{self.get_status_display()} on {self.reviewed_on:%d %b %Y}"

    def audit_parties(self):
        order = self.outcome.version.order
        return order.commissioner_id, order.provider_id


class TemporaryVariationStatus(models.TextChoices):
    REQUESTED = "requested", "Requested by the provider"
    APPROVED = "approved", "Approved"
    REFUSED = "refused", "Refused"
    WITHDRAWN = "withdrawn", "Withdrawn"


class TemporaryVariationQuerySet(PairQuerySet):
    def approved_covering(self, start: dt.date, end: dt.date):
        return self.filter(status=TemporaryVariationStatus.APPROVED, start_date__lte=end, end_date__gte=start)


class TemporaryVariation(DetailPage, PairParties, models.Model):
    """Brokerage's authorisation of extra hours per week over a date range, so delivered hours
    above the +20% tolerance are paid `[004 §3.2.7, App. 3 §4, App. 6 §3.3]`. A provider may
    request one; brokerage approves or refuses, or records one directly."""

    order = models.ForeignKey(
        IndividualServiceOrder, on_delete=models.CASCADE, related_name="temporary_variations"
    )
    start_date = models.DateField()
    end_date = models.DateField()
    extra_hours_per_week = models.DecimalField(
        max_digits=6,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.25")), validate_quarter_hours],
    )
    reason = models.TextField()
    status = models.CharField(
        max_length=10, choices=TemporaryVariationStatus.choices, default=TemporaryVariationStatus.REQUESTED
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    requested_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    decision_note = models.TextField(blank=True)

    objects = TemporaryVariationQuerySet.as_manager()
    pair_via = "order"
    detail_view = "packages_of_care:temporary-variation-detail"

    class Meta:
        ordering = ["-start_date"]
        constraints = [ends_after_start("temporary_variation_end_after_start")]

    def __str__(self) -> str:
        return f"+{self.extra_hours_per_week} h/week, {self.start_date:%d %b} – {self.end_date:%d %b %Y} ({self.get_status_display()})"


class HospitalDischarge(models.TextChoices):
    """Where a hospital stay ended, for Norfolk's returns from hospital `[004 App. 4]`."""

    RETURNED_HOME = "returned_home", "Returned home to the scheme"
    MOVED_TO_CARE = "moved_to_care", "Moved to residential or nursing care"
    DIED = "died", "Died in hospital"
    OTHER = "other", "Went elsewhere"


class AbsenceKind(models.TextChoices):
    HOSPITAL = "hospital", "Hospital"
    HOLIDAY = "holiday", "Holiday"
    OTHER = "other", "Other"


class AbsenceQuerySet(TenantQuerySet):
    commissioner_lookup = "service_user__commissioner"

    def for_provider(self, organisation):
        held = IndividualServiceOrder.objects.filter(
            service_user=OuterRef("service_user"), provider=organisation
        ).exclude(status__in=(OrderStatus.DRAFT, OrderStatus.DECLINED))
        return self.filter(Exists(held))

    def overlapping(self, start: dt.date, end: dt.date | None):
        return self.filter(dates_overlap(start, end))

    def away_on(self, day: dt.date):
        """The absences a person is away on `day`."""
        return self.overlapping(day, day)


class Absence(DetailPage, Timestamped):
    """A person away from home (hospital, holiday, other). Norfolk pays a retainer: days 1–7 at
    the commissioned hours, days 8–14 at 50%, nothing after `[004 App. 3 §3]`. One person's
    absences never overlap; an open-ended absence has no end date yet."""

    service_user = models.ForeignKey(ServiceUser, on_delete=models.CASCADE, related_name="absences")
    kind = models.CharField(max_length=10, choices=AbsenceKind.choices)
    start_date = models.DateField()
    end_date = models.DateField(
        null=True, blank=True, help_text="Leave empty while the person is still away."
    )
    notes = models.TextField(blank=True)
    recorded_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    recorded_by_organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # A longer full-pay retainer, agreed in writing by the social worker `[004 §1.6.1 b]`: days up
    # to `retainer_full_pay_until` are paid in full, the 7 after at half, then nothing.
    retainer_full_pay_until = models.DateField(
        null=True, blank=True, help_text="Paid in full up to and including this day, as agreed in writing."
    )
    retainer_agreed_by = models.CharField(
        max_length=200, blank=True, help_text="The social worker who agreed."
    )
    retainer_agreed_on = models.DateField(null=True, blank=True, help_text="When they agreed in writing.")
    retainer_note = models.TextField(blank=True)
    retainer_recorded_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    discharge = models.CharField(
        max_length=14,
        choices=HospitalDischarge.choices,
        default=HospitalDischarge.RETURNED_HOME,
        help_text="Hospital stays: where the person went when the stay ended.",
    )

    objects = AbsenceQuerySet.as_manager()
    detail_view = "packages_of_care:absence-detail"

    class Meta:
        ordering = ["-start_date"]
        constraints = [
            ends_after_start("absence_end_after_start", open_ended=True),
            # One person's absences never overlap, whatever writes them (btree_gist for the person).
            ExclusionConstraint(
                name="absence_no_overlap",
                expressions=[
                    ("service_user", RangeOperators.EQUAL),
                    (
                        DateRange("start_date", "end_date", RangeBoundary(inclusive_upper=True)),
                        RangeOperators.OVERLAPS,
                    ),
                ],
            ),
        ]

    def __str__(self) -> str:
        end = f"{self.end_date:%d %b %Y}" if self.end_date else "ongoing"
        return f"{self.get_kind_display()} absence {self.start_date:%d %b %Y} – {end}"

    @property
    def retainer_full_pay_days(self) -> int | None:
        """The agreed last full-pay day as a day of the absence (day 1 is its start)."""
        if self.retainer_full_pay_until is None:
            return None
        return (self.retainer_full_pay_until - self.start_date).days + 1

    def audit_parties(self):
        # A provider that recorded the absence reads its trail too.
        commissioner_id = self.service_user.commissioner_id
        recorder = self.recorded_by_organisation_id
        return commissioner_id, (recorder if recorder not in (None, commissioner_id) else None)


class CarePlanKind(models.TextChoices):
    FULL = "full", "Care and support plan"
    EMERGENCY_RESPONSE = "emergency_response", "Simpler plan for the 24/7 emergency response"


class AgreedHow(models.TextChoices):
    FACE_TO_FACE = "face_to_face", "Face to face"
    REMOTE = "remote", "By phone or video"
    NOT_MET = "not_met", "Without meeting the person"


class CarePlanQuerySet(TenantQuerySet):
    commissioner_lookup = "service_user__commissioner"
    provider_lookup = "provider"

    def overdue_on(self, day: dt.date):
        return self.filter(next_review_due__lt=day, is_current=True)


class CarePlan(DetailPage, Timestamped):
    """A person-centred care and support plan, agreed face to face before the service starts (or
    within 48 hours in an emergency) `[004 §3.2.9]` — `agreed_how` records how — reviewed at least
    every year `[002 §3.4]`, `[004 §3.8.3]`: the next review is never more than a year after the last.

    Derby: residents who are not customers get a simpler plan (`kind` emergency response, no order)
    holding what the 24/7 emergency response needs to respond safely: who to contact, the risks to
    know, and how to get in and communicate `[002 §3.4]`."""

    service_user = models.ForeignKey(ServiceUser, on_delete=models.CASCADE, related_name="care_plans")
    provider = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="care_plans")
    order = models.ForeignKey(
        IndividualServiceOrder, null=True, blank=True, on_delete=models.SET_NULL, related_name="care_plans"
    )
    agreed_on = models.DateField()
    last_reviewed_on = models.DateField(null=True, blank=True)
    next_review_due = models.DateField()
    potential_for_greater_independence = models.BooleanField(default=False)
    summary = models.TextField(blank=True)
    is_current = models.BooleanField(default=True)
    kind = models.CharField(max_length=20, choices=CarePlanKind.choices, default=CarePlanKind.FULL)
    agreed_how = models.CharField(
        max_length=14, choices=AgreedHow.choices, default=AgreedHow.FACE_TO_FACE, help_text="[004 §3.2.9]"
    )
    emergency_contacts = models.TextField(blank=True, help_text="Next of kin and emergency contact numbers.")
    risks = models.TextField(
        blank=True, help_text="Risks the responder must know (falls, health conditions…)."
    )
    response_notes = models.TextField(
        blank=True, help_text="Access (key safe), communication needs, medication to be aware of."
    )

    objects = CarePlanQuerySet.as_manager()
    detail_view = "packages_of_care:care-plan-detail"

    class Meta:
        ordering = ["next_review_due"]

    def __str__(self) -> str:
        return f"Care plan for {self.service_user.name}, review due {self.next_review_due:%d %b %Y}"

    def clean(self):
        if self.kind == CarePlanKind.EMERGENCY_RESPONSE:
            if self.order_id is not None:
                raise ValidationError({"kind": "The simpler plan is for residents without an order of care."})
            if self.service_user_id and self.service_user.is_customer:
                raise ValidationError(
                    {
                        "kind": "This resident is a customer: they need a full care and support plan [002 §3.4]."
                    }
                )
            if not self.emergency_contacts.strip():
                raise ValidationError({"emergency_contacts": "Give the contacts the responder should call."})
        base = self.last_reviewed_on or self.agreed_on
        if base and self.next_review_due:
            latest = _one_year_after(base)
            if self.next_review_due > latest:
                raise ValidationError(
                    {
                        "next_review_due": f"The next review must be by {latest:%d %B %Y}, a year after the last."
                    }
                )
            if self.next_review_due < base:
                raise ValidationError({"next_review_due": "The next review cannot be before the last."})

    def audit_parties(self):
        return self.service_user.commissioner_id, self.provider_id


def _one_year_after(day: dt.date) -> dt.date:
    try:
        return day.replace(year=day.year + 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year + 1, day=28)
