"""Outcome reviews over the API `[003 §3.16, 004 §3.6.10–12]`: listed per order (`?order=`),
recorded by the provider or the council's brokerage through `services.outcome_review_record`
(which alerts the social worker when an outcome is not being achieved). Reads go through the
caller's scope: another organisation's reviews, outcomes and orders answer 404."""

import django_filters
from rest_framework import serializers

from portal.api.fields import ScopedPrimaryKeyRelatedField
from portal.api.filters import PortalFilterSet
from portal.api.viewsets import ScopedCreateReadViewSet

from .. import services
from ..models import OrderOutcome, OutcomeReview
from .views import RECORDERS


class OutcomeReviewSerializer(serializers.ModelSerializer):
    outcome = ScopedPrimaryKeyRelatedField(
        queryset=OrderOutcome.objects.all(), help_text="The outcome's id (an order version's `outcomes`)."
    )
    order = serializers.IntegerField(source="outcome.version.order_id", read_only=True)

    class Meta:
        model = OutcomeReview
        fields = ["id", "order", "outcome", "reviewed_on", "status", "note", "organisation", "created_at"]
        read_only_fields = ["organisation", "created_at"]


class OutcomeReviewFilter(PortalFilterSet):
    order = django_filters.NumberFilter(field_name="outcome__version__order", help_text="An order's id.")

    class Meta:
        model = OutcomeReview
        fields = ["order", "outcome", "status"]


class OutcomeReviewViewSet(ScopedCreateReadViewSet, prefix="outcome-reviews", basename="outcome-review"):
    """Reviews of how each outcome an order is bought for is progressing; the latest is its status."""

    queryset = OutcomeReview.objects.select_related("outcome__version")
    serializer_class = OutcomeReviewSerializer
    filterset_class = OutcomeReviewFilter
    write_capability = RECORDERS
    create_service = staticmethod(services.outcome_review_record)
    organisation_arg = None
