from django.db import transaction

from portal.api.pagination import PortalCursorPagination
from portal.api.viewsets import (
    ScopedCreateReadViewSet,
    ScopedModelViewSet,
    ScopedReadOnlyViewSet,
    ServiceUpsertMixin,
)
from portal.roles import Capability
from workforce import services
from workforce.models import (
    StaffMember,
    TrainingCompletion,
    TrainingCourse,
    TrainingRequirement,
    WorkforceStandard,
)

from .filters import StaffMemberFilter, TrainingCompletionFilter
from .serializers import (
    StaffMemberSerializer,
    TrainingCompletionSerializer,
    TrainingCourseSerializer,
    TrainingRequirementSerializer,
    WorkforceStandardSerializer,
)


class TrainingCourseViewSet(ScopedReadOnlyViewSet, prefix="training-courses", basename="training-course"):
    """The training catalogue with refresh intervals `[002 §6.1]` and due-within-months `[004 App. 4]`."""

    queryset = TrainingCourse.objects.all()
    serializer_class = TrainingCourseSerializer
    ordering = ["name"]
    pagination_class = None


class StaffMemberViewSet(ScopedModelViewSet, prefix="staff", basename="staff"):
    """A provider's staff, by reference (no names). Providers record them; councils read those of
    the providers they work with."""

    queryset = StaffMember.objects.select_related("provider")
    serializer_class = StaffMemberSerializer
    filterset_class = StaffMemberFilter
    write_capability = Capability.PROVIDER_RECORD
    create_service = staticmethod(services.staff_create)
    ordering_fields = ["reference", "started_on", "id"]
    ordering = ["reference"]

    @transaction.atomic
    def perform_update(self, serializer):
        staff = services.staff_update(
            actor=self.request.user, staff=serializer.instance, **serializer.validated_data
        )
        serializer.instance = self.rescoped(staff)


class TrainingCompletionViewSet(
    ServiceUpsertMixin, ScopedCreateReadViewSet, prefix="training-completions", basename="training-completion"
):
    """Courses completed by staff; each expires after its course's refresh interval. Recording the
    same completion again answers 200 with the record already held."""

    queryset = TrainingCompletion.objects.select_related("staff", "course")
    serializer_class = TrainingCompletionSerializer
    filterset_class = TrainingCompletionFilter
    write_capability = Capability.PROVIDER_RECORD
    pagination_class = PortalCursorPagination
    ordering_fields = ["completed_on", "id"]
    create_service = staticmethod(services.training_record)
    organisation_arg = None


class TrainingRequirementViewSet(
    ScopedCreateReadViewSet, prefix="training-requirements", basename="training-requirement"
):
    """Each council's training requirements, council-wide or for a lot, with the refresh interval
    and the months after starting (Derby `[002 §6.1]`, Dorset `[003 §12.10-11]`). A council sets
    its own by creating one; the same course (and lot) again replaces it. Providers read those of
    the councils they work with."""

    queryset = TrainingRequirement.objects.select_related("commissioner", "course")
    serializer_class = TrainingRequirementSerializer
    write_capability = Capability.COMMISSION
    ordering = ["commissioner__name", "course__name"]
    pagination_class = None
    create_service = staticmethod(services.training_requirement_set)
    organisation_arg = "commissioner"


class WorkforceStandardViewSet(
    ScopedCreateReadViewSet, prefix="workforce-standards", basename="workforce-standard"
):
    """What each council requires of vetting (enhanced DBS for all staff, the child workforce
    check, written references) and its ASC-WDS target `[002 §6.1]`, `[003 §7.4, §9.2, App. 1]`."""

    queryset = WorkforceStandard.objects.select_related("commissioner")
    serializer_class = WorkforceStandardSerializer
    write_capability = Capability.COMMISSION
    ordering = ["commissioner__name", "id"]
    pagination_class = None
    create_service = staticmethod(services.workforce_standard_set)
    organisation_arg = "commissioner"
