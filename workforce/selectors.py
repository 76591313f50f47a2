"""Reads for staff and training, scoped to the user; the training matrix in a fixed number of queries."""

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.db.models import Max, Q

from portal.tenancy import scoped

from .models import StaffMember, TrainingCompletion, TrainingCourse
from .rules import CourseRule, TrainingState, TrainingStatus, training_status


def staff_for(user):
    return scoped(StaffMember, user).select_related("provider", "scheme")


def training_for(user):
    return scoped(TrainingCompletion, user).select_related("staff", "course", "staff__provider")


def matrix_courses():
    """The courses the matrix tracks: mandatory ones and those due within months of starting."""
    return list(
        TrainingCourse.objects.filter(Q(mandatory=True) | Q(due_within_months_of_start__isnull=False))
    )


@dataclass
class MatrixRow:
    staff: StaffMember
    cells: list[TrainingStatus]

    @property
    def gaps(self) -> int:
        return sum(1 for c in self.cells if c.state.is_gap)


@dataclass
class TrainingMatrix:
    courses: list[TrainingCourse]
    rows: list[MatrixRow]
    today: dt.date
    counts: Counter = field(default_factory=Counter)

    @property
    def overdue(self) -> int:
        return self.counts[TrainingState.OVERDUE]

    @property
    def not_done(self) -> int:
        return self.counts[TrainingState.NOT_DONE]

    @property
    def expiring(self) -> int:
        return self.counts[TrainingState.EXPIRING]

    @property
    def staff_with_gaps(self) -> int:
        return sum(1 for r in self.rows if r.gaps)


def _latest_completions(staff_qs, courses) -> dict[tuple[int, int], dt.date]:
    rows = (
        TrainingCompletion.objects.filter(staff__in=staff_qs, course__in=courses)
        .values("staff_id", "course_id")
        .annotate(last=Max("completed_on"))
    )
    return {(r["staff_id"], r["course_id"]): r["last"] for r in rows}


def training_matrix(staff_qs, today: dt.date, only_gaps: bool = False) -> TrainingMatrix:
    """Staff employed today × the tracked courses, each cell the state of that person's training.

    Three queries whatever the number of staff: the courses, the staff, and the latest completion
    of each (staff, course) aggregated in SQL."""
    courses = matrix_courses()
    staff = list(
        staff_qs.employed_on(today)
        .select_related("scheme", "provider")
        .order_by("provider__name", "reference")
    )
    latest = _latest_completions(staff_qs.employed_on(today), courses)
    rules = [CourseRule(c.refresh_months, c.due_within_months_of_start) for c in courses]
    matrix = TrainingMatrix(courses=courses, rows=[], today=today)
    for person in staff:
        cells = [
            training_status(rule, person.started_on, latest.get((person.pk, course.pk)), today)
            for course, rule in zip(courses, rules, strict=True)
        ]
        matrix.counts.update(c.state for c in cells)
        row = MatrixRow(person, cells)
        if not only_gaps or row.gaps:
            matrix.rows.append(row)
    return matrix


def training_gaps_by_provider(staff_qs, today: dt.date) -> dict[int, Counter]:
    """For each provider, how many (staff, course) items are overdue / not done / due soon."""
    courses = matrix_courses()
    rules = {c.pk: CourseRule(c.refresh_months, c.due_within_months_of_start) for c in courses}
    employed = staff_qs.employed_on(today)
    latest = _latest_completions(employed, courses)
    result: dict[int, Counter] = defaultdict(Counter)
    for staff_id, provider_id, started_on in employed.values_list("id", "provider_id", "started_on"):
        counter = result[provider_id]
        for course in courses:
            counter[
                training_status(rules[course.pk], started_on, latest.get((staff_id, course.pk)), today).state
            ] += 1
    return result
