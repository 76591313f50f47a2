"""Demo data for issue 14 (called by `records.demo.load`): Norfolk's requests for information on
complaints made to the council — most answered within 10 working days, some late, one still open —
monthly complaints reports for April to September 2026 `[004 §8.5.5–6]`, and a PAMMS assessment of
each Norfolk scheme (one Requires improvement, more recent than the provider's CQC rating) `[004 App. 4]`."""

import datetime as dt
import random

from portal.workdays import add_working_days
from schemes.models import Contract

from .models import (
    Complaint,
    ComplaintInformationRequest,
    ComplaintKind,
    MonthlyComplaintsReport,
    PammsAssessment,
    PammsRating,
)
from .services import complaints as services_complaints

ASKED = (
    "Visit records and the care plan for the fortnight complained about",
    "The carers' rota and call logs for the week of the complaint",
    "Your investigation notes and the outcome letter",
)
ACTIONS = (
    "Each complaint investigated by the registered manager; rota changed for tea-time calls; "
    "apologies given where upheld."
)
LESSONS = "Shared at the monthly team meeting: tell people when a carer is running late."


def load(out, contracts: list[Contract], today: dt.date) -> None:
    rng = random.Random("issue-14")  # noqa: S311 - demo data, not security
    norfolk = [c for c in contracts if c.commissioner.name == "Norfolk County Council"]
    requests, reports, assessments = [], [], []
    for contract in norfolk:
        complaints = list(
            Complaint.objects.filter(contract=contract, kind=ComplaintKind.COMPLAINT).order_by("received_on")
        )
        for k, complaint in enumerate(complaints[::2]):
            requested = add_working_days(complaint.received_on, 3)
            if requested >= today:
                continue
            late = k % 4 == 3
            answered = add_working_days(requested, rng.randint(11, 13) if late else rng.randint(4, 10))
            requests.append(
                ComplaintInformationRequest(
                    contract=contract, reference=f"NCC-CMP-{complaint.reference[-4:]}-{contract.pk}",
                    complaint=complaint, scheme=complaint.scheme, requested_on=requested,
                    information_requested=ASKED[k % len(ASKED)], due_on=requested,
                    answered_on=answered if answered < today else None,
                    answer="Sent by secure email." if answered < today else "",
                ).fill_pair()
            )  # fmt: skip
        month = dt.date(2026, 4, 1)
        while month <= dt.date(2026, 9, 1):
            reports.append(
                MonthlyComplaintsReport(
                    contract=contract, month=month, actions_taken=ACTIONS, lessons_learned=LESSONS,
                    submitted_at=dt.datetime.combine(add_working_days((month + dt.timedelta(days=32)).replace(day=1), 5),
                                                     dt.time(10), tzinfo=dt.UTC),
                    **services_complaints.month_counts(contract, month),
                ).fill_pair()
            )  # fmt: skip
            month = (month + dt.timedelta(days=32)).replace(day=1)
        for j, scheme in enumerate(sorted(contract.schemes.all(), key=lambda s: s.name)):
            rating = PammsRating.REQUIRES_IMPROVEMENT if (contract.reference, j) == ("NCC-HWC-L4", 0) else (
                PammsRating.EXCELLENT if j % 2 == 0 else PammsRating.GOOD
            )  # fmt: skip
            assessments.append(
                PammsAssessment(
                    contract=contract, scheme=scheme, rating=rating, assessed_on=dt.date(2026, 5, 12 + j),
                    note="IQS visit: medication records and person-centred plans reviewed.",
                ).fill_pair()
            )  # fmt: skip
    for request in requests:
        request.save()  # derives the 10-working-day deadline
    MonthlyComplaintsReport.objects.bulk_create(reports)
    PammsAssessment.objects.bulk_create(assessments)
    out.write(
        f"  complaints and quality: {len(requests)} council information requests, {len(reports)} monthly "
        f"complaints reports, {len(assessments)} PAMMS assessments"
    )
