from rest_framework import serializers

from legacy_costs.models import (
    AgreementOccasion,
    EndReason,
    LegacyStaffAgreement,
    LegacyStaffMember,
    LgpsFigure,
    LgpsFigureKind,
)
from portal.api.fields import ScopedPrimaryKeyRelatedField
from portal.api.serializers import PortalModelSerializer
from schemes.models import Contract


class LegacyStaffMemberSerializer(PortalModelSerializer):
    """A member of the Legacy Staff `[004 App. 3 §8]`; added by either side of the contract, paid
    once on a list the council has agreed."""

    contract = ScopedPrimaryKeyRelatedField(queryset=Contract.objects.all())
    contract_reference = serializers.CharField(source="contract.reference", read_only=True)

    class Meta:
        model = LegacyStaffMember
        fields = [
            "id",
            "contract",
            "contract_reference",
            "reference",
            "role",
            "weekly_contracted_hours",
            "tupe_hourly_rate",
            "new_hourly_rate",
            "start_date",
            "lgps_member",
            "end_date",
            "end_reason",
        ]
        read_only_fields = ["id", "contract_reference", "end_date", "end_reason"]
        # The service says plainly when a reference is already on the list.
        validators: list = []


class StaffEndSerializer(serializers.Serializer):
    end_date = serializers.DateField(help_text="The last day in a TUPE'd role.")
    end_reason = serializers.ChoiceField(choices=EndReason.choices)


class LegacyStaffAgreementSerializer(PortalModelSerializer):
    """The council's record that the list was agreed (at the start, or at a year's Q3 review)."""

    contract = ScopedPrimaryKeyRelatedField(queryset=Contract.objects.all())
    occasion = serializers.ChoiceField(choices=AgreementOccasion.choices)
    agreed_by = serializers.CharField(
        source="agreed_by.get_full_name", read_only=True, default=None, allow_null=True
    )

    class Meta:
        model = LegacyStaffAgreement
        fields = [
            "id",
            "contract",
            "contract_year",
            "occasion",
            "on_costs_percent",
            "note",
            "staff",
            "agreed_at",
            "agreed_by",
        ]
        read_only_fields = ["id", "contract_year", "staff", "agreed_at", "agreed_by"]
        validators: list = []


class LgpsFigureSerializer(PortalModelSerializer):
    """A person's LGPS figure for a contract year: the pension fund's quarterly figure, or the
    actual contributions over quarters 1–3. Sent again for the same year and kind, it is corrected."""

    staff_member = ScopedPrimaryKeyRelatedField(queryset=LegacyStaffMember.objects.all())
    kind = serializers.ChoiceField(choices=LgpsFigureKind.choices)

    class Meta:
        model = LgpsFigure
        fields = ["id", "contract", "staff_member", "contract_year", "kind", "amount", "note", "recorded_at"]
        read_only_fields = ["id", "contract", "recorded_at"]
        validators: list = []


class RaiseSerializer(serializers.Serializer):
    contract = ScopedPrimaryKeyRelatedField(queryset=Contract.objects.all())
    period_start = serializers.DateField(help_text="Any day of the contract quarter to invoice.")
