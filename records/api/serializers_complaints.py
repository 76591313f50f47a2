"""Serializers for the council's complaint information requests `[004 §8.5.5]`, the provider's
monthly complaints reports `[004 §8.5.6–7]` and the council's PAMMS assessments `[004 App. 4]`.
Related records are given by id among those the caller may see; writes go to
`records.services.complaints` (nothing is decided here)."""

from rest_framework import serializers

from records.models import ComplaintInformationRequest, MonthlyComplaintsReport, PammsAssessment

from .serializers import PAIR, RecordSerializer

STAMPS = ["created_at", "updated_at"]


class InformationRequestSerializer(RecordSerializer):
    class Meta:
        model = ComplaintInformationRequest
        fields = [
            *PAIR,
            "reference",
            "complaint",
            "scheme",
            "service_user",
            "requested_on",
            "information_requested",
            "due_on",
            "answered_on",
            "answer",
            *STAMPS,
        ]
        read_only_fields = ["commissioner", "provider", "due_on", "answered_on", "answer", *STAMPS]
        validators: list = []


class ComplaintAnswerSerializer(serializers.Serializer):
    answered_on = serializers.DateField(help_text="The day the information was returned to the council.")
    answer = serializers.CharField(required=False, allow_blank=True, help_text="What was sent.")


class ComplaintsReportSerializer(RecordSerializer):
    class Meta:
        model = MonthlyComplaintsReport
        fields = [
            *PAIR,
            "month",
            "complaints",
            "concerns",
            "compliments",
            "upheld",
            "actions_taken",
            "lessons_learned",
            "submitted_at",
            *STAMPS,
        ]
        read_only_fields = [
            "commissioner",
            "provider",
            "complaints",
            "concerns",
            "compliments",
            "upheld",
            "submitted_at",
            *STAMPS,
        ]
        extra_kwargs = {"month": {"help_text": "Any day of the month reported on (an ended month)."}}
        validators: list = []


class PammsSerializer(RecordSerializer):
    class Meta:
        model = PammsAssessment
        fields = [*PAIR, "scheme", "rating", "assessed_on", "note", *STAMPS]
        read_only_fields = ["commissioner", "provider", *STAMPS]
        validators: list = []
