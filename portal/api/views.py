from drf_spectacular.utils import extend_schema
from rest_framework.exceptions import NotAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from portal.models import Organisation
from portal.roles import capabilities_of

from .authentication import request_token
from .filters import CommissionerFilter, ProviderFilter
from .serializers import CommissionerSerializer, MeSerializer, ProviderSerializer
from .viewsets import ScopedReadOnlyViewSet


class CommissionerViewSet(ScopedReadOnlyViewSet, prefix="commissioners", basename="commissioner"):
    """Councils and NHS commissioners your organisation works with (and your own)."""

    queryset = Organisation.objects.commissioners()
    serializer_class = CommissionerSerializer
    filterset_class = CommissionerFilter
    ordering_fields = ["name", "id"]
    ordering = ["name"]


class ProviderViewSet(ScopedReadOnlyViewSet, prefix="providers", basename="provider"):
    """Providers your organisation works with (and your own), with their CQC registration."""

    queryset = Organisation.objects.providers()
    serializer_class = ProviderSerializer
    filterset_class = ProviderFilter
    ordering_fields = ["name", "id", "cqc_rating_date"]
    ordering = ["name"]


class MeView(APIView):
    """Who the request is authenticated as, and what it may do."""

    @extend_schema(responses=MeSerializer)
    def get(self, request: Request) -> Response:
        user = request.user
        if not user.is_authenticated:  # CapabilityPermission lets no anonymous request this far
            raise NotAuthenticated()
        return Response(
            MeSerializer(
                {
                    "username": user.username,
                    "role": user.role,
                    "organisation": user.organisation.name,
                    "organisation_kind": user.organisation.kind,
                    "capabilities": sorted(capabilities_of(user, request_token(request))),
                }
            ).data
        )
