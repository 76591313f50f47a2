"""Operational records in the canary world: one of each kind per pair, each carrying the pair's
canary. Names stored: alarm_call, complaint, safeguarding, survey, void, nomination, activity,
attendance, complaint_request, complaints_report, pamms."""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

from packages_of_care.models import ServiceUser
from records.models import (
    Activity,
    ActivityAttendance,
    ActivityKind,
    AlarmCall,
    AlarmOutcome,
    Complaint,
    ComplaintInformationRequest,
    MonthlyComplaintsReport,
    NominationDecision,
    PammsAssessment,
    SafeguardingIncident,
    SurveyResponse,
    Void,
    VoidStatus,
)
from tests.matrix.world import PAIR_PARTIES, pii

ORDER = 35
LONDON = ZoneInfo("Europe/London")


def _person(world, pair):
    person = world.objects.get("service_user", {}).get(pair)
    if person is None:
        person = world.get("visit", pair).order.service_user
    return person


def build(world):
    for pair in PAIR_PARTIES:
        canary = pii(pair)
        contract = world.get("contract", pair)
        scheme = world.get("scheme", pair)
        person = _person(world, pair)
        common = {"contract": contract}
        raised = dt.datetime(2026, 4, 5, 23, 10, tzinfo=LONDON)
        records = {
            "alarm_call": AlarmCall(
                **common, scheme=scheme, flat="1", service_user=person, raised_at=raised,
                responded_at=raised + dt.timedelta(minutes=4), outcome=AlarmOutcome.ATTENDED, notes=f"Call {canary}",
            ).fill_derived(),
            "complaint": Complaint(
                **common, reference=f"CMP-{pair}", scheme=scheme, received_on=dt.date(2026, 4, 6),
                summary=f"Complaint {canary}", upheld=True,
            ).fill_pair(),
            "safeguarding": SafeguardingIncident(
                **common, reference=f"SG-{pair}", scheme=scheme, occurred_on=dt.date(2026, 4, 7),
                category=SafeguardingIncident.Category.NEGLECT, summary=f"Incident {canary}",
            ).fill_pair(),
            "survey": SurveyResponse(
                **common, scheme=scheme, reference=f"SUR-{pair}", responded_on=dt.date(2026, 4, 8), satisfied=True,
                comments=f"Survey {canary}",
            ).fill_pair(),
            "void": Void(
                **common, scheme=scheme, flat="9", status=VoidStatus.ACTUAL, start_date=dt.date(2026, 4, 9),
                reason=f"Void {canary}",
            ).fill_pair(),
            "nomination": NominationDecision(
                **common, scheme=scheme, panel_date=dt.date(2026, 4, 10), applicant_reference=f"NOM-{pair}",
                applicant_age=80, assessed_care_hours_per_week=Decimal("10"), decision="declined", declined_by="panel",
                reason=f"Declined {canary}",
            ).fill_pair(),
            "activity": Activity(
                **common, kind=ActivityKind.WELLBEING, title=f"Activity {canary}", scheme=scheme, location="Lounge",
                starts_at=dt.datetime(2026, 4, 11, 14, tzinfo=LONDON), ends_at=dt.datetime(2026, 4, 11, 15, tzinfo=LONDON),
                capacity=10,
            ).fill_pair(),
        }  # fmt: skip
        for name, record in records.items():
            record.save()
            world.put(name, pair, record)
        extra = {
            "complaint_request": ComplaintInformationRequest(
                **common, reference=f"NCC-{pair}", scheme=scheme, requested_on=dt.date(2026, 4, 6),
                information_requested=f"Logs {canary}", due_on=dt.date(2026, 4, 6),
            ).fill_pair(),
            "complaints_report": MonthlyComplaintsReport(
                **common, month=dt.date(2026, 4, 1), complaints=1, actions_taken=f"Actions {canary}",
                submitted_at=raised,
            ).fill_pair(),
            "pamms": PammsAssessment(
                **common, scheme=scheme, rating="good", assessed_on=dt.date(2026, 4, 2), note=f"PAMMS {canary}"
            ).fill_pair(),
        }  # fmt: skip
        for name, record in extra.items():
            record.save()
            world.put(name, pair, record)
        assert isinstance(person, ServiceUser)
        attendance = ActivityAttendance.objects.create(activity=records["activity"], service_user=person)
        world.put("attendance", pair, attendance)
