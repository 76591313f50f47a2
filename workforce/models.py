"""Workforce: staff (by reference, no names) and their training.

The KPIs read these — MCA and DoLS training within 6 months of starting (90%), Dementia Friends
within 9 months (80%), staff turnover (no more than 25%) `[004 App. 4]` — and so does the
compliance training matrix, with Derby's refresh intervals `[002 §6.1]`.
"""

import datetime as dt

from django.db import models
from django.db.models import Q

from portal.models import Organisation
from portal.tenancy import TenantQuerySet
from schemes.models import Scheme

from .rules import add_months  # noqa: F401 - kept importable from here


class StaffMemberQuerySet(TenantQuerySet):
    provider_lookup = "provider"

    def for_commissioner(self, organisation):
        # A council sees the staff of providers it contracts with (for monitoring) or that applied
        # to or joined its lots (to judge their training), by reference only.
        from django.apps import apps

        from schemes.models import Contract

        membership = apps.get_model("procurement", "LotMembership")
        return self.filter(
            Q(provider__in=Contract.objects.filter(commissioner=organisation).values("provider"))
            | Q(provider__in=membership.objects.filter(commissioner=organisation).values("provider"))
        )

    def employed_on(self, day: dt.date):
        return self.filter(started_on__lte=day).filter(Q(left_on__isnull=True) | Q(left_on__gte=day))


class StaffMember(models.Model):
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
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = StaffMemberQuerySet.as_manager()

    class Meta:
        ordering = ["provider", "reference"]
        constraints = [
            models.UniqueConstraint(fields=["provider", "reference"], name="staff_unique_reference"),
            models.CheckConstraint(
                name="staff_left_after_start",
                condition=Q(left_on__isnull=True) | Q(left_on__gte=models.F("started_on")),
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    def audit_parties(self):
        return None, self.provider_id


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


class TrainingCompletionQuerySet(TenantQuerySet):
    provider_lookup = "staff__provider"

    def for_commissioner(self, organisation):
        return self.filter(staff__in=StaffMember.objects.for_commissioner(organisation))


class TrainingCompletion(models.Model):
    """A member of staff completed a course on a date; it expires after the course's refresh interval."""

    staff = models.ForeignKey(StaffMember, on_delete=models.CASCADE, related_name="training")
    course = models.ForeignKey(TrainingCourse, on_delete=models.PROTECT, related_name="completions")
    completed_on = models.DateField()
    expires_on = models.DateField(
        null=True, blank=True, help_text="Completed on + the course's refresh interval."
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

    def fill_expiry(self) -> "TrainingCompletion":
        months = self.course.refresh_months
        self.expires_on = add_months(self.completed_on, months) if months else None
        return self
