"""The procurement API. Bids are sealed by their queryset: before the closing time a council's
list is empty and a bid's id answers 404."""

from django.db import transaction
from drf_spectacular.utils import extend_schema
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from portal.api.viewsets import ScopedCreateReadViewSet, ScopedReadOnlyViewSet
from portal.roles import Capability
from portal.tenancy import scoped
from procurement import services
from procurement.models import Bid, CallOff, LotEntryCriterion, LotMembership

from .filters import BidFilter, CallOffFilter, EntryCriterionFilter, MembershipFilter
from .serializers import (
    AwardSerializer,
    BidSerializer,
    CallOffSerializer,
    EntryCriterionSerializer,
    MembershipSerializer,
    ReasonSerializer,
    ScoreSerializer,
)


class EntryCriterionViewSet(ScopedReadOnlyViewSet, prefix="entry-criteria", basename="entry-criterion"):
    """Each lot's entry criteria, grouped in routes (meet every criterion of one route) `[003 App. 1]`."""

    queryset = LotEntryCriterion.objects.all()
    serializer_class = EntryCriterionSerializer
    filterset_class = EntryCriterionFilter
    ordering = ["lot", "route", "position"]


def _membership_action(name, service):
    """A POST action on a membership that takes the reasons and returns the membership."""

    def act(self, request, pk=None):
        return self._act(request, service)

    act.__name__ = act.__qualname__ = name
    act.__doc__ = service.__doc__
    return extend_schema(request=ReasonSerializer, responses=MembershipSerializer)(
        action(detail=True, methods=["post"])(act)
    )


class MembershipViewSet(ScopedCreateReadViewSet, prefix="lot-memberships", basename="membership"):
    """Lot memberships. A provider applies by creating one (open frameworks only; refused, naming the
    unmet criteria, if it does not meet them); the council admits, rejects, suspends or readmits."""

    queryset = LotMembership.objects.select_related("provider", "commissioner")
    serializer_class = MembershipSerializer
    filterset_class = MembershipFilter
    write_capability = Capability.PROVIDER_MANAGE
    create_service = staticmethod(services.membership_apply)
    action_capabilities = {
        "admit": Capability.COMMISSION,
        "reject": Capability.COMMISSION,
        "suspend": Capability.COMMISSION,
        "readmit": Capability.COMMISSION,
        "withdraw": Capability.PROVIDER_MANAGE,
    }
    ordering = ["lot", "provider__name"]

    def _act(self, request, service):
        membership = self.get_object()
        body = self.action_input(ReasonSerializer)
        membership = service(actor=request.user, membership=membership, reason=body["reason"])
        return Response(self.get_serializer(membership).data)

    admit = _membership_action("admit", services.membership_admit)
    reject = _membership_action("reject", services.membership_reject)
    suspend = _membership_action("suspend", services.membership_suspend)
    readmit = _membership_action("readmit", services.membership_readmit)
    withdraw = _membership_action("withdraw", services.membership_withdraw)


class CallOffViewSet(ScopedCreateReadViewSet, prefix="calloffs", basename="calloff"):
    """Call-offs (mini-competitions). Created as drafts by the council, published to the providers
    admitted to the lot, awarded to the highest-ranked bid after the closing time. A call-off's
    `ranking` is given to the council only once its bids are opened."""

    queryset = CallOff.objects.select_related("commissioner", "lot").prefetch_related("questions", "schemes")
    serializer_class = CallOffSerializer
    filterset_class = CallOffFilter
    write_capability = Capability.COMMISSION
    action_capabilities = {
        "publish": Capability.COMMISSION,
        "cancel": Capability.COMMISSION,
        "award": Capability.COMMISSION,
    }
    ordering = ["-closes_at"]

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "with_ranking": self.action in ("retrieve", "award")}

    @transaction.atomic
    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        questions = [(q["text"], q["weight"], q.get("max_score", 5)) for q in data.pop("questions")]
        schemes = data.pop("schemes", None)
        calloff = services.calloff_create(
            actor=self.request.user,
            commissioner=self.request.user.organisation,
            questions=questions,
            schemes=schemes,
            **data,
        )
        serializer.instance = self.rescoped(calloff)

    @extend_schema(request=None, responses=CallOffSerializer)
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        calloff = services.calloff_publish(actor=request.user, calloff=self.get_object())
        return Response(CallOffSerializer(calloff, context=self.get_serializer_context()).data)

    @extend_schema(request=ReasonSerializer, responses=CallOffSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        calloff = self.get_object()
        body = self.action_input(ReasonSerializer)
        calloff = services.calloff_cancel(actor=request.user, calloff=calloff, reason=body["reason"])
        return Response(CallOffSerializer(calloff, context=self.get_serializer_context()).data)

    @extend_schema(request=AwardSerializer, responses=CallOffSerializer)
    @action(detail=True, methods=["post"])
    def award(self, request, pk=None):
        calloff = self.get_object()
        body = self.action_input(AwardSerializer)
        bid = scoped(Bid, request.user).filter(calloff=calloff, pk=body["bid"]).first()
        if bid is None:
            raise NotFound({"bid": f"No opened bid with id {body['bid']} on this call-off."})
        calloff = services.calloff_award(actor=request.user, calloff=calloff, bid=bid)
        return Response(CallOffSerializer(calloff, context=self.get_serializer_context()).data)


class BidViewSet(ScopedCreateReadViewSet, prefix="bids", basename="bid"):
    """Sealed bids. A provider admitted to the lot bids (or revises its bid) by creating one before
    the closing time, at an hourly rate inside the band (a rate outside it is refused, 400). The
    council can read bids only after the closing time, and scores them then."""

    queryset = Bid.objects.select_related("provider", "calloff").prefetch_related("answers")
    serializer_class = BidSerializer
    filterset_class = BidFilter
    write_capability = Capability.PROVIDER_MANAGE
    action_capabilities = {"withdraw": Capability.PROVIDER_MANAGE, "score": Capability.COMMISSION}
    ordering = ["calloff", "submitted_at"]

    @transaction.atomic
    def perform_create(self, serializer):
        data = serializer.validated_data
        bid = services.bid_submit(
            actor=self.request.user,
            provider=self.request.user.organisation,
            calloff=data["calloff"],
            hourly_rate=data["hourly_rate"],
            answers={a["question"].pk: a["answer"] for a in data["answers"]},
            note=data.get("note", ""),
        )
        serializer.instance = self.rescoped(bid)

    @extend_schema(request=None, responses=BidSerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        bid = services.bid_withdraw(actor=request.user, bid=self.get_object())
        return Response(self.get_serializer(bid).data)

    @extend_schema(request=ScoreSerializer, responses=BidSerializer)
    @action(detail=True, methods=["post"])
    def score(self, request, pk=None):
        bid = self.get_object()
        body = self.action_input(ScoreSerializer)
        bid = services.bid_score(
            actor=request.user, bid=bid, scores={s["question"]: s["score"] for s in body["scores"]}
        )
        bid = self.get_queryset().get(pk=bid.pk)
        return Response(self.get_serializer(bid).data)
