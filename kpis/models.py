"""Quarterly KPI returns: what each council measures, and what each provider returned.

* `KpiDefinition` — one KPI of a commissioner's lot: code, title, unit, how it is obtained
  (computed from records, entered by the provider, entered by the council), target and direction,
  the specification section it comes from. Reference data, loaded from `kpis.catalogue`.
* `KpiReturn` — a provider's return for one contract (lot) and one financial-year quarter, with its
  workflow: draft → submitted → queried → resubmitted → accepted. A submitted return is frozen;
  recomputing it makes a new revision.
* `KpiValue` — one KPI's figure in a return (per scheme where the KPI is per scheme): numerator,
  denominator, value, the query window, the threshold it was judged against and its RAG.
* `ReturnComment` — the commissioner's queries on a KPI and the provider's answers.
* `CalendarDay` — England's working days as a table, so working-day KPIs (R5–R8, complaint
  responses) are computed in SQL.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from portal.modelbases import CommissionerParty, DetailPage, PairParties, Timestamped
from portal.models import Organisation, User
from portal.tenancy import PairQuerySet, TenantQuerySet
from schemes.models import Contract, Lot, Scheme

from .quarters import Quarter


class Unit(models.TextChoices):
    COUNT = "count", "Count"
    PERCENTAGE = "percentage", "Percentage"
    HOURS = "hours", "Hours"
    RATING = "rating", "Rating"
    TEXT = "text", "Text"


class Obtained(models.TextChoices):
    COMPUTED = "computed", "Computed from records"
    PROVIDER = "provider", "Entered by the provider"
    COUNCIL = "council", "Entered by the council"


class Direction(models.TextChoices):
    AT_MOST = "at_most", "At most"
    AT_LEAST = "at_least", "At least"
    NONE = "none", "No target (reported)"
    DISCUSSION = "discussion", "Discussion item"


class TargetRule(models.TextChoices):
    FIXED = "fixed", "The target as given"
    GREATER_OF_COUNT_OR_PERCENT = (
        "greater_of_count_or_percent",
        "The greater of a number or a percentage of service users",
    )


class Window(models.TextChoices):
    QUARTER = "quarter", "The quarter"
    YEAR_TO_DATE = "year_to_date", "The financial year to the quarter's end"
    ROLLING_YEAR = "rolling_year", "The 12 months to the quarter's end"


class Calculation(models.TextChoices):
    """How a computed KPI is worked out (see `kpis.calculations`)."""

    REFERRALS_ACCEPTED = "referrals_accepted", "Referrals accepted"
    REFERRALS_DECLINED = "referrals_declined", "Referrals declined, by reason"
    SERVICE_COMPLETED = "service_completed", "Service users completing the service"
    SERVICE_LEFT_EARLY = "service_left_early", "Service users leaving before completion, by reason"
    EMERGENCY_RESPONSE_24H = "emergency_response_24h", "Emergency referrals answered within 24 weekday hours"
    RESPONSE_WEEK_ONE = "response_week_one", "Referrals answered within a week"
    FIRST_VISIT_7WD = "first_visit_7wd", "First visit within 7 working days of acceptance"
    SUPPORT_SOLUTION_5WD = "support_solution_5wd", "Support solution within 5 working days of the first visit"
    NEW_CHOICE_USERS = "new_choice_users", "Service users served through new activities"
    SHORT_BREAK_ACTIVITIES = "short_break_activities", "Short-break activities available"
    ACTIVITY_ATTENDANCE = "activity_attendance", "Service users attending each activity"
    ALARM_WITHIN_10_MIN = "alarm_within_10_min", "Alarm calls answered within 10 minutes"
    SURVEY_SATISFIED = "survey_satisfied", "Survey respondents satisfied"
    HOURS_DELIVERED_VS_ALLOCATED = "hours_delivered_vs_allocated", "Hours delivered against hours allocated"
    UPHELD_COMPLAINTS = "upheld_complaints", "Upheld concerns and complaints"
    MCA_DOLS_TRAINING = "mca_dols_training", "Staff trained in MCA and DoLS within 6 months"
    MISSED_VISITS = "missed_visits", "Missed scheduled visits"
    CQC_RATING = "cqc_rating", "Most recent CQC or PAMMS rating"
    SAFEGUARDING = "safeguarding", "Safeguarding incidents"
    STAFF_TURNOVER = "staff_turnover", "Staff turnover"
    PLANNED_HOURS_TOTAL = "planned_hours_total", "Planned care hours delivered"
    PLANNED_HOURS_AVERAGE = "planned_hours_average", "Average weekly care hours per resident"
    HOURS_MIX = "hours_mix", "Mix of residents by weekly care hours"
    DEMENTIA_FRIENDS = "dementia_friends", "Staff with Dementia Friends training within 9 months"
    INDEPENDENCE = "independence", "Residents with reduced care hours"
    HOSPITAL_AND_END_OF_LIFE = "hospital_and_end_of_life", "Returns from hospital; how services ended"
    UNPLANNED_CARE = "unplanned_care", "Unplanned care use, including overnight calls"
    VOIDS = "voids", "Pending and actual voids"
    TENANCIES_DECLINED = "tenancies_declined", "Tenancies declined solely by the provider"
    EMERGENCY_CALL_OUTS = "emergency_call_outs", "Emergency vehicle call-outs"
    COMPLAINT_RESPONSES_10WD = (
        "complaint_responses_10wd",
        "Complaint information returned within 10 working days",
    )


class KpiDefinitionQuerySet(TenantQuerySet):
    reference_data = True
    commissioner_lookup = "commissioner"
    provider_scope_via = "lot"

    def active(self):
        return self.filter(is_active=True)

    def applying_to(self, contract: Contract):
        """The definitions a contract's returns measure: those the council chose for it
        (`ContractKpi`), or, where it chose none, every one of its lot's. Active ones only."""
        chosen = ContractKpi.objects.filter(contract=contract)
        if chosen.exists():
            return self.active().filter(pk__in=chosen.values("definition"))
        return self.active().filter(lot_id=contract.lot_id)


class KpiDefinition(CommissionerParty, models.Model):
    """One KPI a commissioner measures on a lot `[000 §5]`, `[001 §7]`, `[002 §3.1, §5]`, `[004 App. 4]`.

    `per_scheme` KPIs get a value for each scheme the contract covers; the others one value for the
    contract. Norfolk's complaints KPI has a rule instead of a fixed target: the greater of 2 service
    users or 2% of service users (`target_rule`, `rule_count`, `rule_percent`)."""

    commissioner = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="kpi_definitions")
    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="kpi_definitions")
    code = models.CharField(max_length=12)
    title = models.CharField(max_length=300)
    description = models.TextField(blank=True, help_text="How it is measured, in the portal's words.")
    specification_reference = models.CharField(max_length=60, blank=True)
    unit = models.CharField(max_length=12, choices=Unit.choices)
    obtained = models.CharField(max_length=10, choices=Obtained.choices, default=Obtained.COMPUTED)
    calculation = models.CharField(max_length=40, choices=Calculation.choices, blank=True)
    window = models.CharField(max_length=14, choices=Window.choices, default=Window.QUARTER)
    per_scheme = models.BooleanField(default=False)
    direction = models.CharField(max_length=10, choices=Direction.choices, default=Direction.NONE)
    target = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    target_rule = models.CharField(max_length=30, choices=TargetRule.choices, default=TargetRule.FIXED)
    rule_count = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    rule_percent = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    target_text = models.CharField(
        max_length=300, blank=True, help_text="The target in the specification's words."
    )
    position = models.PositiveSmallIntegerField(default=0)
    is_active = models.BooleanField(default=True)

    objects = KpiDefinitionQuerySet.as_manager()

    class Meta:
        ordering = ["lot", "position", "code"]
        verbose_name = "KPI definition"
        constraints = [
            models.UniqueConstraint(fields=["lot", "code"], name="kpi_definition_unique_code"),
            models.CheckConstraint(
                name="kpi_definition_computed_has_calculation",
                condition=~Q(obtained="computed") | ~Q(calculation=""),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"

    def clean(self):
        if (
            self.lot_id
            and self.commissioner_id
            and self.lot.framework.commissioner_id != self.commissioner_id
        ):
            raise ValidationError({"lot": "The lot must be on one of the commissioner's frameworks."})
        if self.obtained == Obtained.COMPUTED and not self.calculation:
            raise ValidationError({"calculation": "Say how a computed KPI is worked out."})
        if self.target_rule == TargetRule.GREATER_OF_COUNT_OR_PERCENT and (
            self.rule_count is None or self.rule_percent is None
        ):
            raise ValidationError({"rule_count": "Give the number and the percentage."})

    @property
    def has_target(self) -> bool:
        return self.direction in (Direction.AT_MOST, Direction.AT_LEAST)


class ContractKpiQuerySet(PairQuerySet):
    reference_data = True


class ContractKpi(PairParties, models.Model):
    """A definition the council chose for one contract. A contract with none takes every
    definition of its lot; with some, only those (a lot's catalogue may hold KPIs that one call-off
    does not report, e.g. Dorset's children's lot Part 1 and Part 2 `[001 §7, Part 2 §8]`)."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="chosen_kpis")
    definition = models.ForeignKey(KpiDefinition, on_delete=models.CASCADE, related_name="+")

    objects = ContractKpiQuerySet.as_manager()
    pair_via = "contract"

    class Meta:
        verbose_name = "contract KPI"
        constraints = [
            models.UniqueConstraint(fields=["contract", "definition"], name="contract_kpi_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.definition.code} on {self.contract.reference}"


class ReturnStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted"
    QUERIED = "queried", "Queried by the council"
    RESUBMITTED = "resubmitted", "Resubmitted"
    ACCEPTED = "accepted", "Accepted"


AWAITING_REVIEW = (ReturnStatus.SUBMITTED, ReturnStatus.RESUBMITTED)
PROVIDER_EDITABLE = (ReturnStatus.DRAFT, ReturnStatus.QUERIED)


class KpiReturnQuerySet(PairQuerySet):
    def latest(self):
        return self.filter(is_latest=True)

    def for_quarter(self, quarter: Quarter | str):
        return self.filter(quarter=str(quarter))


class KpiReturn(DetailPage, Timestamped):
    """A provider's quarterly return for one contract: computed values, values the provider enters,
    commentary, and the review. Revisions: recomputing a submitted return adds revision n+1 as a
    draft and leaves what was submitted untouched; `is_latest` marks the newest."""

    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="kpi_returns")
    commissioner = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    provider = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="+")
    quarter = models.CharField(max_length=7, help_text="e.g. 2026-Q2 (July to September 2026).")
    period_start = models.DateField()
    period_end = models.DateField()
    revision = models.PositiveSmallIntegerField(default=1)
    is_latest = models.BooleanField(default=True)
    status = models.CharField(max_length=12, choices=ReturnStatus.choices, default=ReturnStatus.DRAFT)
    commentary = models.TextField(blank=True, help_text="The provider's commentary on the quarter.")
    computed_at = models.DateTimeField()
    submitted_at = models.DateTimeField(null=True, blank=True)
    submitted_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    objects = KpiReturnQuerySet.as_manager()
    detail_view = "kpis:return-detail"

    class Meta:
        ordering = ["-period_start", "contract_id", "-revision"]
        verbose_name = "KPI return"
        constraints = [
            models.UniqueConstraint(
                fields=["contract", "quarter", "revision"], name="kpi_return_unique_revision"
            ),
            models.UniqueConstraint(
                fields=["contract", "quarter"], condition=Q(is_latest=True), name="kpi_return_one_latest"
            ),
        ]
        indexes = [
            models.Index(fields=["commissioner", "quarter"], name="kpi_return_comm_quarter_idx"),
            models.Index(fields=["provider", "quarter"], name="kpi_return_prov_quarter_idx"),
        ]

    def __str__(self) -> str:
        rev = f" (revision {self.revision})" if self.revision > 1 else ""
        return f"KPI return {self.quarter} – {self.contract.reference}{rev}"

    @property
    def quarter_obj(self) -> Quarter:
        return Quarter.parse(self.quarter)

    @property
    def is_frozen(self) -> bool:
        """Submitted (at any stage after the draft): computed and entered figures no longer change."""
        return self.status != ReturnStatus.DRAFT

    @property
    def provider_may_edit(self) -> bool:
        return self.is_latest and self.status in PROVIDER_EDITABLE

    @property
    def awaiting_review(self) -> bool:
        return self.is_latest and self.status in AWAITING_REVIEW


# What a value shows of its definition and of its figure, in the order every listing of values
# (the API, the CSV and XLSX export) gives them.
DEFINITION_COLUMNS = ("code", "title", "unit", "obtained")
FIGURE_COLUMNS = ("numerator", "denominator", "value", "text", "threshold")


class KpiValue(DetailPage, models.Model):
    """One KPI's figure in a return. Computed values keep their numerator, denominator, window and a
    breakdown, so a reviewer can see how the figure was made and open the records behind it
    (`kpis:value-records`). `threshold` is the target the RAG was judged against (for Norfolk's
    complaints rule, the greater of 2 or 2% of the scheme's service users in that window)."""

    kpi_return = models.ForeignKey(KpiReturn, on_delete=models.CASCADE, related_name="values")
    definition = models.ForeignKey(KpiDefinition, on_delete=models.PROTECT, related_name="values")
    scheme = models.ForeignKey(Scheme, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    commissioner = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    provider = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    numerator = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    denominator = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    value = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    text = models.TextField(blank=True, help_text="Text answers, ratings and summaries.")
    breakdown = models.JSONField(default=list, blank=True)
    note = models.CharField(max_length=300, blank=True, help_text="What the portal noticed computing it.")
    window_start = models.DateField(null=True, blank=True)
    window_end = models.DateField(null=True, blank=True)
    threshold = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    rag = models.CharField(max_length=6, default="none")
    commentary = models.TextField(blank=True, help_text="The provider's explanation.")
    entered_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    entered_at = models.DateTimeField(null=True, blank=True)

    objects = PairQuerySet.as_manager()
    detail_view = "kpis:value-records"

    class Meta:
        ordering = ["kpi_return", "definition__position", "scheme__name"]
        verbose_name = "KPI value"
        constraints = [
            models.UniqueConstraint(
                fields=["kpi_return", "definition", "scheme"],
                condition=Q(scheme__isnull=False),
                name="kpi_value_unique_per_scheme",
            ),
            models.UniqueConstraint(
                fields=["kpi_return", "definition"],
                condition=Q(scheme__isnull=True),
                name="kpi_value_unique_per_contract",
            ),
        ]
        indexes = [models.Index(fields=["definition", "scheme"], name="kpi_value_definition_idx")]

    def __str__(self) -> str:
        where = f" at {self.scheme.name}" if self.scheme_id else ""
        return f"{self.definition.code}{where}, {self.kpi_return.quarter}"

    def audit_parties(self):
        return self.commissioner_id, self.provider_id

    @property
    def is_blank(self) -> bool:
        return self.value is None and not self.text


class CommentKind(models.TextChoices):
    QUERY = "query", "Query from the council"
    ANSWER = "answer", "Answer from the provider"


class ReturnComment(PairParties, models.Model):
    """A commissioner's query on one KPI of a return, or the provider's answer to it."""

    kpi_return = models.ForeignKey(KpiReturn, on_delete=models.CASCADE, related_name="comments")
    value = models.ForeignKey(
        KpiValue, null=True, blank=True, on_delete=models.CASCADE, related_name="comments"
    )
    kind = models.CharField(max_length=6, choices=CommentKind.choices)
    round = models.PositiveSmallIntegerField(default=1, help_text="Which query round it belongs to.")
    text = models.TextField()
    author = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    author_organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = PairQuerySet.as_manager()
    pair_via = "kpi_return"

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {self.kpi_return}"


class CalendarDay(models.Model):
    """A day, whether it is an English working day, and how many working days there have been from
    1 January 2000 up to and including it. Working days between two dates are then a subtraction,
    in SQL: `working_days_between(a, b) == number(b) − number(a)` (as `portal.workdays` counts).
    Filled from `portal.workdays` by `kpis.workcalendar.ensure_calendar`."""

    day = models.DateField(primary_key=True)
    is_working_day = models.BooleanField()
    number = models.PositiveIntegerField()

    class Meta:
        ordering = ["day"]

    def __str__(self) -> str:
        return f"{self.day} ({'working' if self.is_working_day else 'not working'}, #{self.number})"
