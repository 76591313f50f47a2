"""Writes for the council's requests for information on a complaint `[004 §8.5.5]`, the provider's
monthly complaints report `[004 §8.5.6–7]` and the council's PAMMS assessments `[004 §8.1.4,
App. 4]`. Keyword-only, atomic, audited; each checks the actor's organisation is the side the
record belongs to (views and the API check the capability first)."""

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from packages_of_care.models import ServiceUser
from portal import audit
from portal.alerts import raise_alert, resolve_matching
from portal.models import User
from schemes.models import Contract, Scheme

from .. import alerts
from ..models import (
    LONDON,
    Complaint,
    ComplaintInformationRequest,
    ComplaintKind,
    MonthlyComplaintsReport,
    PammsAssessment,
    PammsRating,
)


def _require(actor: User | None, organisation_id: int, who: str) -> None:
    if actor is None or actor.organisation_id != organisation_id:
        raise PermissionDenied(f"Only {who} does this.")


def _not_future(day: dt.date | None, field: str) -> None:
    if day is None:
        raise ValidationError({field: "Give the date."})
    if day > timezone.localdate():
        raise ValidationError({field: "The date cannot be in the future."})


def _request_key(request: ComplaintInformationRequest) -> str:
    return f"complaint_request:{request.pk}"


@transaction.atomic
def complaint_request_record(
    *,
    actor: User | None,
    contract: Contract,
    reference: str,
    requested_on: dt.date,
    information_requested: str,
    scheme: Scheme | None = None,
    service_user: ServiceUser | None = None,
    complaint: Complaint | None = None,
) -> ComplaintInformationRequest:
    """The council records its request to the provider for information on a complaint made to the
    council; the provider is alerted, due 10 working days after the request `[004 §8.5.5]`."""
    _require(actor, contract.commissioner_id, "the contract's council")
    _not_future(requested_on, "requested_on")
    if scheme is not None and not contract.schemes.filter(pk=scheme.pk).exists():
        raise ValidationError({"scheme": "The scheme is not one of the contract's."})
    if complaint is not None and complaint.contract_id != contract.pk:
        raise ValidationError({"complaint": "The complaint was recorded under another contract."})
    if not (information_requested or "").strip():
        raise ValidationError({"information_requested": "Say what information you need."})
    request = ComplaintInformationRequest(
        contract=contract,
        reference=(reference or "").strip(),
        requested_on=requested_on,
        information_requested=information_requested.strip(),
        scheme=scheme,
        service_user=service_user,
        complaint=complaint,
        requested_by=actor,
    ).fill_pair()
    request.full_clean(exclude=["due_on"])
    request.save()
    audit.record(actor=actor, obj=request, action="requested", changes={"due_on": [None, request.due_on]})
    raise_alert(
        recipient=contract.provider,
        kind=alerts.INFORMATION_REQUESTED,
        key=_request_key(request),
        title=f"{contract.commissioner.name} asks for information on complaint {request.reference}, due by {request.due_on:%d %b %Y}",
        detail=request.information_requested,
        url=request.get_absolute_url(),
        due_at=dt.datetime.combine(request.due_on, dt.time(23, 59), tzinfo=LONDON),
        obj=request,
    )
    return request


@transaction.atomic
def complaint_request_answer(
    *, actor: User | None, request: ComplaintInformationRequest, answered_on: dt.date, answer: str = ""
) -> ComplaintInformationRequest:
    """The provider records the day it returned the information (and what it sent). In time when
    on or before the 10th working day after the request."""
    request = ComplaintInformationRequest.objects.select_for_update().get(pk=request.pk)
    _require(actor, request.provider_id, "the provider asked")
    if request.answered_on is not None:
        raise ValidationError(f"The information was already returned on {request.answered_on:%d %B %Y}.")
    _not_future(answered_on, "answered_on")
    if answered_on < request.requested_on:
        raise ValidationError({"answered_on": "The information cannot go back before it was asked for."})
    request.answered_on, request.answer, request.answered_by = answered_on, (answer or "").strip(), actor
    request.save()
    audit.record(
        actor=actor,
        obj=request,
        action="answered",
        changes={"answered_on": [None, answered_on]},
        note="in time" if request.answered_in_time else "late",
    )
    resolve_matching(
        kind=alerts.INFORMATION_REQUESTED, key=_request_key(request), actor=actor, resolution="Returned."
    )
    raise_alert(
        recipient=request.commissioner,
        kind=alerts.INFORMATION_RETURNED,
        key=_request_key(request),
        title=f"Information on complaint {request.reference} returned {'in time' if request.answered_in_time else 'late'}",
        url=request.get_absolute_url(),
        obj=request,
    )
    return request


def month_counts(contract: Contract, month: dt.date) -> dict[str, Any]:
    """The complaints, concerns and compliments recorded under the contract as received in the
    month, and how many of them were upheld."""
    first = month.replace(day=1)
    after = (first + dt.timedelta(days=32)).replace(day=1)
    return Complaint.objects.filter(
        contract=contract, received_on__gte=first, received_on__lt=after
    ).aggregate(
        complaints=Count("pk", filter=Q(kind=ComplaintKind.COMPLAINT)),
        concerns=Count("pk", filter=Q(kind=ComplaintKind.CONCERN)),
        compliments=Count("pk", filter=Q(kind=ComplaintKind.COMPLIMENT)),
        upheld=Count("pk", filter=Q(upheld=True) & ~Q(kind=ComplaintKind.COMPLIMENT)),
    )


@transaction.atomic
def complaints_report_submit(
    *, actor: User | None, contract: Contract, month: dt.date, actions_taken: str, lessons_learned: str = ""
) -> MonthlyComplaintsReport:
    """The provider's monthly complaints report `[004 §8.5.6]`: the month's complaints, concerns and
    compliments as recorded (counted now), the actions taken and the lessons learned `[004 §8.5.7]`.
    One per contract and month, for a month that has ended."""
    _require(actor, contract.provider_id, "the contract's provider")
    first = month.replace(day=1)
    if first > timezone.localdate().replace(day=1) or first == timezone.localdate().replace(day=1):
        raise ValidationError({"month": "Report on a month once it has ended."})
    if MonthlyComplaintsReport.objects.filter(contract=contract, month=first).exists():
        raise ValidationError({"month": f"The report for {first:%B %Y} was already sent."})
    if not (actions_taken or "").strip():
        raise ValidationError(
            {"actions_taken": "Say what was done about the complaints (or that there were none)."}
        )
    report = MonthlyComplaintsReport(
        contract=contract,
        month=first,
        actions_taken=actions_taken.strip(),
        lessons_learned=(lessons_learned or "").strip(),
        submitted_at=timezone.now(),
        submitted_by=actor,
        **month_counts(contract, first),
    ).fill_pair()
    report.save()
    audit.record(actor=actor, obj=report, action="submitted", note=f"{first:%B %Y}")
    return report


@transaction.atomic
def pamms_record(
    *,
    actor: User | None,
    contract: Contract,
    scheme: Scheme,
    rating: str,
    assessed_on: dt.date,
    note: str = "",
) -> PammsAssessment:
    """The council records a PAMMS assessment of a scheme; N4 takes it when it is the most recent
    of the scheme's PAMMS and CQC ratings `[004 App. 4]`."""
    _require(actor, contract.commissioner_id, "the contract's council")
    _not_future(assessed_on, "assessed_on")
    if rating not in PammsRating.values:
        raise ValidationError({"rating": "Choose the PAMMS rating."})
    if not contract.schemes.filter(pk=scheme.pk).exists():
        raise ValidationError({"scheme": "The scheme is not one of the contract's."})
    assessment = PammsAssessment(
        contract=contract,
        scheme=scheme,
        rating=rating,
        assessed_on=assessed_on,
        note=(note or "").strip(),
        recorded_by=actor,
    ).fill_pair()
    assessment.save()
    audit.record(actor=actor, obj=assessment, action="recorded", changes={"rating": [None, rating]})
    return assessment
