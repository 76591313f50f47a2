import django_filters

from portal.api.filters import PortalFilterSet
from procurement.models import Bid, CallOff, CallOffStatus, LotEntryCriterion, LotMembership, MembershipStatus


class EntryCriterionFilter(PortalFilterSet):
    class Meta:
        model = LotEntryCriterion
        fields = ["lot", "route", "requirement"]


class MembershipFilter(PortalFilterSet):
    status = django_filters.ChoiceFilter(choices=MembershipStatus.choices)
    framework = django_filters.NumberFilter(field_name="lot__framework")

    class Meta:
        model = LotMembership
        fields = ["lot", "framework", "provider", "commissioner", "status"]


class CallOffFilter(PortalFilterSet):
    status = django_filters.ChoiceFilter(choices=CallOffStatus.choices)

    class Meta:
        model = CallOff
        fields = ["lot", "commissioner", "status", "reference"]


class BidFilter(PortalFilterSet):
    class Meta:
        model = Bid
        fields = ["calloff", "provider", "status"]
