"""What each computed KPI counts, declared once (the machinery is `kpis.declarations`).

Sources and measures by kind of record, then `KPIS`: for each `Calculation`, the measure whose
records stand behind the figure and the formula in `kpis.rules` that turns the tallies into it.
Adding a KPI is adding a measure (if it counts something new) and a line in `KPIS`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable

from django.db.models import Exists, F, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce, Greatest, TruncDate, TruncTime

from packages_of_care.models import (
    Absence,
    AbsenceKind,
    DeclineReason,
    HospitalDischarge,
    IndividualServiceOrder,
    OrderVersion,
    PlaceOfDeath,
    Referral,
    ReferralDecision,
    ServiceEndReason,
)
from records.models import (
    Activity,
    ActivityAttendance,
    ActivityKind,
    AlarmCall,
    AlarmOutcome,
    Complaint,
    ComplaintInformationRequest,
    ComplaintKind,
    NominationDecision,
    SafeguardingIncident,
    SurveyResponse,
    Void,
    VoidStatus,
)
from visits.models import DELIVERED_STATUSES, Visit, VisitStatus
from workforce.models import StaffMember, TrainingCompletion

from . import rules
from .declarations import (
    LONDON,
    By,
    Extra,
    Kpi,
    Measure,
    Period,
    Reader,
    Source,
    at_times,
    closing_in,
    is_working_day,
    kpi,
    month_key,
    on_days,
    working_day_number,
)
from .models import Calculation


def in_post(start: dt.date, end: dt.date) -> Q:
    """Staff in post on some day from `start` to `end`."""
    return Q(started_on__lte=end) & (Q(left_on__isnull=True) | Q(left_on__gte=start))


def open_at_end(period: Period) -> Q:
    """Voids still open on the window's last day."""
    return Q(end_date__isnull=True) | Q(end_date__gt=period[1])


# Visits `[004 App. 4, 002 §3.5]` --------------------------------------------------------------

VISITS = Source(
    "visits",
    Visit,
    on_days("visit_date"),
    contract="order__contract_id",
    scheme="order__service_user__scheme_id",
    related=("order", "order__service_user"),
    grain=("status",),
)

# Norfolk's missed-visit KPI excludes "calls refused or cancelled by Service Users" [004 App. 4]:
# a visit refused at the door is recorded as aborted; cancellations with or without notice are the
# person's. What remains is what the provider was due to deliver: completed, cut short at the
# person's wish (the carer came), and missed. Visits with no outcome yet are left out and noted.
MISSED_DENOMINATOR = (*DELIVERED_STATUSES, VisitStatus.MISSED)
MISSED_EXCLUDED = (VisitStatus.ABORTED, VisitStatus.CANCELLED_SHORT_NOTICE, VisitStatus.CANCELLED_WITH_NOTICE)
# Hours allocated but not delivered, by why [002 §3.5].
NOT_DELIVERED = (VisitStatus.MISSED, *MISSED_EXCLUDED, VisitStatus.SCHEDULED)


MISSED_VISITS = Measure(
    "missed visits",
    VISITS,
    population=Q(status__in=MISSED_DENOMINATOR),
    numerator=Q(status=VisitStatus.MISSED),
    extras=(
        *(Extra("left_out", Q(status=s), label=s.label, key=s) for s in MISSED_EXCLUDED),
        Extra("no_outcome", Q(status=VisitStatus.SCHEDULED)),
    ),
)
VISITS_DELIVERED = Measure(
    "visits delivered", VISITS, population=Q(status__in=DELIVERED_STATUSES), quantity="actual_minutes"
)
CUT_SHORT_MINUTES = Greatest(F("scheduled_minutes") - Coalesce("actual_minutes", 0), 0)
VISITS_AGAINST_ALLOCATED = Measure(
    "visits against allocated",
    VISITS,
    numerator=Q(status__in=DELIVERED_STATUSES),
    quantity="actual_minutes",
    extras=(
        *(Extra("unused", Q(status=s), "scheduled_minutes", s.label, s) for s in NOT_DELIVERED),
        Extra(
            "cut_short",
            Q(status=VisitStatus.SHORTENED_BY_SERVICE_USER),
            CUT_SHORT_MINUTES,
            "visits cut short at the person's wish",
        ),
    ),
)

# Alarm calls `[002 §3.1, 004 App. 4]` --------------------------------------------------------

ALARM_CALLS = Source("alarm calls", AlarmCall, at_times("raised_at"), related=("scheme", "service_user"))
ALARM_TARGET_SECONDS = 600  # answered at exactly 10:00 is within [002 §3.1]
OVERNIGHT = Q(is_overnight=True)
ALARMS_ANSWERED = Measure(
    "alarm calls answered",
    ALARM_CALLS,
    numerator=Q(response_seconds__lte=ALARM_TARGET_SECONDS),
    extras=(Extra("unanswered", Q(responded_at__isnull=True)),),
)
ALARMS = Measure("alarm calls", ALARM_CALLS, extras=(Extra("overnight", OVERNIGHT),))
EMERGENCY_CALL_OUTS = Measure(
    "emergency call-outs", ALARM_CALLS, population=Q(outcome=AlarmOutcome.EMERGENCY_SERVICES)
)

# Complaints, safeguarding, surveys, voids, nominations `[004 App. 4, §8.5.5; 002 §5]` ----------

# A record names its scheme, or else falls under its person's.
RECORD_SCHEME = Coalesce("scheme_id", "service_user__scheme_id")
COMPLAINTS = Source("complaints", Complaint, on_days("received_on"), scheme=RECORD_SCHEME)
UPHELD_COMPLAINTS = Measure(
    "upheld complaints",
    COMPLAINTS,
    population=Q(kind__in=(ComplaintKind.COMPLAINT, ComplaintKind.CONCERN)),
    numerator=Q(upheld=True),
)
# Requests for information on a complaint made to the council: answered within 10 working days of
# the request `[004 §8.5.5]` (`due_on`, from `portal.workdays`), each counted in the quarter its
# 10 working days end, once they have.
COMPLAINT_INFORMATION = Measure(
    "complaint information requests",
    Source(
        "complaint information requests",
        ComplaintInformationRequest,
        closing_in("requested_on", 10),
        scheme=RECORD_SCHEME,
        related=("complaint",),
    ),
    numerator=Q(answered_on__isnull=False, answered_on__gte=F("requested_on"), answered_on__lte=F("due_on")),
)
SAFEGUARDING = Measure(
    "safeguarding incidents",
    Source("safeguarding", SafeguardingIncident, on_days("occurred_on"), scheme=RECORD_SCHEME),
    by=By("category", dict(SafeguardingIncident.Category.choices)),
)
SURVEYS = Measure(
    "survey responses",
    Source("surveys", SurveyResponse, on_days("responded_on"), scheme=RECORD_SCHEME),
    numerator=Q(satisfied=True),
)


def _voids_overlapping(qs: QuerySet, period: Period) -> QuerySet:
    return qs.filter(start_date__lte=period[1]).filter(Q(end_date__isnull=True) | Q(end_date__gte=period[0]))


VOIDS = Measure(
    "voids",
    Source("voids", Void, _voids_overlapping, related=("scheme",)),
    numerator=open_at_end,
    extras=(
        Extra("pending", lambda p: Q(status=VoidStatus.PENDING) & open_at_end(p)),
        Extra("actual", lambda p: Q(status=VoidStatus.ACTUAL) & open_at_end(p)),
        Extra("let", lambda p: Q(end_date__range=p)),
    ),
)
TENANCIES_DECLINED = Measure(
    "nominations",
    Source("nominations", NominationDecision, on_days("panel_date"), related=("scheme",)),
    # Declined solely by the provider, for someone with a housing need and over 4 hours of care.
    numerator=Q(
        decision=NominationDecision.Decision.DECLINED,
        declined_by=NominationDecision.DeclinedBy.PROVIDER,
        has_housing_need=True,
        assessed_care_hours_per_week__gt=4,
    ),
)

# Referrals (the contract as a whole) `[000 §5, 001 §7]` ----------------------------------------


def _referrals(name: str, within: Callable[[QuerySet, Period], QuerySet]) -> Source:
    return Source(name, Referral, within, scheme=None, related=("service_user",))


REFERRALS_DECIDED = _referrals("referrals decided", at_times("decided_at"))
REFERRALS_ENDED = _referrals("services ended", on_days("service_ended_on"))
# Accepted referrals whose 7 working days end in the window (and have ended) `[000 §5]`.
ACCEPTANCE_WINDOWS = _referrals("first-visit windows closing", closing_in("decided_at", 7, moment=True))
REFERRALS_RECEIVED = _referrals("referrals received", at_times("received_at"))
FIRST_VISITS = _referrals("first visits", on_days("first_visit_date"))

ACCEPTED = Q(decision=ReferralDecision.ACCEPTED)
REFERRALS_ACCEPTED = Measure("accepted", REFERRALS_DECIDED, population=ACCEPTED, distinct="service_user")
REFERRALS_DECLINED = Measure(
    "declined",
    REFERRALS_DECIDED,
    population=Q(decision=ReferralDecision.DECLINED),
    by=By("decline_reason", dict(DeclineReason.choices)),
)
SERVICE_COMPLETED = Measure(
    "completed", REFERRALS_ENDED, population=Q(service_end_reason=ServiceEndReason.COMPLETED)
)
SERVICE_LEFT_EARLY = Measure(
    "left early",
    REFERRALS_ENDED,
    population=~Q(service_end_reason__in=(ServiceEndReason.COMPLETED, "")),
    by=By("service_end_reason", dict(ServiceEndReason.choices)),
)


def _emergency_response_days(qs: QuerySet) -> QuerySet:
    return qs.annotate(
        d0=TruncDate("received_at", tzinfo=LONDON),
        t0=TruncTime("received_at", tzinfo=LONDON),
        d1=TruncDate("responded_at", tzinfo=LONDON),
        t1=TruncTime("responded_at", tzinfo=LONDON),
    ).annotate(
        w0=working_day_number("d0"),
        k0=is_working_day("d0"),
        w1=working_day_number("d1"),
        k1=is_working_day("d1"),
    )


ANSWERED = Q(responded_at__isnull=False, responded_at__gte=F("received_at"))
# Received on a working day at time t: due by time t on the next working day. Received on a weekend
# or bank holiday: due by the end of the next working day. Weekend hours and bank holidays do not
# count ("24 hours (weekdays)" [000 §5]).
NEXT_WORKING_DAY = Q(w1=F("w0") + 1, k1=True)
EMERGENCY_RESPONSE_24H = Measure(
    "emergency responses",
    REFERRALS_RECEIVED,
    population=Q(is_emergency=True),
    numerator=ANSWERED
    & (
        (Q(k0=True) & (Q(w1=F("w0")) | (NEXT_WORKING_DAY & Q(t1__lte=F("t0")))))
        | (Q(k0=False) & (Q(w1__lte=F("w0")) | NEXT_WORKING_DAY))
    ),
    prepare=_emergency_response_days,
)
RESPONSE_WEEK_ONE = Measure(
    "responses in week one",
    REFERRALS_RECEIVED,
    numerator=ANSWERED & Q(responded_at__lte=F("received_at") + dt.timedelta(days=7)),
)
FIRST_VISIT_7WD = Measure(
    "first visits within 7 working days",
    ACCEPTANCE_WINDOWS,
    population=ACCEPTED,
    numerator=Q(first_visit_date__isnull=False, first_visit_date__gte=F("accepted_on"), w1__lte=F("w0") + 7),
    prepare=lambda qs: qs.annotate(accepted_on=TruncDate("decided_at", tzinfo=LONDON)).annotate(
        w0=working_day_number("accepted_on"), w1=working_day_number("first_visit_date")
    ),
)
SUPPORT_SOLUTION_5WD = Measure(
    "support solutions within 5 working days",
    FIRST_VISITS,
    numerator=Q(
        support_solution_agreed_date__isnull=False,
        support_solution_agreed_date__gte=F("first_visit_date"),
        s1__lte=F("s0") + 5,
    ),
    prepare=lambda qs: qs.annotate(
        s0=working_day_number("first_visit_date"), s1=working_day_number("support_solution_agreed_date")
    ),
)

# Activities (the contract as a whole) `[001 §7, Part 2 §8]` -------------------------------------

SHORT_BREAK_ACTIVITIES = Measure(
    "short-break activities",
    Source("activities", Activity, at_times("starts_at"), scheme=None),
    population=Q(kind=ActivityKind.SHORT_BREAK),
)
ATTENDANCE = Source(
    "attendance",
    ActivityAttendance,
    at_times("activity__starts_at"),
    contract="activity__contract_id",
    provider="activity__provider_id",
    scheme=None,
    base=Q(attended=True),
    related=("activity", "service_user"),
)
NEW_CHOICE_USERS = Measure(
    "new-choice users", ATTENDANCE, population=Q(activity__is_new_choice=True), distinct="service_user"
)
SHORT_BREAK_ATTENDANCE = Measure(
    "short-break attendance",
    ATTENDANCE,
    population=Q(activity__kind=ActivityKind.SHORT_BREAK),
    distinct="service_user",
    by=By("activity_id", label_field="activity__title", order=("activity__starts_at", "activity_id")),
)

# Orders: people served, reduced hours, hospital returns, endings `[004 App. 4]` -----------------

ORDERS_IN_FORCE = Source(
    "orders in force",
    IndividualServiceOrder,
    lambda qs, period: qs.in_force(*period),
    scheme="service_user__scheme_id",
    related=("service_user",),
)
# People with an order of the contract in force at some time in the window (the "service users"
# of Norfolk's complaints threshold).
SERVICE_USERS = Measure("service users", ORDERS_IN_FORCE, distinct="service_user")
PLANNED_CARE_ORDERS = Measure("planned-care orders", ORDERS_IN_FORCE, population=Q(is_planned_care=True))


def _hours_reduced_in(period: Period) -> Q:
    """The person had a version of an order under the contract take effect in the window with
    fewer weekly hours than the version before it."""
    before = (
        OrderVersion.objects.filter(order=OuterRef("order"), effective_from__lt=OuterRef("effective_from"))
        .order_by("-effective_from")
        .values("weekly_hours")[:1]
    )
    reduced = (
        OrderVersion.objects.filter(
            order__service_user=OuterRef("service_user"),
            order__contract=OuterRef("contract"),
            effective_from__range=period,
        )
        .annotate(before=Subquery(before))
        .filter(weekly_hours__lt=F("before"))
    )
    return Q(Exists(reduced))


# Only people whose plan identified potential for greater independence by the window's end
# `[004 §3.2.8, App. 4]`: of them, those whose care hours were reduced.
INDEPENDENCE = Measure(
    "working towards independence",
    ORDERS_IN_FORCE,
    population=lambda period: Q(independence_potential_on__lte=period[1]),
    distinct="service_user",
    numerator=_hours_reduced_in,
)


def _contract_of_person(period: Period) -> Subquery:
    """The contract of the person's latest order in force in the window."""
    orders = IndividualServiceOrder.objects.in_force(*period).filter(service_user=OuterRef("service_user"))
    return Subquery(orders.order_by("-start_date", "-pk").values("contract_id")[:1])


HOSPITAL_RETURNS = Measure(
    "hospital returns",
    Source(
        "hospital stays ended",
        Absence,
        on_days("end_date"),
        contract=_contract_of_person,
        provider=None,
        scheme="service_user__scheme_id",
        base=Q(kind=AbsenceKind.HOSPITAL),
        related=("service_user",),
    ),
    numerator=Q(discharge=HospitalDischarge.RETURNED_HOME),
)
ORDERS_ENDED = Source(
    "orders ended",
    IndividualServiceOrder,
    on_days("end_date"),
    scheme="service_user__scheme_id",
    base=~Q(end_reason=""),
    related=("service_user",),
)
ORDER_ENDS = Measure("orders ended", ORDERS_ENDED, by=By("end_reason", dict(ServiceEndReason.choices)))
DEATHS = Measure(
    "deaths by place",
    ORDERS_ENDED,
    population=Q(end_reason=ServiceEndReason.DIED),
    distinct="service_user",
    by=By("place_of_death", dict(PlaceOfDeath.choices)),
)


def _resident_versions(qs: QuerySet, period: Period) -> QuerySet:
    day = period[1]
    orders = IndividualServiceOrder.objects.in_force(day).filter(is_planned_care=True)
    return qs.in_force_on(day).filter(order__in=orders.values("pk"))


# Residents with planned care on the quarter's last day: the version in force of each order.
RESIDENTS = Measure(
    "residents",
    Source(
        "resident versions",
        OrderVersion,
        _resident_versions,
        contract="order__contract_id",
        provider="order__provider_id",
        scheme="order__service_user__scheme_id",
        related=("order", "order__service_user"),
    ),
    distinct="order__service_user",
    quantity="weekly_hours",
)

# Staff (the provider's, matched to the contract's schemes) `[004 App. 4]` -------------------------

STAFF_IN_POST = Source(
    "staff in post in the window",
    StaffMember,
    lambda qs, period: qs.filter(in_post(*period)),
    contract=None,
    related=("scheme",),
)
STAFF_TURNOVER = Measure(
    "staff turnover",
    STAFF_IN_POST,
    numerator=lambda period: Q(left_on__range=period),
    extras=(
        Extra("at_start", lambda p: in_post(p[0], p[0])),
        Extra("at_end", lambda p: in_post(p[1], p[1])),
    ),
)
STAFF_AT_END = Source(
    "staff in post at the end",
    StaffMember,
    lambda qs, period: qs.employed_on(period[1]),
    contract=None,
    related=("scheme",),
)


def _trained(course_code: str, months: int) -> Measure:
    """Staff in post at the window's end who have been in post `months` or more, and those who
    completed `course_code` within `months` of starting."""

    def completed_in_time(period: Period) -> Q:
        completions = (
            TrainingCompletion.objects.filter(
                staff=OuterRef("pk"), course__code=course_code, completed_on__lte=period[1]
            )
            .annotate(key=month_key("completed_on"), due_key=month_key("staff__started_on") + months * 100)
            .filter(key__lte=F("due_key"))
        )
        return Q(Exists(completions))

    return Measure(
        f"trained in {course_code}",
        STAFF_AT_END,
        population=lambda period: Q(started_on__lte=rules.latest_start_due(period[1], months)),
        numerator=completed_in_time,
    )


MCA_DOLS_TRAINING = _trained("mca-dols", 6)
DEMENTIA_FRIENDS = _trained("dementia-friends", 9)

# The KPIs -------------------------------------------------------------------------------------

C = Calculation
R = Reader
KPIS: dict[str, Kpi] = {
    C.REFERRALS_ACCEPTED: kpi(rules.count, REFERRALS_ACCEPTED),
    C.REFERRALS_DECLINED: kpi(rules.count, REFERRALS_DECLINED),
    C.SERVICE_COMPLETED: kpi(rules.count, SERVICE_COMPLETED),
    C.SERVICE_LEFT_EARLY: kpi(rules.count, SERVICE_LEFT_EARLY),
    C.EMERGENCY_RESPONSE_24H: kpi(rules.share, EMERGENCY_RESPONSE_24H),
    C.RESPONSE_WEEK_ONE: kpi(rules.share, RESPONSE_WEEK_ONE),
    C.FIRST_VISIT_7WD: kpi(rules.share, FIRST_VISIT_7WD),
    C.SUPPORT_SOLUTION_5WD: kpi(rules.share, SUPPORT_SOLUTION_5WD),
    C.NEW_CHOICE_USERS: kpi(rules.count, NEW_CHOICE_USERS),
    C.SHORT_BREAK_ACTIVITIES: kpi(rules.count, SHORT_BREAK_ACTIVITIES),
    C.ACTIVITY_ATTENDANCE: kpi(rules.count, SHORT_BREAK_ATTENDANCE),
    C.ALARM_WITHIN_10_MIN: kpi(rules.alarm_calls_answered, ALARMS_ANSWERED),
    C.SURVEY_SATISFIED: kpi(rules.share, SURVEYS),
    C.HOURS_DELIVERED_VS_ALLOCATED: kpi(
        rules.hours_delivered_against_allocated,
        VISITS_AGAINST_ALLOCATED,
        allocated_hour_days=R.ALLOCATED_HOUR_DAYS,
    ),
    C.UPHELD_COMPLAINTS: kpi(rules.upheld_complaints, UPHELD_COMPLAINTS),
    C.MCA_DOLS_TRAINING: kpi(rules.share, MCA_DOLS_TRAINING),
    C.MISSED_VISITS: kpi(rules.missed_visits, MISSED_VISITS),
    C.CQC_RATING: kpi(rules.most_recent_rating, None, cqc=R.CQC, pamms=R.PAMMS),
    C.SAFEGUARDING: kpi(rules.count, SAFEGUARDING),
    C.STAFF_TURNOVER: kpi(rules.staff_turnover, STAFF_TURNOVER, window=R.WINDOW),
    C.PLANNED_HOURS_TOTAL: kpi(rules.hours_delivered, VISITS_DELIVERED),
    C.PLANNED_HOURS_AVERAGE: Kpi(rules.average_weekly_hours, RESIDENTS, {"residents": R.RESIDENTS}),
    C.HOURS_MIX: Kpi(rules.hours_mix, RESIDENTS, {"residents": R.RESIDENTS}),
    C.DEMENTIA_FRIENDS: kpi(rules.share, DEMENTIA_FRIENDS),
    C.INDEPENDENCE: kpi(rules.share, INDEPENDENCE),
    C.HOSPITAL_AND_END_OF_LIFE: kpi(
        rules.hospital_and_end_of_life, HOSPITAL_RETURNS, deaths=DEATHS, ends=ORDER_ENDS
    ),
    C.UNPLANNED_CARE: kpi(rules.unplanned_care, ALARMS, nights=R.REPEATED_NIGHTS),
    C.VOIDS: kpi(rules.voids, VOIDS),
    C.TENANCIES_DECLINED: kpi(rules.tenancies_declined, TENANCIES_DECLINED),
    C.EMERGENCY_CALL_OUTS: kpi(rules.count, EMERGENCY_CALL_OUTS),
    C.COMPLAINT_RESPONSES_10WD: kpi(rules.share, COMPLAINT_INFORMATION),
}
assert set(KPIS) == set(Calculation.values), "every calculation is declared"


def read_by(calculations: Iterable[str]) -> list[Measure]:
    """The measures these calculations' formulas read, and the service users (for thresholds)."""
    found = [SERVICE_USERS]
    for calculation in calculations:
        for value in KPIS[calculation].inputs.values():
            if isinstance(value, Measure) and value not in found:
                found.append(value)
    return found
