"""Operational records the KPIs and the monitoring read: alarm calls (the 24/7 response and
unplanned care), complaints and concerns, safeguarding incidents, satisfaction survey responses,
voids, nominations panel decisions, and activities with attendance.

Each record belongs to one provider and one commissioner (the pair whose contract it falls
under, copied on save for fast scoping), and usually to a scheme.
"""

import datetime as dt
from zoneinfo import ZoneInfo

from django.db import models
from django.db.models import Q
from django.utils import timezone

from packages_of_care.models import ServiceUser
from portal.modelbases import DetailPage, PairParties, Timestamped, ends_after_start
from portal.models import Organisation
from portal.tenancy import PairQuerySet
from portal.workdays import add_working_days
from schemes.models import Contract, Scheme

LONDON = ZoneInfo("Europe/London")
# The provider returns the information asked for on a complaint within 10 working days [004 §8.5.5].
INFORMATION_WORKING_DAYS = 10


class PairRecord(Timestamped):
    """Abstract: the contract a record falls under, and the pair copied from it."""

    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="+")
    commissioner = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    provider = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")

    objects = PairQuerySet.as_manager()

    class Meta:
        abstract = True

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse(f"records:{URL_SLUGS[type(self).__name__]}-detail", args=[self.pk])

    def fill_pair(self):
        self.commissioner_id = self.contract.commissioner_id
        self.provider_id = self.contract.provider_id
        return self


class AlarmOutcome(models.TextChoices):
    ADVICE = "advice", "Advice or reassurance given"
    ATTENDED = "attended", "Attended, care given"
    FALL_ASSISTED = "fall_assisted", "Attended a fall, helped up"
    EMERGENCY_SERVICES = "emergency_services", "Emergency services called"
    FALSE_ALARM = "false_alarm", "False alarm"
    OTHER = "other", "Other"


class AlarmCall(PairRecord):
    """A call on the 24/7 emergency response (unplanned care; Norfolk's Peace of Mind).

    Derby measures the share answered within 10 minutes (target 90% `[002 §3.1]`): a call answered
    at exactly 10:00 counts as within. Overnight = raised between 22:00 and 07:00 London time."""

    scheme = models.ForeignKey(Scheme, on_delete=models.PROTECT, related_name="alarm_calls")
    service_user = models.ForeignKey(
        ServiceUser, null=True, blank=True, on_delete=models.SET_NULL, related_name="alarm_calls"
    )
    flat = models.CharField(max_length=20, blank=True)
    resident_is_customer = models.BooleanField(
        default=True, help_text="Derby: customer or non-customer resident."
    )
    raised_at = models.DateTimeField()
    responded_at = models.DateTimeField(null=True, blank=True)
    response_seconds = models.PositiveIntegerField(
        null=True, blank=True, help_text="responded_at − raised_at."
    )
    is_overnight = models.BooleanField(default=False, help_text="Raised 22:00–07:00 (London).")
    outcome = models.CharField(max_length=20, choices=AlarmOutcome.choices)
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ["-raised_at"]
        indexes = [
            models.Index(fields=["provider", "raised_at"], name="alarm_provider_raised_idx"),
            models.Index(fields=["scheme", "raised_at"], name="alarm_scheme_raised_idx"),
        ]

    def __str__(self) -> str:
        return f"Alarm call {timezone.localtime(self.raised_at, LONDON):%d %b %Y %H:%M} at {self.scheme}"

    def fill_derived(self) -> "AlarmCall":
        self.fill_pair()
        local = timezone.localtime(self.raised_at, LONDON).time()
        self.is_overnight = local >= dt.time(22, 0) or local < dt.time(7, 0)
        self.response_seconds = (
            max(0, int((self.responded_at - self.raised_at).total_seconds())) if self.responded_at else None
        )
        return self


class ComplaintKind(models.TextChoices):
    COMPLAINT = "complaint", "Complaint"
    CONCERN = "concern", "Concern"
    COMPLIMENT = "compliment", "Compliment"


class Complaint(PairRecord):
    """A complaint, concern or compliment. Norfolk: complaint information reaches the council within
    10 working days `[004 §8.5.5]`; upheld complaints ≤ max(2, 2% of service users) `[004 App. 4]`."""

    reference = models.CharField(max_length=40)
    kind = models.CharField(max_length=12, choices=ComplaintKind.choices, default=ComplaintKind.COMPLAINT)
    scheme = models.ForeignKey(Scheme, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    service_user = models.ForeignKey(
        ServiceUser, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    received_on = models.DateField()
    summary = models.TextField()
    upheld = models.BooleanField(null=True, blank=True, help_text="Empty until decided.")
    outcome = models.TextField(blank=True)
    closed_on = models.DateField(null=True, blank=True)
    response_sent_to_council_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["-received_on"]
        constraints = [
            models.UniqueConstraint(fields=["provider", "reference"], name="complaint_unique_reference")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.reference}"


class ComplaintInformationRequest(PairRecord):
    """The council's request for information on a complaint a person made to the council: the
    provider returns what was asked within 10 working days of the request `[004 §8.5.5]` (`due_on`,
    set from the request day with `portal.workdays`). Norfolk's N16 counts the requests answered in
    time, in the quarter each one's 10 working days end."""

    reference = models.CharField(max_length=40, help_text="The council's complaint reference.")
    complaint = models.ForeignKey(
        Complaint, null=True, blank=True, on_delete=models.SET_NULL, related_name="information_requests"
    )
    scheme = models.ForeignKey(Scheme, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    service_user = models.ForeignKey(
        ServiceUser, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_on = models.DateField()
    information_requested = models.TextField()
    due_on = models.DateField(help_text="10 working days after the request.")
    requested_by = models.ForeignKey(
        "portal.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    answered_on = models.DateField(
        null=True, blank=True, help_text="When the provider returned the information."
    )
    answer = models.TextField(blank=True)
    answered_by = models.ForeignKey(
        "portal.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-requested_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["commissioner", "reference", "requested_on"], name="complaint_request_unique"
            )
        ]
        indexes = [models.Index(fields=["provider", "due_on"], name="complaint_request_due_idx")]

    def __str__(self) -> str:
        return f"Information request {self.reference} of {self.requested_on:%d %b %Y}"

    def save(self, *args, **kwargs):
        # The deadline is derived, never typed: 10 working days from the request [004 §8.5.5].
        self.due_on = add_working_days(self.requested_on, INFORMATION_WORKING_DAYS)
        super().save(*args, **kwargs)

    @property
    def answered_in_time(self) -> bool | None:
        if self.answered_on is None:
            return None
        return self.answered_on <= self.due_on


class MonthlyComplaintsReport(PairRecord):
    """The provider's monthly report of the complaints (and compliments) received and the actions
    taken `[004 §8.5.6]`, with the lessons learned and shared `[004 §8.5.7]`. The counts are taken
    from the complaints recorded for the month when the report is submitted; the council reads it."""

    month = models.DateField(help_text="The first day of the month reported on.")
    complaints = models.PositiveIntegerField(default=0)
    concerns = models.PositiveIntegerField(default=0)
    compliments = models.PositiveIntegerField(default=0)
    upheld = models.PositiveIntegerField(default=0)
    actions_taken = models.TextField(help_text="What was done about the complaints received.")
    lessons_learned = models.TextField(blank=True, help_text="Lessons taken forward and shared [004 §8.5.7].")
    submitted_at = models.DateTimeField()
    submitted_by = models.ForeignKey(
        "portal.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-month", "contract_id"]
        constraints = [
            models.UniqueConstraint(fields=["contract", "month"], name="complaints_report_one_per_month")
        ]

    def __str__(self) -> str:
        return f"Complaints report for {self.month:%B %Y}"


class PammsRating(models.TextChoices):
    """The scale of Norfolk's Provider Assessment and Market Management Solution `[004 §8.1.4, App. 4]`."""

    EXCELLENT = "excellent", "Excellent"
    GOOD = "good", "Good"
    REQUIRES_IMPROVEMENT = "requires_improvement", "Requires improvement"
    POOR = "poor", "Poor"


class PammsAssessment(PairRecord):
    """The council's PAMMS assessment of a scheme (Norfolk's Integrated Quality Service). With the
    provider's CQC rating, the more recent of the two is the scheme's rating for N4 `[004 App. 4]`."""

    scheme = models.ForeignKey(Scheme, on_delete=models.PROTECT, related_name="pamms_assessments")
    rating = models.CharField(max_length=22, choices=PammsRating.choices)
    assessed_on = models.DateField(help_text="The day the assessment was published.")
    note = models.TextField(blank=True)
    recorded_by = models.ForeignKey(
        "portal.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-assessed_on", "-id"]
        indexes = [models.Index(fields=["scheme", "assessed_on"], name="pamms_scheme_day_idx")]

    def __str__(self) -> str:
        return f"PAMMS {self.get_rating_display()} on {self.assessed_on:%d %b %Y}"


class SafeguardingIncident(PairRecord):
    """A safeguarding concern or incident, reported to the council (no target; reported quarterly)."""

    class Category(models.TextChoices):
        PHYSICAL = "physical", "Physical abuse"
        NEGLECT = "neglect", "Neglect or acts of omission"
        FINANCIAL = "financial", "Financial abuse"
        PSYCHOLOGICAL = "psychological", "Psychological abuse"
        SELF_NEGLECT = "self_neglect", "Self-neglect"
        MEDICATION = "medication", "Medication error"
        OTHER = "other", "Other"

    reference = models.CharField(max_length=40)
    scheme = models.ForeignKey(Scheme, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    service_user = models.ForeignKey(
        ServiceUser, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    occurred_on = models.DateField()
    reported_to_council_on = models.DateField(null=True, blank=True)
    category = models.CharField(max_length=20, choices=Category.choices)
    summary = models.TextField()
    outcome = models.TextField(blank=True)

    class Meta:
        ordering = ["-occurred_on"]
        constraints = [
            models.UniqueConstraint(fields=["provider", "reference"], name="safeguarding_unique_reference")
        ]

    def __str__(self) -> str:
        return f"Safeguarding {self.reference}"


class SurveyResponse(PairRecord):
    """A resident's answer to the satisfaction survey (Norfolk: 90% satisfied `[004 App. 4]`;
    Derby: quarterly resident feedback reported in full `[002 §5]`)."""

    scheme = models.ForeignKey(Scheme, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    service_user = models.ForeignKey(
        ServiceUser, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reference = models.CharField(
        max_length=40,
        blank=True,
        help_text="The survey form's number, so an upload sent twice is counted once.",
    )
    responded_on = models.DateField()
    satisfied = models.BooleanField()
    comments = models.TextField(blank=True)

    class Meta:
        ordering = ["-responded_on"]

    def __str__(self) -> str:
        return f"Survey response {self.responded_on:%d %b %Y} ({'satisfied' if self.satisfied else 'not satisfied'})"


class VoidStatus(models.TextChoices):
    PENDING = "pending", "Pending (notice given)"
    ACTUAL = "actual", "Actual (empty)"


class Void(PairRecord):
    """An empty or soon-empty flat (pending and actual voids are discussed quarterly `[004 App. 4]`)."""

    scheme = models.ForeignKey(Scheme, on_delete=models.PROTECT, related_name="voids")
    flat = models.CharField(max_length=20)
    status = models.CharField(max_length=10, choices=VoidStatus.choices)
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True, help_text="When the flat was let again.")
    reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["scheme", "flat", "-start_date"]
        constraints = [ends_after_start("void_end_after_start", open_ended=True)]

    def __str__(self) -> str:
        return f"{self.get_status_display()} void: {self.scheme} flat {self.flat}"


class NominationDecision(PairRecord):
    """A nominations panel decision on an applicant (Norfolk, monthly `[004 App. 5]`): applicants over
    55 with more than 4 h/week of care; every decline has a reason. KPI: tenancies declined solely by
    the provider, where the applicant had a housing need and over 4 h/week of care: no more than 4."""

    class Decision(models.TextChoices):
        ACCEPTED = "accepted", "Accepted"
        DECLINED = "declined", "Declined"
        DEFERRED = "deferred", "Deferred"

    class DeclinedBy(models.TextChoices):
        PROVIDER = "provider", "The care provider alone"
        PANEL = "panel", "The panel"
        LANDLORD = "landlord", "The landlord"
        APPLICANT = "applicant", "The applicant withdrew"

    scheme = models.ForeignKey(Scheme, on_delete=models.PROTECT, related_name="nominations")
    panel_date = models.DateField()
    applicant_reference = models.CharField(max_length=40)
    applicant_age = models.PositiveSmallIntegerField()
    assessed_care_hours_per_week = models.DecimalField(max_digits=5, decimal_places=2)
    has_housing_need = models.BooleanField(default=True)
    decision = models.CharField(max_length=10, choices=Decision.choices)
    declined_by = models.CharField(max_length=10, choices=DeclinedBy.choices, blank=True)
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-panel_date"]
        constraints = [
            models.CheckConstraint(
                name="nomination_decline_has_reason",
                condition=~Q(decision="declined") | (~Q(reason="") & ~Q(declined_by="")),
            )
        ]

    def __str__(self) -> str:
        return f"Nomination {self.applicant_reference} ({self.get_decision_display()}, {self.panel_date:%d %b %Y})"


class ActivityKind(models.TextChoices):
    SHORT_BREAK = "short_break", "Short-break activity (disabled children)"
    WELLBEING = "wellbeing", "Wellbeing service activity"


class Activity(PairRecord):
    """An activity on offer: Dorset Lot 9 short breaks for disabled children `[001]` (children's
    R3–R5) or Derby's wellbeing service `[002]`: what, when, where, capacity."""

    kind = models.CharField(max_length=12, choices=ActivityKind.choices)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    scheme = models.ForeignKey(Scheme, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    location = models.CharField(max_length=200)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    capacity = models.PositiveSmallIntegerField()
    is_new_choice = models.BooleanField(
        default=False, help_text="Widens the choice of activities (children's R3)."
    )

    class Meta:
        ordering = ["-starts_at"]
        verbose_name_plural = "activities"
        constraints = [
            ends_after_start("activity_ends_after_start", start="starts_at", end="ends_at", strict=True)
        ]

    def __str__(self) -> str:
        return self.title


class ActivityAttendance(DetailPage, PairParties, models.Model):
    """Who came to an activity."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="attendance")
    service_user = models.ForeignKey(
        ServiceUser, on_delete=models.CASCADE, related_name="activity_attendance"
    )
    attended = models.BooleanField(default=True)

    objects = PairQuerySet.as_manager()
    pair_via = "activity"
    detail_view = "records:attendance-detail"

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["activity", "service_user"], name="attendance_unique_person")
        ]

    def __str__(self) -> str:
        return f"{self.service_user} at {self.activity}"


# The URL slug of each kind of record (records/urls.py).
URL_SLUGS = {
    "AlarmCall": "alarm-calls",
    "Complaint": "complaints",
    "ComplaintInformationRequest": "complaint-requests",
    "MonthlyComplaintsReport": "complaint-reports",
    "PammsAssessment": "pamms",
    "SafeguardingIncident": "safeguarding",
    "SurveyResponse": "surveys",
    "Void": "voids",
    "NominationDecision": "nominations",
    "Activity": "activities",
    "ActivityAttendance": "attendance",
}
