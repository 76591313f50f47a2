"""The KPI sets the specifications give, as data: Dorset Extra Care R1–R8 `[000 §5]`, Dorset
Children's R1–R8 `[001 §7, Part 2 §8]`, Norfolk Housing with Care `[004 App. 4]` and Derby Extra
Care `[002 §3.1, §3.5, §5]`.

`install(lot, set_key)` creates a lot's definitions (missing ones only, so a council's later changes
to a target are kept); `load_demo` calls it for the three demo councils, and tests call it for
their own lots. Codes are the specification's own (R1…R8) where it has them; Norfolk's table has
none, so its rows are numbered N1… in the table's order, split with a letter where one row holds
several figures (N7a–c); Derby's are D1–D3.
"""

from dataclasses import dataclass, replace
from decimal import Decimal

from .models import Calculation as C
from .models import Direction as D
from .models import KpiDefinition, Obtained, TargetRule, Unit, Window


@dataclass(frozen=True)
class Row:
    code: str
    title: str
    unit: str
    calculation: str = ""
    obtained: str = Obtained.COMPUTED
    direction: str = D.NONE
    target: str | None = None
    target_text: str = ""
    spec: str = ""
    per_scheme: bool = False
    window: str = Window.QUARTER
    description: str = ""
    rule: tuple[str, str] | None = None  # (count, percent) for "greater of"


_REFERRAL_R5_R8 = [
    Row(
        "R5",
        "Response to emergency referrals within 24 hours (weekdays)",
        Unit.PERCENTAGE,
        C.EMERGENCY_RESPONSE_24H,
        target_text="No target in the specification; reported",
        description="Emergency referrals received in the quarter, answered within 24 hours of working-day "
        "time: a referral received at 16:00 on a Friday is due by 16:00 on the next working day; one "
        "received at a weekend or on a bank holiday by the end of the next working day.",
    ),
    Row(
        "R6",
        "Response to referrals within week one",
        Unit.PERCENTAGE,
        C.RESPONSE_WEEK_ONE,
        target_text="No target in the specification; reported",
        description="Referrals received in the quarter that the provider answered within 7 days of receiving them.",
    ),
    Row(
        "R7",
        "Service users who received a first visit within 7 working days of referral acceptance",
        Unit.PERCENTAGE,
        C.FIRST_VISIT_7WD,
        direction=D.AT_LEAST,
        target="100",
        target_text="Every first visit within 7 working days of acceptance",
        description="Accepted referrals whose 7 working days from acceptance ended in the quarter (and had "
        "ended when it was computed), with the first visit within them; weekends and England's bank "
        "holidays are not counted. A referral accepted in the last days of a quarter counts in the next.",
    ),
    Row(
        "R8",
        "A support solution, with outcomes agreed, within 5 working days of the first visit",
        Unit.PERCENTAGE,
        C.SUPPORT_SOLUTION_5WD,
        direction=D.AT_LEAST,
        target="100",
        target_text="Every support solution agreed within 5 working days of the first visit",
        description="Referrals whose first visit fell in the quarter and whose support solution was agreed "
        "within 5 working days of it.",
    ),
]

DORSET_EXTRA_CARE = [
    Row("R1", "Number of service users accepted into the service", Unit.COUNT, C.REFERRALS_ACCEPTED),
    Row("R2", "Number of service users declined, and why", Unit.COUNT, C.REFERRALS_DECLINED),
    Row("R3", "Number of service users completing the service", Unit.COUNT, C.SERVICE_COMPLETED),
    Row(
        "R4",
        "Number of service users leaving the service before completion, and why",
        Unit.COUNT,
        C.SERVICE_LEFT_EARLY,
    ),
    *_REFERRAL_R5_R8,
]

DORSET_CHILDRENS = [
    Row("R1", "Number of disabled children accepted into the service", Unit.COUNT, C.REFERRALS_ACCEPTED),
    Row("R2", "Number of disabled children declined, and why", Unit.COUNT, C.REFERRALS_DECLINED),
    Row(
        "R3",
        "Service users who received a service through an improved choice of activities",
        Unit.COUNT,
        C.NEW_CHOICE_USERS,
        description="Children who attended, in the quarter, an activity that widened the choice on offer.",
    ),
    Row(
        "R4", "Number of activities available to take as a short break", Unit.COUNT, C.SHORT_BREAK_ACTIVITIES
    ),
    Row(
        "R5",
        "Number of service users who attended each activity",
        Unit.COUNT,
        C.ACTIVITY_ATTENDANCE,
        description="Children attending the quarter's short-break activities; the breakdown lists each activity.",
    ),
    replace(_REFERRAL_R5_R8[1], description=""),
    _REFERRAL_R5_R8[2],
    replace(
        _REFERRAL_R5_R8[3],
        title="A support solution agreed with the service user and family within 5 working days of the first visit",
        description="",
    ),
]

NORFOLK = [
    Row(
        "N1",
        "Upheld concerns and complaints",
        Unit.COUNT,
        C.UPHELD_COMPLAINTS,
        direction=D.AT_MOST,
        target_text="No more than 2 service users, or 2% of service users, whichever is greater (annual)",
        per_scheme=True,
        window=Window.YEAR_TO_DATE,
        rule=("2", "2"),
        description="Concerns and complaints received since 1 April and upheld; the threshold is the greater "
        "of 2 and 2% of the scheme's service users over the same months.",
    ),
    Row(
        "N2",
        "Staff trained in MCA and DoLS within 6 months of their start date",
        Unit.PERCENTAGE,
        C.MCA_DOLS_TRAINING,
        direction=D.AT_LEAST,
        target="90",
        target_text="90% of staff",
        per_scheme=True,
        description="Staff at the scheme at the quarter's end who have been in post 6 months or more, and "
        "completed MCA and DoLS training within 6 months of starting.",
    ),
    Row(
        "N3",
        "Missed scheduled visits (excluding visits refused or cancelled by service users)",
        Unit.PERCENTAGE,
        C.MISSED_VISITS,
        direction=D.AT_MOST,
        target="2",
        target_text="No more than 2%",
        per_scheme=True,
        description="Missed visits as a share of the visits the provider was due to make: completed, cut "
        "short at the person's wish, and missed. Visits the person refused at the door (aborted) or "
        "cancelled, with or without notice, are left out of both figures.",
    ),
    Row(
        "N4",
        "Published CQC or PAMMS rating (the most recent)",
        Unit.RATING,
        C.CQC_RATING,
        direction=D.AT_LEAST,
        target="3",
        target_text="Good or higher for each scheme",
        per_scheme=True,
        description="The more recent of the provider's CQC rating and the council's PAMMS assessment of the "
        "scheme, each on its own scale: Good or higher is Good or Outstanding (CQC), Good or Excellent (PAMMS).",
    ),
    Row(
        "N5",
        "Safeguarding incidents in the quarter",
        Unit.COUNT,
        C.SAFEGUARDING,
        target_text="No target; reported",
        per_scheme=True,
    ),
    Row(
        "N6",
        "Staff turnover in the scheme",
        Unit.PERCENTAGE,
        C.STAFF_TURNOVER,
        direction=D.AT_MOST,
        target="25",
        target_text="No more than 25% of the workforce",
        per_scheme=True,
        window=Window.ROLLING_YEAR,
        description="Leavers in the 12 months to the quarter's end, as a share of the average headcount "
        "(staff in post on the first and the last day of those 12 months).",
    ),
    Row(
        "N7a",
        "Total planned care hours delivered",
        Unit.HOURS,
        C.PLANNED_HOURS_TOTAL,
        target_text="Reported",
        per_scheme=True,
    ),
    Row(
        "N7b",
        "Average weekly care hours per resident",
        Unit.HOURS,
        C.PLANNED_HOURS_AVERAGE,
        target_text="Reported",
        per_scheme=True,
        description="Commissioned weekly hours on the quarter's last day, averaged over the residents with "
        "planned care then.",
    ),
    Row(
        "N7c",
        "Mix of residents by weekly care hours",
        Unit.TEXT,
        C.HOURS_MIX,
        direction=D.DISCUSSION,
        target_text="40% at 13+ hours, 30% at 9–12 hours, 30% under 8 hours",
        per_scheme=True,
        description="Residents with planned care on the quarter's last day, by commissioned weekly hours: "
        "13 or more; 9 to under 13; under 9 (8–9 hours counts as low and 12–13 hours as medium).",
    ),
    Row(
        "N8",
        "Staff with Dementia Friends training within 9 months of their start date",
        Unit.PERCENTAGE,
        C.DEMENTIA_FRIENDS,
        direction=D.AT_LEAST,
        target="80",
        target_text="80% of staff",
        per_scheme=True,
    ),
    Row(
        "N9",
        "Residents satisfied with their care (surveys)",
        Unit.PERCENTAGE,
        C.SURVEY_SATISFIED,
        direction=D.AT_LEAST,
        target="90",
        target_text="90% of respondents",
        per_scheme=True,
    ),
    Row(
        "N10",
        "Service users working towards greater independence (reduced care hours)",
        Unit.PERCENTAGE,
        C.INDEPENDENCE,
        direction=D.DISCUSSION,
        target_text="Discussed, with case studies",
        per_scheme=True,
        description="People whose care and support plan identified potential for greater independence (by "
        "the quarter's end), with an order in force in the quarter: the share whose care hours were reduced.",
    ),
    Row(
        "N11",
        "Returns from hospital; end-of-life care in the scheme",
        Unit.PERCENTAGE,
        C.HOSPITAL_AND_END_OF_LIFE,
        direction=D.DISCUSSION,
        target_text="Most residents supported with end-of-life care in the scheme",
        per_scheme=True,
        description="Hospital stays that ended in the quarter after which the person returned home, as a "
        "percentage; the breakdown gives deaths by place (at home in the scheme, hospital, hospice, care "
        "home) and how services ended.",
    ),
    Row(
        "N12",
        "Unplanned care use, including overnight calls",
        Unit.COUNT,
        C.UNPLANNED_CARE,
        direction=D.DISCUSSION,
        target_text="No resident with several unplanned calls a night, over a sustained period",
        per_scheme=True,
    ),
    Row("N13", "Pending and actual voids", Unit.COUNT, C.VOIDS, direction=D.DISCUSSION, per_scheme=True),
    Row(
        "N14",
        "Tenancies declined solely by the provider (housing need and over 4 hours of care a week)",
        Unit.COUNT,
        C.TENANCIES_DECLINED,
        direction=D.AT_MOST,
        target="4",
        target_text="No more than 4 (annual)",
        per_scheme=True,
        window=Window.YEAR_TO_DATE,
    ),
    Row(
        "N15",
        "Emergency vehicle call-outs to the scheme",
        Unit.COUNT,
        C.EMERGENCY_CALL_OUTS,
        direction=D.DISCUSSION,
        per_scheme=True,
    ),
    Row(
        "N16",
        "Complaint information returned to the council within 10 working days of its request",
        Unit.PERCENTAGE,
        C.COMPLAINT_RESPONSES_10WD,
        direction=D.AT_LEAST,
        target="100",
        target_text="100%",
        description="The council's requests for information on a complaint made to it, counted in the quarter "
        "their 10 working days end: the share answered within them [004 §8.5.5].",
    ),
]

DERBY = [
    Row(
        "D1",
        "Alarm calls answered within 10 minutes",
        Unit.PERCENTAGE,
        C.ALARM_WITHIN_10_MIN,
        direction=D.AT_LEAST,
        target="90",
        target_text="90% of alarm calls",
        spec="[002 §3.1]",
        per_scheme=True,
        description="Calls raised in the quarter and answered within 10 minutes; a call answered at exactly "
        "10:00 counts as within. Unanswered calls count as not within.",
    ),
    Row(
        "D2",
        "Resident feedback: residents satisfied",
        Unit.PERCENTAGE,
        C.SURVEY_SATISFIED,
        target_text="Reported in full",
        spec="[002 §5]",
        per_scheme=True,
    ),
    Row(
        "D3",
        "Resident feedback, reported in full",
        Unit.TEXT,
        obtained=Obtained.PROVIDER,
        target_text="The quarter's feedback, in full",
        spec="[002 §5]",
    ),
    Row(
        "D4",
        "Hours delivered against hours allocated, and why hours were not used",
        Unit.PERCENTAGE,
        C.HOURS_DELIVERED_VS_ALLOCATED,
        target_text="Reported, with the reason for each unused hour",
        spec="[002 §3.5]",
        description="Planned care hours delivered as a share of the hours allocated in planned-care orders "
        "over the quarter (day by day); the breakdown gives the hours not delivered by reason.",
    ),
]


def _with_spec(rows: list[Row], reference: str) -> list[Row]:
    return [row if row.spec else replace(row, spec=reference) for row in rows]


SETS = {
    "dorset_extra_care": _with_spec(DORSET_EXTRA_CARE, "[000 §5]"),
    "dorset_childrens": _with_spec(DORSET_CHILDRENS, "[001 §7, Part 2 §8]"),
    "norfolk": _with_spec(NORFOLK, "[004 App. 4]"),
    "derby": DERBY,
}
# Which set each demo council's lots take, by lot number (schemes.demo).
DEMO_LOT_SETS = {
    "Norfolk County Council": {
        "1": "norfolk",
        "2": "norfolk",
        "3": "norfolk",
        "4": "norfolk",
        "5": "norfolk",
    },
    "Derby City Council": {"1": "derby", "2": "derby"},
    "Dorset Council": {"5": "dorset_extra_care", "27": "dorset_childrens"},
    # Part 2's returns go to NHS Dorset, on the same R1–R8 `[001 Part 2 §8]`.
    "NHS Dorset": {"20": "dorset_childrens"},
}


def install(lot, set_key: str) -> int:
    """Create the lot's definitions of a set that are missing. Returns how many were created."""
    rows = SETS[set_key]
    commissioner_id = lot.framework.commissioner_id
    existing = set(KpiDefinition.objects.filter(lot=lot).values_list("code", flat=True))
    new = []
    for position, row in enumerate(rows, start=1):
        if row.code in existing:
            continue
        new.append(
            KpiDefinition(
                commissioner_id=commissioner_id,
                lot=lot,
                code=row.code,
                title=row.title,
                description=row.description,
                specification_reference=row.spec,
                unit=row.unit,
                obtained=row.obtained,
                calculation=row.calculation,
                window=row.window,
                per_scheme=row.per_scheme,
                direction=row.direction,
                target=Decimal(row.target) if row.target is not None else None,
                target_rule=TargetRule.GREATER_OF_COUNT_OR_PERCENT if row.rule else TargetRule.FIXED,
                rule_count=Decimal(row.rule[0]) if row.rule else None,
                rule_percent=Decimal(row.rule[1]) if row.rule else None,
                target_text=row.target_text,
                position=position,
            )
        )
    KpiDefinition.objects.bulk_create(new)
    return len(new)
