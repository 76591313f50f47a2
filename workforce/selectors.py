"""Reads for staff and training, scoped to the user; the training matrix in a fixed number of queries.

Whose requirements apply: each provider is held to the training requirements and workforce
standards of the councils it works with — those it holds a contract with (for the contract's
lot) or is admitted to a lot of — the strictest of them per course (`rules.strictest`). A council
looking at a provider judges it by its own alone (`judge=`). A provider (or a judge) with no
requirements set is held to the catalogue's mandatory courses and default intervals."""

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Max, Q, QuerySet

from portal.models import Organisation, User
from portal.roles import OrganisationKind
from portal.tenancy import scoped
from schemes.models import Contract, LotMembership

from .models import (
    StaffMember,
    StaffMemberQuerySet,
    TrainingCompletion,
    TrainingCourse,
    TrainingRequirement,
    WorkforceStandard,
)
from .rules import (
    ENHANCED_LEVELS,
    CourseRule,
    StaffVetting,
    TrainingState,
    TrainingStatus,
    VettingGap,
    VettingStandard,
    asc_wds_current,
    share_percent,
    strictest,
    strictest_standard,
    training_status,
    vetting_gaps,
)


def staff_for(user: User) -> QuerySet[StaffMember]:
    return scoped(StaffMember, user).select_related("provider", "scheme")


def training_for(user: User) -> QuerySet[TrainingCompletion]:
    return scoped(TrainingCompletion, user).select_related("staff", "course", "staff__provider")


def matrix_courses() -> list[TrainingCourse]:
    """The catalogue's default: mandatory courses and those due within months of starting."""
    return list(
        TrainingCourse.objects.filter(Q(mandatory=True) | Q(due_within_months_of_start__isnull=False))
    )


def councils_and_lots(provider_ids: list[int]) -> dict[int, set[tuple[int, int | None]]]:
    """For each provider, the (council, lot) pairs it works on: its contracts and admitted lot
    memberships. One query."""
    pairs = (
        Contract.objects.filter(provider__in=provider_ids)
        .order_by()
        .values_list("provider_id", "commissioner_id", "lot_id")
        .union(
            LotMembership.objects.admitted()
            .filter(provider__in=provider_ids)
            .order_by()
            .values_list("provider_id", "commissioner_id", "lot_id")
        )
    )
    found: dict[int, set[tuple[int, int | None]]] = defaultdict(set)
    for provider_id, commissioner_id, lot_id in pairs:
        found[provider_id].add((commissioner_id, lot_id))
    return found


def _applies(row_commissioner: int, row_lot: int | None, works_on: set[tuple[int, int | None]]) -> bool:
    return any(c == row_commissioner and (row_lot is None or row_lot == lot) for c, lot in works_on)


def _judged_by(judge: Organisation | None) -> int | None:
    return judge.pk if judge is not None and judge.kind == OrganisationKind.COMMISSIONER else None


@dataclass
class RuleBook:
    """For each provider, {course id: the rule it is held to}, and the courses named."""

    rules: dict[int, dict[int, CourseRule]]
    courses: dict[int, TrainingCourse]

    def ordered_courses(self) -> list[TrainingCourse]:
        used = {course_id for by_course in self.rules.values() for course_id in by_course}
        return sorted((self.courses[c] for c in used), key=lambda c: (c.name, c.pk))


def course_rules_for(provider_ids: list[int], judge: Organisation | None = None) -> RuleBook:
    """The rules each provider is held to. Two queries (three when the catalogue's default is
    needed for a provider that no requirement reaches)."""
    works = councils_and_lots(provider_ids)
    judge_id = _judged_by(judge)
    commissioners = (
        {judge_id} if judge_id is not None else {c for pairs in works.values() for c, _lot in pairs}
    )
    requirements = (
        list(TrainingRequirement.objects.filter(commissioner__in=commissioners).select_related("course"))
        if commissioners
        else []
    )
    book = RuleBook({}, {r.course_id: r.course for r in requirements})
    default: dict[int, CourseRule] | None = None
    for pid in provider_ids:
        found: dict[int, list[CourseRule]] = defaultdict(list)
        for r in requirements:
            if _applies(r.commissioner_id, r.lot_id, works.get(pid, set())):
                found[r.course_id].append(CourseRule(r.refresh_months, r.due_within_months_of_start))
        if found:
            book.rules[pid] = {course_id: strictest(rules) for course_id, rules in found.items()}
            continue
        if default is None:
            catalogue = matrix_courses()
            book.courses.update({c.pk: c for c in catalogue})
            default = {c.pk: CourseRule(c.refresh_months, c.due_within_months_of_start) for c in catalogue}
        book.rules[pid] = default
    return book


@dataclass
class MatrixRow:
    staff: StaffMember
    cells: list[TrainingStatus | None]

    @property
    def gaps(self) -> int:
        return sum(1 for c in self.cells if c is not None and c.state.is_gap)


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


def _latest_completions(
    staff_qs: QuerySet[StaffMember], courses: list[TrainingCourse]
) -> dict[tuple[int, int], dt.date]:
    rows = (
        TrainingCompletion.objects.filter(staff__in=staff_qs, course__in=courses)
        .values("staff_id", "course_id")
        .annotate(last=Max("completed_on"))
    )
    return {(r["staff_id"], r["course_id"]): r["last"] for r in rows}


def training_matrix(
    staff_qs: StaffMemberQuerySet, today: dt.date, only_gaps: bool = False, judge: Organisation | None = None
) -> TrainingMatrix:
    """Staff employed today × the courses their provider is held to, each cell the state of that
    person's training (None where a course is not required of that provider).

    A fixed number of queries whatever the number of staff: the staff, the councils and lots their
    provider works on, those councils' requirements with their courses (or the catalogue's
    default), and the latest completion of each (staff, course) aggregated in SQL."""
    staff = list(
        staff_qs.employed_on(today)
        .select_related("scheme", "provider")
        .order_by("provider__name", "reference")
    )
    book = course_rules_for(sorted({p.provider_id for p in staff}), judge)
    rules, courses = book.rules, book.ordered_courses()
    latest = _latest_completions(staff_qs.employed_on(today), courses)
    matrix = TrainingMatrix(courses=courses, rows=[], today=today)
    for person in staff:
        own = rules.get(person.provider_id, {})
        cells: list[TrainingStatus | None] = [
            training_status(own[course.pk], person.started_on, latest.get((person.pk, course.pk)), today)
            if course.pk in own
            else None
            for course in courses
        ]
        matrix.counts.update(c.state for c in cells if c is not None)
        row = MatrixRow(person, cells)
        if not only_gaps or row.gaps:
            matrix.rows.append(row)
    return matrix


def training_gaps_by_provider(
    staff_qs: StaffMemberQuerySet, today: dt.date, judge: Organisation | None = None
) -> dict[int, Counter]:
    """For each provider, how many (staff, course) items are overdue / not done / due soon,
    against the requirements it is held to (by `judge` alone, if given)."""
    employed = staff_qs.employed_on(today)
    rows = list(employed.values_list("id", "provider_id", "started_on"))
    book = course_rules_for(sorted({r[1] for r in rows}), judge)
    rules = book.rules
    latest = _latest_completions(employed, book.ordered_courses())
    result: dict[int, Counter] = defaultdict(Counter)
    for staff_id, provider_id, started_on in rows:
        counter = result[provider_id]
        for course_id, rule in rules.get(provider_id, {}).items():
            counter[training_status(rule, started_on, latest.get((staff_id, course_id)), today).state] += 1
    return result


# Vetting and the workforce data set ---------------------------------------------------------


def vetting_standards_for(
    provider_ids: list[int], judge: Organisation | None = None
) -> dict[int, VettingStandard]:
    """For each provider, the strictest workforce standard of the councils (and lots) it works
    on, or `judge`'s alone. Two queries."""
    works = councils_and_lots(provider_ids)
    judge_id = _judged_by(judge)
    query = WorkforceStandard.objects.values_list(
        "commissioner_id",
        "lot_id",
        "enhanced_dbs_all_staff",
        "child_workforce_check",
        "references_required",
        "asc_wds_target_percent",
    )
    if judge_id is not None:
        query = query.filter(commissioner=judge_id)
    else:
        query = query.filter(commissioner__in={c for pairs in works.values() for c, _lot in pairs})
    rows = list(query)
    return {
        pid: strictest_standard(
            VettingStandard(enhanced, child, refs, target)
            for commissioner_id, lot_id, enhanced, child, refs, target in rows
            if _applies(commissioner_id, lot_id, works.get(pid, set()))
        )
        for pid in provider_ids
    }


def staff_vetting(staff: StaffMember) -> StaffVetting:
    return StaffVetting(
        dbs_level=staff.dbs_level,
        dbs_workforce=staff.dbs_workforce,
        dbs_issued_on=staff.dbs_issued_on,
        references=sum(1 for d in (staff.first_reference_on, staff.second_reference_on) if d),
        right_to_work_checked_on=staff.right_to_work_checked_on,
        right_to_work_expires_on=staff.right_to_work_expires_on,
    )


VETTING_FIELDS = [
    "id",
    "provider_id",
    "reference",
    "dbs_level",
    "dbs_workforce",
    "dbs_issued_on",
    "first_reference_on",
    "second_reference_on",
    "right_to_work_checked_on",
    "right_to_work_expires_on",
    "asc_wds_updated_on",
]


@dataclass
class WorkforceSummary:
    """One provider's vetting gaps and ASC-WDS share today."""

    provider_id: int
    standard: VettingStandard
    staff: int = 0
    asc_wds_current: int = 0
    #: (staff id, staff reference, gap)
    gaps: list[tuple[int, str, VettingGap]] = field(default_factory=list)

    @property
    def asc_wds_percent(self) -> Decimal | None:
        return share_percent(self.asc_wds_current, self.staff)

    @property
    def asc_wds_below_target(self) -> bool:
        percent, target = self.asc_wds_percent, self.standard.asc_wds_target
        return target is not None and percent is not None and percent < target


def workforce_summaries(
    staff_qs: StaffMemberQuerySet, today: dt.date, judge: Organisation | None = None
) -> dict[int, WorkforceSummary]:
    """Each provider's vetting gaps (staff employed today) and ASC-WDS share `[003 §9.2]`.
    Three queries whatever the number of staff."""
    rows = list(staff_qs.employed_on(today).order_by("provider_id", "reference").values(*VETTING_FIELDS))
    standards = vetting_standards_for(sorted({r["provider_id"] for r in rows}), judge)
    result: dict[int, WorkforceSummary] = {}
    for row in rows:
        pid = row["provider_id"]
        summary = result.get(pid) or result.setdefault(pid, WorkforceSummary(pid, standards[pid]))
        summary.staff += 1
        summary.asc_wds_current += asc_wds_current(row["asc_wds_updated_on"], today)
        facts = StaffVetting(
            dbs_level=row["dbs_level"],
            dbs_workforce=row["dbs_workforce"],
            dbs_issued_on=row["dbs_issued_on"],
            references=sum(1 for d in (row["first_reference_on"], row["second_reference_on"]) if d),
            right_to_work_checked_on=row["right_to_work_checked_on"],
            right_to_work_expires_on=row["right_to_work_expires_on"],
        )
        for gap in vetting_gaps(facts, summary.standard, today):
            summary.gaps.append((row["id"], row["reference"], gap))
    return result


def staff_without_enhanced_dbs(provider: Organisation, today: dt.date) -> tuple[int, int]:
    """(staff employed today, of whom without an enhanced DBS check): a lot that requires
    enhanced DBS for all staff reads it for its entry criteria `[003 App. 1]`."""
    employed = StaffMember.objects.filter(provider=provider).employed_on(today)
    levels = list(employed.values_list("dbs_level", flat=True))
    return len(levels), sum(1 for level in levels if level not in ENHANCED_LEVELS)
