"""Workforce: staff (by reference, no names), their vetting and their training.

The KPIs read these — MCA and DoLS training within 6 months of starting (90%), Dementia Friends
within 9 months (80%), staff turnover (no more than 25%) `[004 App. 4]` — and so does the
compliance training matrix, which applies each council's own `TrainingRequirement`s (Derby's
`[002 §6.1]`, Dorset's `[003 §12.10-11]`). Vetting — enhanced DBS (the child workforce check for
children's services), two written references, right to work — is on the staff register
`[002 §6.1]`, `[003 §7.4]`, `[001 §5.1]`, judged against each council's `WorkforceStandard`, which
also holds its ASC-WDS target (Dorset: 90% of staff `[003 §9.2]`).
"""

import datetime as dt
from collections.abc import Mapping

from django.db import models
from django.db.models import Q

from portal.modelbases import DetailPage, ProviderParty, Timestamped, ends_after_start
from portal.models import Organisation
from portal.roles import OrganisationKind
from portal.tenancy import TenantQuerySet
from schemes.models import Lot, ProviderRecordQuerySet, Scheme, partners_of

from .rules import CourseRule, add_months


class StaffMemberQuerySet(ProviderRecordQuerySet):
    """A council sees the staff of the providers it works with — by contract (for monitoring) or
    by lot membership (to judge their training) — by reference only."""

    def employed_on(self, day: dt.date):
        return self.filter(started_on__lte=day).filter(Q(left_on__isnull=True) | Q(left_on__gte=day))


class DbsLevel(models.TextChoices):
    BASIC = "basic", "Basic"
    STANDARD = "standard", "Standard"
    ENHANCED = "enhanced", "Enhanced"
    ENHANCED_BARRED = "enhanced_barred", "Enhanced with barred list check"


class DbsWorkforce(models.TextChoices):
    ADULT = "adult", "Adult workforce"
    CHILD = "child", "Child workforce"
    ADULT_CHILD = "adult_child", "Adult and child workforce"


class StaffMember(DetailPage, ProviderParty, Timestamped):
    """A member of a provider's staff, known by the provider's staff reference (no names needed)."""

    provider = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="staff")
    reference = models.CharField(max_length=40)
    scheme = models.ForeignKey(
        Scheme,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="staff",
        help_text="The scheme they mainly work in (for turnover by scheme).",
    )
    job_title = models.CharField(max_length=100, blank=True)
    started_on = models.DateField()
    left_on = models.DateField(null=True, blank=True)
    # Vetting [002 §6.1], [003 §7.4], [001 §5.1]
    dbs_level = models.CharField("DBS check", max_length=20, choices=DbsLevel.choices, blank=True)
    dbs_workforce = models.CharField("DBS workforce", max_length=20, choices=DbsWorkforce.choices, blank=True)
    dbs_issued_on = models.DateField("DBS certificate issued on", null=True, blank=True)
    dbs_update_service_checked_on = models.DateField(
        "DBS update service last checked on", null=True, blank=True
    )
    first_reference_on = models.DateField("first written reference received on", null=True, blank=True)
    second_reference_on = models.DateField("second written reference received on", null=True, blank=True)
    right_to_work_checked_on = models.DateField(null=True, blank=True)
    right_to_work_expires_on = models.DateField(
        null=True, blank=True, help_text="Leave empty when their right to work has no time limit."
    )
    asc_wds_updated_on = models.DateField(
        "ASC-WDS record last updated on",
        null=True,
        blank=True,
        help_text="When their individual record in the Adult Social Care Workforce Data Set was last updated.",
    )

    objects = StaffMemberQuerySet.as_manager()
    detail_view = "workforce:staff-detail"

    class Meta:
        ordering = ["provider", "reference"]
        constraints = [
            models.UniqueConstraint(fields=["provider", "reference"], name="staff_unique_reference"),
            ends_after_start("staff_left_after_start", start="started_on", end="left_on", open_ended=True),
        ]

    def __str__(self) -> str:
        return self.reference


class TrainingCourseQuerySet(TenantQuerySet):
    reference_data = True

    def for_commissioner(self, organisation):
        return self.all()

    def for_provider(self, organisation):
        return self.all()


class TrainingCourse(models.Model):
    """A course in the portal's catalogue, with how often it must be refreshed `[002 §6.1]` and,
    where a KPI asks, how soon after starting it must be done `[004 App. 4]`."""

    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=150)
    refresh_months = models.PositiveSmallIntegerField(null=True, blank=True, help_text="Empty: done once.")
    due_within_months_of_start = models.PositiveSmallIntegerField(null=True, blank=True)
    mandatory = models.BooleanField(default=True)

    objects = TrainingCourseQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class TrainingCompletionQuerySet(ProviderRecordQuerySet):
    provider_lookup = "staff__provider"


class TrainingCompletion(models.Model):
    """A member of staff completed a course on a date; it expires after the course's refresh interval."""

    staff = models.ForeignKey(StaffMember, on_delete=models.CASCADE, related_name="training")
    course = models.ForeignKey(TrainingCourse, on_delete=models.PROTECT, related_name="completions")
    completed_on = models.DateField()
    expires_on = models.DateField(
        null=True,
        blank=True,
        help_text="Completed on + the refresh interval the provider is held to (the catalogue's if none).",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = TrainingCompletionQuerySet.as_manager()

    class Meta:
        ordering = ["staff", "course", "-completed_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["staff", "course", "completed_on"], name="training_unique_completion"
            )
        ]
        indexes = [models.Index(fields=["course", "completed_on"], name="training_course_date_idx")]

    def __str__(self) -> str:
        return f"{self.staff} – {self.course} on {self.completed_on:%d %b %Y}"

    def audit_parties(self):
        return None, self.staff.provider_id

    def fill_expiry(self, rules: "Mapping[int, CourseRule] | None" = None) -> "TrainingCompletion":
        """Expiry by the interval the provider is held to (`rules`: {course id: rule}, from
        `selectors.course_rules_for`), or by the catalogue's default interval."""
        rule = rules.get(self.course_id) if rules else None
        months = rule.refresh_months if rule is not None else self.course.refresh_months
        self.expires_on = add_months(self.completed_on, months) if months else None
        return self


class CouncilTermsQuerySet(TenantQuerySet):
    """A council's workforce terms (public contract terms): it, the providers it works with and
    the operator see them."""

    reference_data = True
    commissioner_lookup = "commissioner"

    def for_provider(self, organisation):
        return self.filter(commissioner__in=partners_of(organisation))


def _commissioner() -> models.ForeignKey:
    return models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        related_name="+",
        limit_choices_to={"kind": OrganisationKind.COMMISSIONER},
    )


def _lot() -> models.ForeignKey:
    return models.ForeignKey(
        Lot,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text="Empty: every provider the council works with; otherwise the providers on this lot.",
    )


class TrainingRequirement(models.Model):
    """A council's requirement that staff do a course, with its own refresh interval and how soon
    after starting it must be done: Derby's 19 mandatory courses, the Care Certificate, monthly
    supervision and a yearly development plan `[002 §6.1]`; Dorset's safeguarding within 3 months
    and yearly `[003 §12.10-11]`. A lot may add to (or tighten) its council's."""

    commissioner = _commissioner()
    lot = _lot()
    course = models.ForeignKey(TrainingCourse, on_delete=models.PROTECT, related_name="requirements")
    refresh_months = models.PositiveSmallIntegerField(null=True, blank=True, help_text="Empty: done once.")
    due_within_months_of_start = models.PositiveSmallIntegerField(null=True, blank=True)
    source = models.CharField(max_length=200, blank=True, help_text="Where the requirement comes from.")

    objects = CouncilTermsQuerySet.as_manager()

    class Meta:
        ordering = ["commissioner", "lot", "course__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["commissioner", "lot", "course"],
                name="training_requirement_unique",
                nulls_distinct=False,
            )
        ]

    def __str__(self) -> str:
        return f"{self.course} ({self.commissioner})"

    def audit_parties(self):
        return self.commissioner_id, None


class WorkforceStandard(models.Model):
    """What a council requires of its providers' vetting and workforce data: enhanced DBS for all
    staff (Derby `[002 §6.1]`; Dorset's children's and community support lots `[003 App. 1]`), the
    child workforce check for children's services `[003 §7.4]`, `[001 §5.1]`, the number of written
    references `[003 §7.4]`, and the share of staff whose ASC-WDS record is kept up to date each
    financial year (Dorset: 90% `[003 §9.2]`)."""

    commissioner = _commissioner()
    lot = _lot()
    enhanced_dbs_all_staff = models.BooleanField(default=False)
    child_workforce_check = models.BooleanField(default=False)
    references_required = models.PositiveSmallIntegerField(default=2)
    asc_wds_target_percent = models.DecimalField(
        "ASC-WDS target (%)", max_digits=5, decimal_places=2, null=True, blank=True
    )
    source = models.CharField(max_length=200, blank=True)

    objects = CouncilTermsQuerySet.as_manager()

    class Meta:
        ordering = ["commissioner", "lot"]
        constraints = [
            models.UniqueConstraint(
                fields=["commissioner", "lot"], name="workforce_standard_unique", nulls_distinct=False
            )
        ]

    def __str__(self) -> str:
        return f"Workforce standard of {self.commissioner}" + (f" for {self.lot}" if self.lot_id else "")

    def audit_parties(self):
        return self.commissioner_id, None
