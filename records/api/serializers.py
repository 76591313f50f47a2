from rest_framework import serializers

from packages_of_care.models import ServiceUser
from portal.api.fields import ScopedPrimaryKeyRelatedField
from records.models import (
    Activity,
    ActivityAttendance,
    AlarmCall,
    Complaint,
    NominationDecision,
    SafeguardingIncident,
    SurveyResponse,
    Void,
)
from schemes.models import Contract, Scheme
from visits.api.serializers import LondonDateTimeField

PAIR = ["id", "contract", "commissioner", "provider"]
READ_ONLY = ["commissioner", "provider", "created_at", "updated_at"]


class PairRecordSerializer(serializers.ModelSerializer):
    contract = ScopedPrimaryKeyRelatedField(queryset=Contract.objects.all())
    scheme = ScopedPrimaryKeyRelatedField(queryset=Scheme.objects.all(), required=False, allow_null=True)
    service_user = ScopedPrimaryKeyRelatedField(
        queryset=ServiceUser.objects.all(), required=False, allow_null=True
    )
    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
    }

    def build_standard_field(self, field_name, model_field):
        field_class, kwargs = super().build_standard_field(field_name, model_field)
        if model_field.get_internal_type() == "DateTimeField":
            field_class = LondonDateTimeField
        return field_class, kwargs


def serializer_for(model, fields, extra=(), read_only=(), required_scheme=False):
    attrs = {}
    if required_scheme:
        attrs["scheme"] = ScopedPrimaryKeyRelatedField(queryset=Scheme.objects.all())
    meta = type(
        "Meta",
        (),
        {
            "model": model,
            "fields": [*PAIR, *fields, "created_at", "updated_at"],
            "read_only_fields": [*READ_ONLY, *read_only],
            "validators": [],
        },
    )
    attrs["Meta"] = meta
    return type(f"{model.__name__}Serializer", (PairRecordSerializer,), attrs)


AlarmCallSerializer = serializer_for(
    AlarmCall,
    [
        "scheme",
        "flat",
        "service_user",
        "resident_is_customer",
        "raised_at",
        "responded_at",
        "response_seconds",
        "is_overnight",
        "outcome",
        "notes",
    ],
    read_only=["response_seconds", "is_overnight"],
    required_scheme=True,
)
ComplaintSerializer = serializer_for(
    Complaint,
    [
        "reference",
        "kind",
        "scheme",
        "service_user",
        "received_on",
        "summary",
        "upheld",
        "outcome",
        "closed_on",
        "response_sent_to_council_on",
    ],
)
SafeguardingSerializer = serializer_for(
    SafeguardingIncident,
    [
        "reference",
        "scheme",
        "service_user",
        "occurred_on",
        "reported_to_council_on",
        "category",
        "summary",
        "outcome",
    ],
)
SurveySerializer = serializer_for(
    SurveyResponse, ["reference", "scheme", "service_user", "responded_on", "satisfied", "comments"]
)
VoidSerializer = serializer_for(
    Void, ["scheme", "flat", "status", "start_date", "end_date", "reason"], required_scheme=True
)
NominationSerializer = serializer_for(
    NominationDecision,
    [
        "scheme",
        "panel_date",
        "applicant_reference",
        "applicant_age",
        "assessed_care_hours_per_week",
        "has_housing_need",
        "decision",
        "declined_by",
        "reason",
    ],
    required_scheme=True,
)
ActivitySerializer = serializer_for(
    Activity,
    [
        "kind",
        "title",
        "description",
        "scheme",
        "location",
        "starts_at",
        "ends_at",
        "capacity",
        "is_new_choice",
    ],
)


class AttendanceSerializer(serializers.ModelSerializer):
    activity = ScopedPrimaryKeyRelatedField(queryset=Activity.objects.all())
    service_user = ScopedPrimaryKeyRelatedField(queryset=ServiceUser.objects.all())

    class Meta:
        model = ActivityAttendance
        fields = ["id", "activity", "service_user", "attended"]
        validators: list = []
