from django.db import transaction
from rest_framework import mixins, viewsets
from rest_framework.response import Response

from portal.api.pagination import PortalCursorPagination
from portal.api.viewsets import ScopedAPIMixin, ScopedModelViewSet, ScopedReadOnlyViewSet
from portal.roles import Capability
from workforce import services
from workforce.models import StaffMember, TrainingCompletion, TrainingCourse

from .filters import StaffMemberFilter, TrainingCompletionFilter
from .serializers import StaffMemberSerializer, TrainingCompletionSerializer, TrainingCourseSerializer


class TrainingCourseViewSet(ScopedReadOnlyViewSet):
    """The training catalogue with refresh intervals `[002 §6.1]` and due-within-months `[004 App. 4]`."""

    queryset = TrainingCourse.objects.all()
    serializer_class = TrainingCourseSerializer
    ordering = ["name"]
    pagination_class = None


class StaffMemberViewSet(ScopedModelViewSet):
    """A provider's staff, by reference (no names). Providers record them; councils read those of
    the providers they work with."""

    queryset = StaffMember.objects.select_related("provider")
    serializer_class = StaffMemberSerializer
    filterset_class = StaffMemberFilter
    write_capability = Capability.PROVIDER_RECORD
    ordering_fields = ["reference", "started_on", "id"]
    ordering = ["reference"]

    @transaction.atomic
    def perform_create(self, serializer):
        data = serializer.validated_data
        staff = services.staff_create(
            actor=self.request.user, provider=self.request.user.organisation, **data
        )
        serializer.instance = self.rescoped(staff)

    @transaction.atomic
    def perform_update(self, serializer):
        staff = services.staff_update(
            actor=self.request.user, staff=serializer.instance, **serializer.validated_data
        )
        serializer.instance = self.rescoped(staff)


class TrainingCompletionViewSet(
    ScopedAPIMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Courses completed by staff; each expires after its course's refresh interval. Recording the
    same completion again answers 200 with the record already held."""

    queryset = TrainingCompletion.objects.select_related("staff", "course")
    serializer_class = TrainingCompletionSerializer
    filterset_class = TrainingCompletionFilter
    write_capability = Capability.PROVIDER_RECORD
    pagination_class = PortalCursorPagination
    ordering_fields = ["completed_on", "id"]

    @transaction.atomic
    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        completion, created = services.training_record(actor=request.user, **serializer.validated_data)
        self.rescoped(completion)
        return Response(self.get_serializer(completion).data, status=201 if created else 200)
