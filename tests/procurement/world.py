"""Procurement records of the canary world. The world's frameworks stay closed (open-framework
visibility is tested in tests/procurement/test_tenancy.py), so nothing here widens who sees whom:
for each pair an entry criterion on its lot, the provider's admitted membership, a published
call-off still open with the provider's sealed bid, a closed call-off with its opened bid; and
for C1P1 a draft call-off (the council's alone) and an application awaiting a decision."""

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from procurement.models import (
    Bid,
    BidAnswer,
    BidStatus,
    CallOff,
    CallOffStatus,
    LotEntryCriterion,
    QualityQuestion,
)
from schemes.models import Lot, LotMembership, MembershipStatus, PaymentModel
from tests.matrix.world import PAIR_PARTIES, pii, ref

ORDER = 25


def _calloff(world, pair, suffix, status, closes_at):
    c_key, _p = PAIR_PARTIES[pair]
    lot = world.get("lot", pair)
    calloff = CallOff.objects.create(
        commissioner=world.orgs[c_key],
        lot=lot,
        reference=f"CO-{suffix}-{pair}",
        title=f"Call-off {suffix} {pii(pair)}",
        status=status,
        closes_at=closes_at,
        published_at=None if status == CallOffStatus.DRAFT else timezone.now() - dt.timedelta(days=10),
        price_min=Decimal("21.00"),
        price_max=Decimal("23.52"),
        price_weight=Decimal("30"),
        contract_reference=f"CT-{suffix}-{pair}",
        contract_start=dt.date(2029, 4, 1),
        payment_model=PaymentModel.HOURLY_4_WEEKLY,
    )
    calloff.schemes.set([world.get("scheme", pair)])
    QualityQuestion.objects.create(
        calloff=calloff, position=1, text=f"Question {pii(pair)}", weight=Decimal("70")
    )
    return calloff


def _bid(world, pair, calloff):
    _c, p_key = PAIR_PARTIES[pair]
    bid = Bid.objects.create(
        calloff=calloff,
        provider=world.orgs[p_key],
        commissioner_id=calloff.commissioner_id,
        hourly_rate=Decimal("22.10"),
        note=f"Bid note {pii(pair)}",
        status=BidStatus.SUBMITTED,
        submitted_at=timezone.now() - dt.timedelta(days=2),
    )
    BidAnswer.objects.create(bid=bid, question=calloff.questions.get(), answer=f"Answer {pii(pair)}")
    return bid


def build(world):
    now = timezone.now()
    for pair, (c_key, p_key) in PAIR_PARTIES.items():
        lot = world.get("lot", pair)
        world.put(
            "criterion",
            pair,
            LotEntryCriterion.objects.create(
                lot=lot, requirement="declaration", wording=f"Declares {ref(pair)}", position=1
            ),
        )
        world.put(
            "membership",
            pair,
            LotMembership.objects.create(
                lot=lot,
                provider=world.orgs[p_key],
                commissioner=world.orgs[c_key],
                status=MembershipStatus.ADMITTED,
                statement=f"Statement {pii(pair)}",
            ),
        )
        open_calloff = _calloff(world, pair, "OPEN", CallOffStatus.PUBLISHED, now + dt.timedelta(days=30))
        closed_calloff = _calloff(world, pair, "SHUT", CallOffStatus.PUBLISHED, now - dt.timedelta(days=1))
        world.put("calloff_open", pair, open_calloff)
        world.put("calloff_closed", pair, closed_calloff)
        world.put("bid_sealed", pair, _bid(world, pair, open_calloff))
        world.put("bid_opened", pair, _bid(world, pair, closed_calloff))
    world.put(
        "calloff_draft",
        "C1",
        _calloff(world, "C1P1", "DRAFT", CallOffStatus.DRAFT, now + dt.timedelta(days=40)),
    )
    # A second lot on C1's framework that P1 applied to: an application awaiting a decision.
    applied_lot = Lot.objects.create(
        framework=world.get("framework", "C1"), number="9", name=f"Applied lot {ref('C1P1')}", position=9
    )
    world.put(
        "application",
        "C1P1",
        LotMembership.objects.create(
            lot=applied_lot,
            provider=world.orgs["P1"],
            commissioner=world.orgs["C1"],
            status=MembershipStatus.APPLIED,
            applied_at=now,
            statement=f"Application {pii('C1P1')}",
        ),
    )
