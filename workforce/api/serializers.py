from rest_framework import serializers

from portal.api.fields import ScopedPrimaryKeyRelatedField
from schemes.models import Scheme
from workforce.models import StaffMember, TrainingCompletion, TrainingCourse


class TrainingCourseSerializer(serializers.ModelSerializer):
    class Meta:
        model = TrainingCourse
        fields = ["id", "code", "name", "refresh_months", "due_within_months_of_start", "mandatory"]


class StaffMemberSerializer(serializers.ModelSerializer):
    provider_name = serializers.CharField(source="provider.name", read_only=True)
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
