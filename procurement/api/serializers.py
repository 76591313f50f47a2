from rest_framework import serializers

from portal.api.fields import ScopedPrimaryKeyRelatedField
from portal.api.serializers import PortalModelSerializer
from portal.tenancy import scoped
from procurement import selectors
from procurement.models import (
    Bid,
    BidAnswer,
    CallOff,
    LotEntryCriterion,
    LotMembership,
    QualityQuestion,
)
from schemes.models import Lot, PaymentModel, Scheme


class EntryCriterionSerializer(serializers.ModelSerializer):
    text = serializers.CharField(read_only=True)

    class Meta:
        model = LotEntryCriterion
        fields = ["id", "lot", "route", "route_label", "requirement", "policy_kind", "text"]


class MembershipSerializer(PortalModelSerializer):
    lot = ScopedPrimaryKeyRelatedField(queryset=Lot.objects.all())
    declarations = serializers.ListField(child=serializers.IntegerField(), required=False, default=list)

    class Meta:
        model = LotMembership
        # What the portal and the council record; a provider writes only its application.
        read_only_fields = [
            "provider",
            "commissioner",
            "status",
            "criteria_results",
            "applied_at",
            "decided_at",
            "decision_reason",
            "suspended_at",
            "suspension_reason",
        ]
        fields = [
            "id",
            "lot",
            "provider_name",
            "commissioner_name",
            "statement",
            "declarations",
            *read_only_fields,
        ]
        validators = []


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class QuestionSerializer(serializers.ModelSerializer):
    class Meta:
        model = QualityQuestion
        fields = ["id", "position", "text", "weight", "max_score"]
        read_only_fields = ["id", "position"]


class RankedBidSerializer(serializers.Serializer):
    bid = serializers.IntegerField()
    provider = serializers.IntegerField()
    provider_name = serializers.CharField()
    rank = serializers.IntegerField()
    hourly_rate = serializers.DecimalField(max_digits=8, decimal_places=2)
    quality_points = serializers.DecimalField(max_digits=6, decimal_places=2, allow_null=True)
    price_points = serializers.DecimalField(max_digits=6, decimal_places=2)
    total_points = serializers.DecimalField(max_digits=6, decimal_places=2, allow_null=True)


class CallOffSerializer(PortalModelSerializer):
    lot = ScopedPrimaryKeyRelatedField(queryset=Lot.objects.all())
    schemes = ScopedPrimaryKeyRelatedField(queryset=Scheme.objects.all(), many=True, required=False)
    questions = QuestionSerializer(many=True)
    payment_model = serializers.ChoiceField(choices=PaymentModel.choices)
    contract = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)
    ranking = serializers.SerializerMethodField(
        help_text="The opened bids ranked by the published weights: on a single call-off, for its council, "
        "after the closing time; otherwise null (bids are sealed)."
    )

    class Meta:
        model = CallOff
        fields = [
            "id",
            "commissioner",
            "commissioner_name",
            "lot",
            "schemes",
            "reference",
            "title",
            "description",
            "status",
            "closes_at",
            "price_min",
            "price_max",
            "price_weight",
            "questions",
            "contract_reference",
            "contract_start",
            "contract_end",
            "payment_model",
            "unplanned_hourly_rate",
            "block_weekly_hours",
            "published_at",
            "awarded_at",
            "contract",
            "ranking",
        ]
        read_only_fields = ["commissioner", "status", "published_at", "awarded_at", "contract"]
        validators = []

    def get_ranking(self, calloff) -> list[dict] | None:
        """Only on a single call-off, for its council, once the bids are opened."""
        request = self.context.get("request")
        user = getattr(request, "user", None)
        if not self.context.get("with_ranking") or user is None or not user.is_commissioner_side:
            return None
        if not calloff.bids_opened:
            return None
        ranked = selectors.ranking(calloff, scoped(Bid, user).filter(calloff=calloff))
        return RankedBidSerializer(
            [
                {
                    "bid": bid.pk,
                    "provider": bid.provider_id,
                    "provider_name": bid.provider.name,
                    "rank": r.rank,
                    "hourly_rate": r.hourly_rate,
                    "quality_points": r.quality_points,
                    "price_points": r.price_points,
                    "total_points": r.total,
                }
                for bid, r in ranked
            ],
            many=True,
        ).data


class AwardSerializer(serializers.Serializer):
    bid = serializers.IntegerField()


class BidAnswerSerializer(serializers.ModelSerializer):
    question = ScopedPrimaryKeyRelatedField(queryset=QualityQuestion.objects.all())

    class Meta:
        model = BidAnswer
        fields = ["question", "answer", "score"]
        read_only_fields = ["score"]


class BidSerializer(PortalModelSerializer):
    calloff = ScopedPrimaryKeyRelatedField(queryset=CallOff.objects.all())
    answers = BidAnswerSerializer(many=True)

    class Meta:
        model = Bid
        fields = [
            "id",
            "calloff",
            "provider",
            "provider_name",
            "hourly_rate",
            "note",
            "status",
            "submitted_at",
            "answers",
        ]
        read_only_fields = ["provider", "status", "submitted_at"]
        validators = []

    def to_representation(self, bid):
        data = super().to_representation(bid)
        request = self.context.get("request")
        user = getattr(request, "user", None)
        # The bidder sees its scores once the call-off is awarded; the council once opened.
        if user is not None and user.is_provider_side and bid.calloff.status != "awarded":
            for answer in data["answers"]:
                answer["score"] = None
        return data


class ScoreItemSerializer(serializers.Serializer):
    question = serializers.IntegerField()
    score = serializers.IntegerField(min_value=0)


class ScoreSerializer(serializers.Serializer):
    scores = ScoreItemSerializer(many=True)
