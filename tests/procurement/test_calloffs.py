"""Call-offs: the price band, who may bid, scoring by the published weights, and the award that
creates the contract at the winning rate for both sides to see."""

import datetime as dt
from decimal import Decimal as D

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from portal.models import Alert, AuditEvent
from portal.roles import Role
from portal.tenancy import scoped
from procurement import selectors, services
from procurement.models import Bid, BidStatus, CallOff, CallOffStatus
from schemes.models import Contract, MembershipStatus, PaymentModel
from tests.factories import CommissionerFactory, ProviderFactory, SchemeFactory, user_for

from .factories import answers_for, calloff, member, open_lot

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    norfolk = CommissionerFactory(name="Norfolk County Council")
    lot = open_lot(norfolk)
    s1, s2 = SchemeFactory(lot=lot, name="Lisbon Court"), SchemeFactory(lot=lot, name="Oakes Court")
    wensum = user_for(ProviderFactory(name="Wensum Valley Care"), Role.PROVIDER_MANAGER)
    waveney = user_for(ProviderFactory(name="Waveney Homecare"), Role.PROVIDER_MANAGER)
    member(lot, wensum.organisation)
    member(lot, waveney.organisation)
    return {
        "norfolk": norfolk,
        "commissioner": user_for(norfolk, Role.COMMISSIONER),
        "lot": lot,
        "schemes": [s1, s2],
        "wensum": wensum,
        "waveney": waveney,
    }


def bid(w, who, rate, c):
    return services.bid_submit(
        actor=w[who], provider=w[who].organisation, calloff=c, hourly_rate=D(rate), answers=answers_for(c)
    )


def test_a_bid_of_23_53_is_refused_with_a_clear_error(world):
    c = calloff(world["lot"])
    with pytest.raises(ValidationError) as exc:
        bid(world, "wensum", "23.53", c)
    assert exc.value.message_dict == {
        "hourly_rate": [
            "The hourly rate £23.53 is above the price band of £21.00 to £23.52: bids outside the band are refused."
        ]
    }
    assert not Bid.objects.exists()
    assert bid(world, "wensum", "23.52", c).hourly_rate == D("23.52")


def test_only_providers_admitted_to_the_lot_can_bid(world):
    c = calloff(world["lot"])
    outsider = user_for(ProviderFactory(name="Elsewhere Care"), Role.PROVIDER_MANAGER)
    applicant = user_for(ProviderFactory(name="Applicant Care"), Role.PROVIDER_MANAGER)
    member(world["lot"], applicant.organisation, status=MembershipStatus.APPLIED)
    for user in (outsider, applicant):
        with pytest.raises(ValidationError, match="Only providers admitted to"):
            services.bid_submit(
                actor=user,
                provider=user.organisation,
                calloff=c,
                hourly_rate=D("22"),
                answers=answers_for(c),
            )
    membership = world["wensum"].organisation.lot_memberships.get()
    membership.status = MembershipStatus.SUSPENDED
    membership.save()
    with pytest.raises(ValidationError, match="You are suspended from"):
        bid(world, "wensum", "22.00", c)


def test_every_question_must_be_answered_and_bids_close_at_the_closing_time(world):
    c = calloff(world["lot"])
    with pytest.raises(ValidationError, match="question 2 is not answered"):
        services.bid_submit(
            actor=world["wensum"],
            provider=world["wensum"].organisation,
            calloff=c,
            hourly_rate=D("22"),
            answers={c.questions.get(position=1).pk: "Yes"},
        )
    with time_machine.travel(c.closes_at, tick=False):
        with pytest.raises(ValidationError, match="closed at"):
            bid(world, "wensum", "22.00", c)
    draft = calloff(world["lot"], status=CallOffStatus.DRAFT, reference="CO-2")
    with pytest.raises(ValidationError, match="is not open for bids"):
        bid(world, "wensum", "22.00", draft)


def test_a_bid_can_be_revised_and_withdrawn_until_the_closing_time(world):
    c = calloff(world["lot"])
    first = bid(world, "wensum", "22.00", c)
    second = bid(world, "wensum", "21.75", c)
    assert first.pk == second.pk and Bid.objects.get().hourly_rate == D("21.75")
    services.bid_withdraw(actor=world["wensum"], bid=second)
    assert Bid.objects.get().status == BidStatus.WITHDRAWN
    assert bid(world, "wensum", "21.90", c).status == BidStatus.SUBMITTED
    with time_machine.travel(c.closes_at + dt.timedelta(minutes=1), tick=False):
        with pytest.raises(ValidationError, match="only before the closing time"):
            services.bid_withdraw(actor=world["wensum"], bid=second)
    # The bid's trail is the bidder's alone (a council reading it would break the seal).
    assert {
        (e.commissioner_id, e.provider_id) for e in AuditEvent.objects.filter(action__startswith="bid")
    } == {(None, world["wensum"].organisation.pk)}


def test_two_bids_scored_70_30_rank_as_computed_by_hand_and_the_award_creates_the_contract(world):
    commissioner = world["commissioner"]
    c = calloff(world["lot"], schemes=[world["schemes"][1]])
    wensum_bid = bid(world, "wensum", "23.10", c)
    waveney_bid = bid(world, "waveney", "21.00", c)
    q1, q2 = c.questions.order_by("position")
    with pytest.raises(ValidationError, match="only after the closing time"):
        services.bid_score(actor=commissioner, bid=wensum_bid, scores={q1.pk: 5, q2.pk: 4})

    with time_machine.travel(c.closes_at + dt.timedelta(hours=1), tick=False):
        opened = scoped(Bid, commissioner).filter(calloff=c)
        assert set(opened) == {wensum_bid, waveney_bid}
        services.bid_score(actor=commissioner, bid=wensum_bid, scores={q1.pk: 5, q2.pk: 4})
        with pytest.raises(ValidationError, match="Score every bid before the award: Waveney Homecare"):
            services.calloff_award(actor=commissioner, calloff=c, bid=wensum_bid)
        with pytest.raises(ValidationError, match="Score question 2 from 0 to 5"):
            services.bid_score(actor=commissioner, bid=waveney_bid, scores={q1.pk: 3, q2.pk: 6})
        services.bid_score(actor=commissioner, bid=waveney_bid, scores={q1.pk: 3, q2.pk: 4})

        # Wensum: quality 40×5/5 + 30×4/5 = 64.00; price 30 × 21.00/23.10 = 27.27; total 91.27.
        # Waveney: quality 40×3/5 + 30×4/5 = 48.00; price 30 × 21.00/21.00 = 30.00; total 78.00.
        ranked = selectors.ranking(c, opened)
        assert [(b.provider.name, r.rank, r.quality_points, r.price_points, r.total) for b, r in ranked] == [
            ("Wensum Valley Care", 1, D("64.00"), D("27.27"), D("91.27")),
            ("Waveney Homecare", 2, D("48.00"), D("30.00"), D("78.00")),
        ]
        with pytest.raises(
            ValidationError, match="Award to the highest-ranked bid: Wensum Valley Care scored 91.27"
        ):
            services.calloff_award(actor=commissioner, calloff=c, bid=waveney_bid)
        c = services.calloff_award(actor=commissioner, calloff=c, bid=wensum_bid)

    assert c.status == CallOffStatus.AWARDED and c.awarded_bid == wensum_bid
    contract = c.contract
    assert (contract.reference, contract.provider, contract.commissioner, contract.lot) == (
        "CT-CO-1",
        world["wensum"].organisation,
        world["norfolk"],
        world["lot"],
    )
    assert list(contract.schemes.all()) == [world["schemes"][1]]
    rate = contract.rate_on(dt.date(2027, 4, 1))
    assert (rate.planned_hourly_rate, rate.unplanned_hourly_rate) == (D("23.10"), D("24.28"))
    # The contract appears for both sides, and not for the losing bidder.
    assert contract in scoped(Contract, commissioner)
    assert contract in scoped(Contract, world["wensum"])
    assert contract not in scoped(Contract, world["waveney"])
    outcomes = {a.recipient.name: a.title for a in Alert.objects.filter(kind="calloff-outcome")}
    assert outcomes["Wensum Valley Care"] == "You won call-off CO-1: contract CT-CO-1 at £23.10/h"
    assert outcomes["Waveney Homecare"] == "Your bid for CO-1 was not successful (ranked 2 of 2)"
    assert AuditEvent.objects.filter(action="awarded", object_id=str(c.pk)).exists()
    assert AuditEvent.objects.filter(action="created", object_id=str(contract.pk)).exists()
    with pytest.raises(ValidationError, match="once"):
        services.calloff_award(actor=commissioner, calloff=c, bid=wensum_bid)


def test_weights_must_add_up_to_100_and_schemes_belong_to_the_lot(world):
    kwargs = dict(
        actor=world["commissioner"],
        commissioner=world["norfolk"],
        lot=world["lot"],
        reference="CO-9",
        title="Test",
        closes_at=timezone.now() + dt.timedelta(days=3),
        price_min=D("21.00"),
        price_max=D("23.52"),
        price_weight=D("30"),
        contract_reference="CT-9",
        contract_start=dt.date(2027, 1, 1),
        payment_model="hourly_4_weekly",
    )
    with pytest.raises(ValidationError) as exc:
        services.calloff_create(questions=[("Q", D("40"), 5)], **kwargs)
    assert exc.value.message_dict["price_weight"] == [
        "The price weight and the question weights add up to 70%, not 100%."
    ]
    elsewhere = SchemeFactory()
    with pytest.raises(ValidationError, match="Every scheme must be in the call-off's lot"):
        services.calloff_create(questions=[("Q", D("70"), 5)], schemes=[elsewhere], **kwargs)
    c = services.calloff_create(questions=[("Q", D("70"), 5)], **kwargs)
    assert set(c.schemes.all()) == set(world["schemes"])  # the whole lot by default
    assert c.status == CallOffStatus.DRAFT


def test_publishing_tells_the_admitted_providers_only(world):
    applicant = ProviderFactory(name="Applicant Care")
    member(world["lot"], applicant, status=MembershipStatus.APPLIED)
    c = calloff(world["lot"], status=CallOffStatus.DRAFT)
    services.calloff_publish(actor=world["commissioner"], calloff=c)
    told = set(Alert.objects.filter(kind="calloff-published").values_list("recipient__name", flat=True))
    assert told == {"Wensum Valley Care", "Waveney Homecare"}
    with pytest.raises(ValidationError, match="Only a draft"):
        services.calloff_publish(actor=world["commissioner"], calloff=c)
    late = calloff(
        world["lot"], status=CallOffStatus.DRAFT, closes_in=-dt.timedelta(minutes=1), reference="CO-2"
    )
    with pytest.raises(ValidationError, match="The closing time has passed"):
        services.calloff_publish(actor=world["commissioner"], calloff=late)


def test_a_cancelled_call_off_never_opens_its_bids(world):
    c = calloff(world["lot"])
    bid(world, "wensum", "22.00", c)
    services.calloff_cancel(actor=world["commissioner"], calloff=c, reason="Budget withdrawn")
    with time_machine.travel(c.closes_at + dt.timedelta(days=1), tick=False):
        assert not scoped(Bid, world["commissioner"]).exists()
    assert Alert.objects.get(kind="calloff-outcome").title == "Call-off CO-1 was cancelled: Budget withdrawn"


def test_closed_call_offs_alert_the_council_once(world):
    c = calloff(world["lot"])
    with time_machine.travel(c.closes_at + dt.timedelta(minutes=5), tick=False):
        assert services.calloffs_closed_alerts(now=timezone.now()) == 1
        assert services.calloffs_closed_alerts(now=timezone.now()) == 0
    assert Alert.objects.get(kind="calloff-closed").recipient == world["norfolk"]
    assert CallOff.objects.get().status == CallOffStatus.PUBLISHED


def test_a_block_call_off_awards_the_block_volume_and_derbys_notice(world):
    # A block call-off carries the volume it is awarded at: 400 h/wk from the contract's start,
    # so its first quarter's block is 400 × 13 × the awarded rate; notice 180 days [002 §7.4].
    commissioner = world["commissioner"]
    c = calloff(
        world["lot"],
        questions=(("Staffing", "70", 5),),
        payment_model=PaymentModel.BLOCK_QUARTERLY,
        unplanned_hourly_rate=None,
        block_weekly_hours=D("400"),
    )
    only = bid(world, "wensum", "22.00", c)
    (q1,) = c.questions.all()
    with time_machine.travel(c.closes_at + dt.timedelta(hours=1), tick=False):
        services.bid_score(actor=commissioner, bid=only, scores={q1.pk: 5})
        c = services.calloff_award(actor=commissioner, calloff=c, bid=only)
    volume = c.contract.block_volumes.get()
    assert (volume.effective_from, volume.weekly_hours, volume.source) == (
        dt.date(2027, 4, 1),
        D("400.00"),
        "award",
    )
    assert c.contract.notice_period_days == 180
    c.block_weekly_hours = None
    with pytest.raises(ValidationError, match="block volume it is awarded at"):
        c.full_clean()
