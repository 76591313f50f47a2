"""Entry criteria and call-off competitions, over the lot memberships of `schemes.models`.

Dorset's framework is open: a provider may apply to join, widen or leave its lots at any time,
as long as it meets each lot's entry criteria `[003 §1.4, §2.5, App. 1]`. The council admits or
rejects an application with reasons, and may suspend a provider for quality concerns and
readmit it `[003 §2.9]`. Contracts are then awarded by call-off (mini-competition) among the
providers admitted to a lot, on quality and price within a price band `[003 §2.2]`,
`[004 App. 3 §1]`.

Bids are sealed: until the call-off's closing time only the bidder can read its bid — the
querysets below are the one place that enforces it, for pages, API and exports alike.
"""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from compliance.models import PolicyKind
from portal.modelbases import DetailPage, Timestamped
from portal.models import Organisation
from portal.roles import OrganisationKind
from portal.tenancy import TenantQuerySet
from portal.workflow import COUNCIL, NEW, PROVIDER, Transition, Workflow
from schemes.models import Contract, Lot, LotMembership, MembershipStatus, PaymentModel, Scheme


class EntryRequirement(models.TextChoices):
    CQC_REGISTERED = "cqc_registered", "CQC registered"
    CQC_GOOD = "cqc_good_or_better", "CQC rated Good or Outstanding"
    OFSTED_REGISTERED = "ofsted_registered", "Ofsted registered"
    OFSTED_GOOD = "ofsted_good_or_better", "Ofsted rated Good or Outstanding"
    POLICY = "policy", "Holds a named policy (declared)"
    ENHANCED_DBS = "enhanced_dbs_all_staff", "All staff hold an enhanced DBS check (staff register)"
    DECLARATION = "declaration", "Makes a declaration"


class EntryCriterionQuerySet(TenantQuerySet):
    """Entry criteria are published with the lot: whoever sees the lot sees them."""

    reference_data = True
    commissioner_lookup = "lot__framework__commissioner"
    provider_scope_via = "lot"


class LotEntryCriterion(models.Model):
    """One entry criterion of a lot, as data `[003 App. 1]`.

    Criteria are grouped in routes: every criterion of a route must be met, and meeting any one
    route is enough. Lot 9, for example, admits CQC-registered providers rated Good or
    Outstanding (route 1) or unregistered providers that declare a safeguarding and a safer
    recruitment policy and Mental Capacity Act training (route 2)."""

    lot = models.ForeignKey(Lot, on_delete=models.CASCADE, related_name="entry_criteria")
    route = models.PositiveSmallIntegerField(
        default=1,
        validators=[MinValueValidator(1)],
        help_text="Criteria in one route must all be met; meeting any one route is enough.",
    )
    route_label = models.CharField(
        max_length=150, blank=True, help_text='Who the route is for, e.g. "Providers registered with CQC".'
    )
    requirement = models.CharField(max_length=30, choices=EntryRequirement.choices)
    policy_kind = models.CharField(
        max_length=30, choices=PolicyKind.choices, blank=True, help_text="For a policy criterion."
    )
    wording = models.CharField(
        max_length=500, blank=True, help_text="As the specification words it (shown to applicants)."
    )
    position = models.PositiveSmallIntegerField(default=0)

    objects = EntryCriterionQuerySet.as_manager()

    class Meta:
        ordering = ["lot", "route", "position", "id"]
        verbose_name_plural = "lot entry criteria"

    def __str__(self) -> str:
        return self.text

    def clean(self):
        if self.requirement == EntryRequirement.POLICY and not self.policy_kind:
            raise ValidationError({"policy_kind": "Name the policy the provider must hold."})
        if self.requirement != EntryRequirement.POLICY and self.policy_kind:
            raise ValidationError({"policy_kind": "Only a policy criterion names a policy."})
        if self.requirement == EntryRequirement.DECLARATION and not self.wording:
            raise ValidationError({"wording": "Give the words the provider declares."})

    @property
    def text(self) -> str:
        if self.wording:
            return self.wording
        if self.requirement == EntryRequirement.POLICY:
            return f"Holds a {PolicyKind(self.policy_kind).label.lower()} policy"
        return EntryRequirement(self.requirement).label

    def audit_parties(self):
        return self.lot.framework.commissioner_id, None


class CallOffStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"
    AWARDED = "awarded", "Awarded"
    CANCELLED = "cancelled", "Cancelled"


#: Drafted, published to the lot's members, then awarded after the closing time (bids are sealed
#: until then) or cancelled before the award, when its bids are never opened.
CALLOFF_WORKFLOW = Workflow(
    {
        "publish": Transition(
            "published",
            frozenset({CallOffStatus.DRAFT}),
            CallOffStatus.PUBLISHED,
            COUNCIL,
            refusal="Only a draft call-off can be published.",
        ),
        "cancel": Transition(
            "cancelled",
            frozenset({CallOffStatus.DRAFT, CallOffStatus.PUBLISHED}),
            CallOffStatus.CANCELLED,
            COUNCIL,
            refusal="A call-off that is {state} cannot be cancelled.",
        ),
        "award": Transition(
            "awarded",
            frozenset({CallOffStatus.PUBLISHED}),
            CallOffStatus.AWARDED,
            COUNCIL,
            refusal="A call-off can be awarded only after its closing time, once.",
        ),
    }
)


#: The terms a council sets on a call-off (and may change while it is a draft).
CALLOFF_TERMS = [
    "reference",
    "title",
    "description",
    "closes_at",
    "price_min",
    "price_max",
    "price_weight",
    "contract_reference",
    "contract_start",
    "contract_end",
    "payment_model",
    "unplanned_hourly_rate",
    "block_weekly_hours",
]


class CallOffQuerySet(TenantQuerySet):
    commissioner_lookup = "commissioner"

    def for_provider(self, organisation):
        """Published call-offs on lots the provider is admitted to (or suspended from), and any it bid for."""
        member = LotMembership.objects.filter(
            lot=OuterRef("lot"),
            provider=organisation,
            status__in=[MembershipStatus.ADMITTED, MembershipStatus.SUSPENDED],
        )
        bid = Bid.objects.filter(calloff=OuterRef("pk"), provider=organisation)
        return self.exclude(status=CallOffStatus.DRAFT).filter(Q(Exists(member)) | Q(Exists(bid)))

    def open_for_bids(self, now=None):
        return self.filter(status=CallOffStatus.PUBLISHED, closes_at__gt=now or timezone.now())


def biddable_schemes(organisation: Organisation) -> Q:
    """The schemes of the call-offs a provider may bid for (or bid for): it sees them, though it
    holds no contract for them yet (registered on `Scheme` in `ProcurementConfig.ready`)."""
    offered = CallOff.schemes.through.objects.filter(
        scheme=OuterRef("pk"), calloff__in=CallOff.objects.for_provider(organisation)
    )
    return Q(Exists(offered))


class CallOff(DetailPage, Timestamped):
    """A mini-competition for a lot or a set of its schemes: a closing time, quality questions
    with weights, a price weight and an hourly price band (Norfolk £21.00–£23.52: a bid outside
    it is refused `[004 App. 3 §1]`). The award creates the contract at the winning bid's rate."""

    commissioner = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="calloffs",
        limit_choices_to={"kind": OrganisationKind.COMMISSIONER},
    )
    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="calloffs")
    schemes = models.ManyToManyField(
        Scheme,
        related_name="calloffs",
        blank=True,
        help_text="The schemes it covers (all the lot's by default).",
    )
    reference = models.CharField(max_length=60)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    status = models.CharField(max_length=20, choices=CallOffStatus.choices, default=CallOffStatus.DRAFT)
    closes_at = models.DateTimeField(help_text="Bids are sealed until this time.")
    price_min = models.DecimalField(
        "lowest hourly rate (£)", max_digits=8, decimal_places=2, validators=[MinValueValidator(Decimal("0"))]
    )
    price_max = models.DecimalField(
        "highest hourly rate (£)",
        max_digits=8,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0"))],
    )
    price_weight = models.DecimalField(
        "price weight (%)",
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
        help_text="Quality questions carry the rest of the 100%.",
    )
    # The contract the award creates.
    contract_reference = models.CharField(max_length=60)
    contract_start = models.DateField()
    contract_end = models.DateField(null=True, blank=True)
    payment_model = models.CharField(max_length=20, choices=PaymentModel.choices)
    unplanned_hourly_rate = models.DecimalField(
        "unplanned care rate (£/h)", max_digits=8, decimal_places=2, null=True, blank=True
    )
    block_weekly_hours = models.DecimalField(
        "block volume (hours a week)",
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
        help_text="Block contracts: the block volume agreed at award; the quarterly block is this × 13 × the "
        "awarded rate until a block-volume review changes it [002 App. 4].",
    )
    published_at = models.DateTimeField(null=True, blank=True)
    awarded_at = models.DateTimeField(null=True, blank=True)
    awarded_bid = models.OneToOneField(
        "Bid", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    contract = models.OneToOneField(
        Contract, null=True, blank=True, on_delete=models.PROTECT, related_name="calloff"
    )
    cancellation_reason = models.TextField(blank=True)
    created_by = models.ForeignKey(
        "portal.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = CallOffQuerySet.as_manager()
    detail_view = "procurement:calloff-detail"

    class Meta:
        ordering = ["-closes_at", "reference"]
        constraints = [
            models.UniqueConstraint(fields=["commissioner", "reference"], name="calloff_unique_reference"),
            models.CheckConstraint(
                name="calloff_price_band", condition=Q(price_max__gte=models.F("price_min"))
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference}: {self.title}"

    def clean(self):
        errors = {}
        if self.price_min is not None and self.price_max is not None and self.price_max < self.price_min:
            errors["price_max"] = "The highest rate must not be below the lowest."
        if self.contract_end and self.contract_start and self.contract_end < self.contract_start:
            errors["contract_end"] = "The contract must end on or after its start."
        if (
            self.lot_id
            and self.commissioner_id
            and self.lot.framework.commissioner_id != self.commissioner_id
        ):
            errors["lot"] = "The lot must be on one of your frameworks."
        if self.payment_model == PaymentModel.BLOCK_QUARTERLY and self.block_weekly_hours is None:
            errors["block_weekly_hours"] = "A block contract needs the block volume it is awarded at."
        if self.payment_model != PaymentModel.BLOCK_QUARTERLY and self.block_weekly_hours is not None:
            errors["block_weekly_hours"] = "Only a block contract has a block volume."
        if errors:
            raise ValidationError(errors)

    @property
    def is_closed(self) -> bool:
        return timezone.now() >= self.closes_at

    @property
    def is_open_for_bids(self) -> bool:
        return self.status == CallOffStatus.PUBLISHED and not self.is_closed

    @property
    def bids_opened(self) -> bool:
        """Bids may be read by the council: the closing time has passed on a live call-off."""
        return self.status in (CallOffStatus.PUBLISHED, CallOffStatus.AWARDED) and self.is_closed


class QualityQuestionQuerySet(TenantQuerySet):
    commissioner_lookup = "calloff__commissioner"
    provider_scope_via = "calloff"


class QualityQuestion(models.Model):
    """A quality question with its weight (percentage points of the total score) and the highest
    score a bid can get on it."""

    calloff = models.ForeignKey(CallOff, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveSmallIntegerField(default=1)
    text = models.TextField()
    weight = models.DecimalField(
        "weight (%)",
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(Decimal("100"))],
    )
    max_score = models.PositiveSmallIntegerField(default=5, validators=[MinValueValidator(1)])

    objects = QualityQuestionQuerySet.as_manager()

    class Meta:
        ordering = ["calloff", "position", "id"]

    def __str__(self) -> str:
        return f"Q{self.position} ({self.weight}%)"


class BidStatus(models.TextChoices):
    SUBMITTED = "submitted", "Submitted"
    WITHDRAWN = "withdrawn", "Withdrawn"


#: A bid is submitted, revised or withdrawn (and submitted again) until the closing time; the
#: verbs are the bidder's audit trail.
BID_WORKFLOW = Workflow(
    {
        "submit": Transition("bid submitted", frozenset({NEW}), BidStatus.SUBMITTED, PROVIDER),
        "revise": Transition(
            "bid revised",
            frozenset({BidStatus.SUBMITTED, BidStatus.WITHDRAWN}),
            BidStatus.SUBMITTED,
            PROVIDER,
        ),
        "withdraw": Transition(
            "bid withdrawn",
            frozenset({BidStatus.SUBMITTED}),
            BidStatus.WITHDRAWN,
            PROVIDER,
            refusal="This bid is already withdrawn.",
        ),
    }
)


class BidQuerySet(TenantQuerySet):
    """Sealed bids. The bidder sees its own; the council sees submitted bids only once the
    call-off has closed (and never those of a cancelled call-off); no one else ever does."""

    provider_lookup = "provider"

    def for_commissioner(self, organisation):
        return self.filter(
            commissioner=organisation,
            status=BidStatus.SUBMITTED,
            calloff__status__in=[CallOffStatus.PUBLISHED, CallOffStatus.AWARDED],
            calloff__closes_at__lte=timezone.now(),
        )


class Bid(DetailPage, models.Model):
    """A provider's bid: its hourly rate (inside the band) and its answers to the quality questions.
    One per provider and call-off; it may be revised or withdrawn until the closing time."""

    calloff = models.ForeignKey(CallOff, on_delete=models.PROTECT, related_name="bids")
    provider = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="bids")
    commissioner = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    hourly_rate = models.DecimalField(
        "hourly rate (£)", max_digits=8, decimal_places=2, validators=[MinValueValidator(Decimal("0"))]
    )
    note = models.TextField(blank=True, help_text="Anything the council should know about the price.")
    status = models.CharField(max_length=20, choices=BidStatus.choices, default=BidStatus.SUBMITTED)
    submitted_at = models.DateTimeField()
    submitted_by = models.ForeignKey(
        "portal.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    objects = BidQuerySet.as_manager()
    detail_view = "procurement:bid-detail"

    class Meta:
        ordering = ["calloff", "submitted_at", "id"]
        constraints = [models.UniqueConstraint(fields=["calloff", "provider"], name="bid_one_per_provider")]

    def __str__(self) -> str:
        return f"Bid by {self.provider} for {self.calloff.reference}"

    def audit_parties(self):
        # The audit trail of a bid belongs to the bidder alone: a council reading the history of
        # a bid before the closing time would break the seal.
        return None, self.provider_id


class BidAnswerQuerySet(TenantQuerySet):
    """Answers are as sealed as their bids."""

    commissioner_scope_via = "bid"
    provider_lookup = "bid__provider"


class BidAnswer(models.Model):
    """A bid's answer to one quality question, and the council's score for it once opened."""

    bid = models.ForeignKey(Bid, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(QualityQuestion, on_delete=models.CASCADE, related_name="answers")
    answer = models.TextField()
    score = models.PositiveSmallIntegerField(null=True, blank=True)
    scored_at = models.DateTimeField(null=True, blank=True)
    scored_by = models.ForeignKey(
        "portal.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = BidAnswerQuerySet.as_manager()

    class Meta:
        ordering = ["bid", "question__position"]
        constraints = [models.UniqueConstraint(fields=["bid", "question"], name="answer_one_per_question")]

    def __str__(self) -> str:
        return f"Answer to {self.question}"
