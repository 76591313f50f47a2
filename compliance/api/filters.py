import django_filters

from compliance.models import (
    CapacitySnapshot,
    DutyKind,
    DutyStatus,
    InsuranceCertificate,
    InsuranceKind,
    InsuranceRequirement,
    PolicyKind,
    ProviderDuty,
    ProviderPolicy,
    RatingChange,
    RatingNotification,
)
from portal.api.filters import PortalFilterSet


class RatingChangeFilter(PortalFilterSet):
    class Meta:
        model = RatingChange
        fields = ["provider", "regulator", "rating"]


class RatingNotificationFilter(PortalFilterSet):
    outstanding = django_filters.BooleanFilter(field_name="notified_at", lookup_expr="isnull")

    class Meta:
        model = RatingNotification
        fields = ["provider", "commissioner", "status", "outstanding"]


class InsuranceCertificateFilter(PortalFilterSet):
    insurance_kind = django_filters.ChoiceFilter(field_name="kind", choices=InsuranceKind.choices)
    expires_before = django_filters.DateFilter(field_name="expires_on", lookup_expr="lt")

    class Meta:
        model = InsuranceCertificate
        fields = ["provider", "insurance_kind"]


class InsuranceRequirementFilter(PortalFilterSet):
    insurance_kind = django_filters.ChoiceFilter(field_name="kind", choices=InsuranceKind.choices)

    class Meta:
        model = InsuranceRequirement
        fields = ["commissioner", "insurance_kind"]


class ProviderPolicyFilter(PortalFilterSet):
    policy_kind = django_filters.ChoiceFilter(field_name="kind", choices=PolicyKind.choices)
    review_before = django_filters.DateFilter(field_name="review_due_on", lookup_expr="lt")

    class Meta:
        model = ProviderPolicy
        fields = ["provider", "policy_kind"]


class CapacitySnapshotFilter(PortalFilterSet):
    week_from = django_filters.DateFilter(field_name="week_starting", lookup_expr="gte")
    week_to = django_filters.DateFilter(field_name="week_starting", lookup_expr="lte")

    class Meta:
        model = CapacitySnapshot
        fields = ["provider", "lot", "commissioner", "week_starting"]


class ProviderDutyFilter(PortalFilterSet):
    kind = django_filters.ChoiceFilter(choices=DutyKind.choices)
    status = django_filters.ChoiceFilter(choices=DutyStatus.choices)
    due_before = django_filters.DateFilter(field_name="due_on", lookup_expr="lte")

    class Meta:
        model = ProviderDuty
        fields = ["provider", "commissioner", "kind", "status"]
