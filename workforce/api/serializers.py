from rest_framework import serializers

from portal.api.fields import ScopedPrimaryKeyRelatedField
from portal.api.serializers import PortalModelSerializer
from schemes.models import Lot, Scheme
from workforce.models import (
    StaffMember,
    TrainingCompletion,
    TrainingCourse,
    TrainingRequirement,
    WorkforceStandard,
)


class TrainingCourseSerializer(serializers.ModelSerializer):
    class Meta:
        model = TrainingCourse
        fields = ["id", "code", "name", "refresh_months", "due_within_months_of_start", "mandatory"]


class StaffMemberSerializer(PortalModelSerializer):
    scheme = ScopedPrimaryKeyRelatedField(queryset=Scheme.objects.all(), allow_null=True, required=False)

    class Meta:
        model = StaffMember
        fields = [
            "id",
            "provider",
            "provider_name",
            "reference",
            "job_title",
            "scheme",
            "started_on",
            "left_on",
            "dbs_level",
            "dbs_workforce",
            "dbs_issued_on",
            "dbs_update_service_checked_on",
            "first_reference_on",
            "second_reference_on",
            "right_to_work_checked_on",
            "right_to_work_expires_on",
            "asc_wds_updated_on",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["provider", "created_at", "updated_at"]
        # Uniqueness per provider is checked by the service, which knows the provider.
        validators = []


class TrainingCompletionSerializer(serializers.ModelSerializer):
    staff = ScopedPrimaryKeyRelatedField(queryset=StaffMember.objects.all())
    staff_reference = serializers.CharField(source="staff.reference", read_only=True)
    course = serializers.SlugRelatedField(slug_field="code", queryset=TrainingCourse.objects.all())

    class Meta:
        model = TrainingCompletion
        fields = ["id", "staff", "staff_reference", "course", "completed_on", "expires_on", "created_at"]
        read_only_fields = ["expires_on", "created_at"]
        validators = []


class TrainingRequirementSerializer(PortalModelSerializer):
    course = serializers.SlugRelatedField(slug_field="code", queryset=TrainingCourse.objects.all())
    lot = ScopedPrimaryKeyRelatedField(queryset=Lot.objects.all(), allow_null=True, required=False)

    class Meta:
        model = TrainingRequirement
        fields = [
            "id",
            "commissioner",
            "commissioner_name",
            "lot",
            "course",
            "refresh_months",
            "due_within_months_of_start",
            "source",
        ]
        read_only_fields = ["commissioner"]
        validators = []


class WorkforceStandardSerializer(PortalModelSerializer):
    lot = ScopedPrimaryKeyRelatedField(queryset=Lot.objects.all(), allow_null=True, required=False)

    class Meta:
        model = WorkforceStandard
        fields = [
            "id",
            "commissioner",
            "commissioner_name",
            "lot",
            "enhanced_dbs_all_staff",
            "child_workforce_check",
            "references_required",
            "asc_wds_target_percent",
            "source",
        ]
        read_only_fields = ["commissioner"]
        validators = []
