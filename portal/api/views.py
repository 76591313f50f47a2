from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from portal.models import Organisation
from portal.roles import capabilities_of

from .filters import CommissionerFilter, ProviderFilter
from .serializers import CommissionerSerializer, MeSerializer, ProviderSerializer
from .viewsets import ScopedReadOnlyViewSet


class CommissionerViewSet(ScopedReadOnlyViewSet):
    """Councils and NHS commissioners your organisation works with (and your own)."""

    queryset = Organisation.objects.commissioners()
    serializer_class = CommissionerSerializer
    filterset_class = CommissionerFilter
    ordering_fields = ["name", "id"]
    ordering = ["name"]


class ProviderViewSet(ScopedReadOnlyViewSet):
    """Providers your organisation works with (and your own), with their CQC registration."""

    queryset = Organisation.objects.providers()
    serializer_class = ProviderSerializer
    filterset_class = ProviderFilter
    ordering_fields = ["name", "id", "cqc_rating_date"]
    ordering = ["name"]


class MeView(APIView):
    """Who the request is authenticated as, and what it may do."""

    @extend_schema(responses=MeSerializer)
    def get(self, request):
        user = request.user
        return Response(
            MeSerializer(
                {
                    "username": user.username,
                    "role": user.role,
                    "organisation": user.organisation.name,
                    "organisation_kind": user.organisation.kind,
                    "capabilities": sorted(capabilities_of(user, request.auth)),
                }
            ).data
        )
