"""Visits: what providers delivered, from electronic call monitoring (ECM) or entered by hand.

Councils pay and measure on these `[004 §8.14]`: actual start, end and duration of each visit,
and what happened when a visit did not go ahead (domain.md, Norfolk rules 2–4).
"""

from zoneinfo import ZoneInfo

from django.db import models
from django.db.models import Q
from django.utils import timezone

from packages_of_care.models import IndividualServiceOrder
from portal.modelbases import DetailPage, Timestamped, ends_after_start
from portal.models import Organisation
from portal.tenancy import TenantQuerySet

from . import rules

LONDON = ZoneInfo("Europe/London")


class VisitStatus(models.TextChoices):
    SCHEDULED = "scheduled", "Scheduled (no actuals yet)"
    COMPLETED = "completed", "Completed"
    SHORTENED_BY_SERVICE_USER = "shortened_by_service_user", "Cut short at the person's wish"
    ABORTED = "aborted", "Aborted (person not available or refused at the door)"
    CANCELLED_SHORT_NOTICE = (
        "cancelled_short_notice",
        "Cancelled by the person at short notice (under 24 hours)",
    )
    CANCELLED_WITH_NOTICE = "cancelled_with_notice", "Cancelled by the person with notice"
    MISSED = "missed", "Missed (the provider did not come)"


# How each status counts is declared once, in visits.rules.STATUS_RULES.
DELIVERED_STATUSES = tuple(status for status in VisitStatus if status in rules.DELIVERED_STATUSES)


class Verification(models.TextChoices):
    ECM = "ecm", "Electronic call monitoring"
    MANUAL = "manual", "Entered by hand"


class ManualReason(models.TextChoices):
    """Why a visit was not verified by ECM (a reason code is required for manual entries)."""

    NO_SIGNAL = "no_signal", "No phone signal at the property"
    DEVICE_FAULT = "device_fault", "Carer's device failed"
    PERSON_DECLINED_TAG = "person_declined_tag", "The person declined the ECM tag"
    CARER_FORGOT = "carer_forgot", "Carer did not log in or out"
    SYSTEM_OUTAGE = "system_outage", "ECM system outage"
    OTHER = "other", "Other"


class VisitSource(models.TextChoices):
    FORM = "form", "Web form"
    UPLOAD = "upload", "Spreadsheet upload"
    API = "api", "API"
    DEMO = "demo", "Demo data"
    SCHEDULE = "schedule", "Expected from the order's schedule"


class VisitQuerySet(TenantQuerySet):
    commissioner_lookup = "commissioner"

    def for_provider(self, organisation):
        return self.filter(provider=organisation)


class Visit(DetailPage, Timestamped):
    """One visit to one person under an order.

    `provider`, `commissioner` and `visit_date` (the Europe/London day of the scheduled start)
    are copied from the order and times when the visit is saved, and `scheduled_minutes` /
    `actual_minutes` from its times, so that tenancy filters, invoices and KPIs aggregate over
    millions of visits in SQL without joins or date arithmetic per row. Services (and the COPY
    path) keep them right; `clean()` checks them.

    Natural key: (order, scheduled start, carer) — re-submitting the same visit updates it.
    """

    # No index of their own: the natural key and the (provider|commissioner, visit_date) indexes
    # below lead with these columns, and every index slows the bulk imports.
    order = models.ForeignKey(
        IndividualServiceOrder, on_delete=models.PROTECT, related_name="visits", db_index=False
    )
    provider = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+", db_index=False)
    commissioner = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+", db_index=False)
    visit_date = models.DateField(help_text="The day (Europe/London) of the scheduled start.")
    scheduled_start = models.DateTimeField()
    scheduled_end = models.DateTimeField()
    scheduled_minutes = models.PositiveIntegerField()
    actual_start = models.DateTimeField(null=True, blank=True)
    actual_end = models.DateTimeField(null=True, blank=True)
    actual_minutes = models.PositiveIntegerField(null=True, blank=True)
    carer_reference = models.CharField(max_length=40, help_text="The (first) carer's staff reference.")
    second_carer_reference = models.CharField(max_length=40, blank=True)
    carers = models.PositiveSmallIntegerField(default=1)
    time_critical = models.BooleanField(default=False)
    status = models.CharField(max_length=30, choices=VisitStatus.choices, default=VisitStatus.SCHEDULED)
    cancelled_at = models.DateTimeField(null=True, blank=True, help_text="When the person cancelled.")
    cancellation_reason = models.CharField(max_length=300, blank=True)
    verification = models.CharField(max_length=10, choices=Verification.choices, default=Verification.ECM)
    manual_reason = models.CharField(max_length=30, choices=ManualReason.choices, blank=True)
    # A missed visit is explained to the council, with a remedy, within 24 hours [004 §3.6.15].
    missed_explanation = models.TextField(blank=True)
    missed_remedy = models.TextField(blank=True)
    missed_explained_at = models.DateTimeField(null=True, blank=True)
    source = models.CharField(max_length=10, choices=VisitSource.choices, default=VisitSource.FORM)
    # Set on the visits generated ahead from the order's weekly schedule (`expected_visits_generate`):
    # the start the schedule gave it. Unique per order, so generating again adds nothing, even
    # after the visit has been confirmed with its carer and times.
    expected_start = models.DateTimeField(
        null=True, blank=True, editable=False, help_text="The start the order's schedule expected."
    )

    objects = VisitQuerySet.as_manager()
    detail_view = "visits:visit-detail"

    class Meta:
        ordering = ["scheduled_start"]
        constraints = [
            models.UniqueConstraint(
                fields=["order", "scheduled_start", "carer_reference"], name="visit_natural_key"
            ),
            ends_after_start(
                "visit_scheduled_end_after_start", start="scheduled_start", end="scheduled_end", strict=True
            ),
            models.UniqueConstraint(
                fields=["order", "expected_start"],
                name="visit_expected_once",
                condition=Q(expected_start__isnull=False),
            ),
            models.CheckConstraint(
                name="visit_actual_end_after_start",
                condition=Q(actual_end__isnull=True)
                | Q(actual_start__isnull=True)
                | Q(actual_end__gte=models.F("actual_start")),
            ),
        ]
        indexes = [
            models.Index(fields=["order", "visit_date"], name="visit_order_date_idx"),
            models.Index(fields=["provider", "visit_date"], name="visit_provider_date_idx"),
            models.Index(fields=["commissioner", "visit_date"], name="visit_commissioner_date_idx"),
            models.Index(fields=["provider", "carer_reference", "scheduled_start"], name="visit_carer_idx"),
            # The late-visit sweep reads scheduled visits by start; only they are indexed.
            models.Index(
                fields=["scheduled_start"],
                name="visit_scheduled_open_idx",
                condition=Q(status="scheduled", actual_start__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        start = timezone.localtime(self.scheduled_start, LONDON)
        return f"{self.order.reference} {start:%d %b %Y %H:%M} ({self.get_status_display()})"

    @property
    def is_delivered(self) -> bool:
        return self.status in DELIVERED_STATUSES

    def fill_derived(self) -> "Visit":
        """Copy provider, commissioner and the local day from the order and scheduled start, and
        compute the minutes, before saving (the bulk paths do the same in SQL)."""
        self.provider_id = self.order.provider_id
        self.commissioner_id = self.order.commissioner_id
        self.visit_date = timezone.localtime(self.scheduled_start, LONDON).date()
        self.scheduled_minutes = minutes_between(self.scheduled_start, self.scheduled_end)
        if self.actual_start is not None and self.actual_end is not None:
            self.actual_minutes = minutes_between(self.actual_start, self.actual_end)
        else:
            self.actual_minutes = None
        return self


def minutes_between(start, end) -> int:
    """Whole minutes from start to end (seconds dropped), right across clock changes because
    both are aware datetimes."""
    return max(0, int((end - start).total_seconds() // 60))
