"""Derby's block `[002 §1, App. 4]`: the agreed block volume the council records from a date, and
the quarterly block-volume review it accepts (the proposed volume applies from the next quarter,
or a date the council sets) or rejects. Drafts of the quarters a new volume reaches follow it; a
quarter whose block is already submitted keeps it."""

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from portal.alerts import raise_alert, resolve_matching
from portal.models import Alert, User
from portal.workflow import COUNCIL, Transition, Workflow
from schemes.models import BlockVolume, BlockVolumeSource, Contract, PaymentModel
from schemes.services import block_volume_set

from .. import alerts, rules
from ..models import BlockVolumeReview, Invoice, InvoiceKind, InvoiceStatus, ReviewOutcome
from .common import money
from .runs import invoice_generate

#: Derby's block-volume review `[002 App. 4]`: a proposal the council accepts or rejects.
REVIEW_WORKFLOW = Workflow(
    {
        "accept": Transition(
            "accepted", frozenset({ReviewOutcome.PROPOSED}), ReviewOutcome.ACCEPTED, COUNCIL
        ),
        "reject": Transition(
            "rejected", frozenset({ReviewOutcome.PROPOSED}), ReviewOutcome.REJECTED, COUNCIL
        ),
    },
    field="outcome",
    describe=lambda review: "This review",
)


def _check_no_submitted_block(contract: Contract, effective_from: dt.date) -> None:
    """A volume may not reach back into a quarter whose block invoice is submitted (it is frozen)."""
    frozen = (
        Invoice.objects.filter(contract=contract, kind=InvoiceKind.BLOCK, period_start__gte=effective_from)
        .exclude(status=InvoiceStatus.DRAFT)
        .order_by("-period_start")
        .first()
    )
    if frozen is not None:
        raise ValidationError(
            {
                "effective_from": f"The block invoice {frozen.number} for the quarter from "
                f"{frozen.period_start:%-d %B %Y} is already submitted: a new volume can apply from "
                f"{frozen.period_end + dt.timedelta(days=1):%-d %B %Y} at the earliest."
            }
        )


def _regenerate_drafts(actor: User | None, contract: Contract, effective_from: dt.date) -> None:
    drafts = Invoice.objects.filter(
        contract=contract,
        kind=InvoiceKind.BLOCK,
        period_start__gte=effective_from,
        part="",
        status=InvoiceStatus.DRAFT,
    ).values_list("period_start", flat=True)
    for period_start in list(drafts):
        invoice_generate(contract_id=contract.pk, period_start=period_start, actor=actor)


@transaction.atomic
def block_volume_record(
    *, actor: User | None, contract: Contract, effective_from: dt.date, weekly_hours: Decimal, note: str = ""
) -> BlockVolume:
    """The council records an agreed block volume from a date (at award, or as agreed in writing
    with the provider) `[002 App. 4]`; audited on the contract."""
    contract = Contract.objects.select_for_update().get(pk=contract.pk)
    if contract.payment_model != PaymentModel.BLOCK_QUARTERLY:
        raise ValidationError({"contract": "Only a block contract has a block volume."})
    if actor is not None and getattr(actor, "organisation_id", None) != contract.commissioner_id:
        raise ValidationError({"contract": "Only the contract's commissioner records its block volume."})
    first = not contract.block_volumes.exists()
    _check_no_submitted_block(contract, effective_from)
    volume = block_volume_set(
        actor=actor,
        contract=contract,
        effective_from=effective_from,
        weekly_hours=weekly_hours,
        source=BlockVolumeSource.AWARD
        if first and effective_from == contract.start_date
        else BlockVolumeSource.AGREED,
        note=note,
    )
    _regenerate_drafts(actor, contract, effective_from)
    return volume


@transaction.atomic
def block_review_decide(
    *,
    actor: User | None,
    review: BlockVolumeReview,
    accept: bool,
    reason: str = "",
    effective_from: dt.date | None = None,
    now: dt.datetime | None = None,
) -> BlockVolumeReview:
    """The council accepts the proposed volume or rejects it with a reason `[002 App. 4]`. Accepted,
    the proposed volume becomes the contract's block volume from the next quarter, or from the
    date the council sets; drafts of the quarters it reaches follow it. A date reaching a quarter
    whose block invoice is already submitted is refused: that invoice is frozen."""
    contract = Contract.objects.select_for_update().get(pk=review.contract_id)  # same lock order as the run
    review = BlockVolumeReview.objects.select_for_update().select_related("contract").get(pk=review.pk)
    if review.outcome != ReviewOutcome.PROPOSED:
        raise ValidationError(
            f"This review is {review.get_outcome_display().lower()}: there is nothing to decide."
        )
    reason = (reason or "").strip()
    if not accept and not reason:
        raise ValidationError({"reason": "Say why the updated block payment is rejected."})
    if accept:
        effective_from = effective_from or rules.next_quarter_start(review.quarter_start)
        if effective_from < review.quarter_start:
            raise ValidationError(
                {
                    "effective_from": "The updated volume cannot apply before the quarter of its review, "
                    f"which starts on {review.quarter_start:%-d %B %Y}."
                }
            )
        _check_no_submitted_block(contract, effective_from)
        if review.proposed_weekly_hours is None:  # a proposal always has its figure
            raise ValidationError("This review proposes no volume.")
        review.volume = block_volume_set(
            actor=actor,
            contract=contract,
            effective_from=effective_from,
            weekly_hours=review.proposed_weekly_hours,
            source=BlockVolumeSource.REVIEW,
            note=f"Block-volume review for the quarter from {review.quarter_start:%-d %b %Y} "
            f"({review.signed_difference})",
        )
        review.effective_from = effective_from
    review.decided_at = now or timezone.now()
    review.decided_by = actor if actor is not None and actor.is_authenticated else None
    review.decision_reason = reason
    REVIEW_WORKFLOW.apply(
        review,
        "accept" if accept else "reject",
        actor=actor,
        note=reason,
        changes={"effective_from": [None, effective_from]} if accept else None,
    )
    resolve_matching(
        kind=alerts.BLOCK_REVIEW_TO_DECIDE,
        key=f"block_review:{review.pk}",
        actor=actor,
        resolution=review.outcome,
    )
    raise_alert(
        recipient=review.contract.provider,
        kind=alerts.BLOCK_REVIEW_DECIDED,
        key=f"block_review:{review.pk}",
        title=f"Block-volume review for {review.contract.reference}: updated block "
        + (
            f"of {money(review.proposed_amount)} accepted from {effective_from:%-d %B %Y}"
            if accept and effective_from
            else "rejected"
        ),
        url=review.get_absolute_url(),
        severity=Alert.Severity.INFO,
        obj=review,
    )
    if accept and effective_from is not None:
        _regenerate_drafts(actor, contract, effective_from)
    return review
