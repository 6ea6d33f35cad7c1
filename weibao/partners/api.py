"""/api/v1/ for the partner registry and referrals. Scope and rules come from the selectors
and services; these views only translate HTTP to them."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from weibao.accounts.selectors import user_scope_areas
from weibao.core.api import (
    CONFLICT,
    INVALID,
    NeverCacheMixin,
    RecordViewSetMixin,
)
from weibao.partners import services
from weibao.partners.models import Partner
from weibao.partners.selectors import areas_managed_by, partner_get_for_user, partners_visible_to
from weibao.partners.serializers import (
    PartnerCreateSerializer,
    PartnerFilterSerializer,
    PartnerSerializer,
    PartnerUpdateSerializer,
)

_PARTNER_NOT_FOUND = OpenApiResponse(description="No such partner, or not in your areas.")
_NOT_MANAGER = OpenApiResponse(
    description="Only supervisors (their 街镇) and district staff keep the partner registry."
)
# --- partners -------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        summary="Partners serving your areas (the 1+N network)",
        parameters=[PartnerFilterSerializer],
        responses={200: PartnerSerializer(many=True), 400: INVALID},
    ),
    retrieve=extend_schema(
        summary="One partner", responses={200: PartnerSerializer, 404: _PARTNER_NOT_FOUND}
    ),
    create=extend_schema(
        summary="Register a partner (supervisors and district staff)",
        request=PartnerCreateSerializer,
        responses={
            201: PartnerSerializer,
            400: INVALID,
            403: _NOT_MANAGER,
            404: OpenApiResponse(description="You have no area (no role on one): no partners."),
        },
    ),
    partial_update=extend_schema(
        summary="Change a partner, or deactivate it with active=false (never deleted)",
        request=PartnerUpdateSerializer,
        responses={
            200: PartnerSerializer,
            400: INVALID,
            403: _NOT_MANAGER,
            404: _PARTNER_NOT_FOUND,
            409: CONFLICT,
        },
    ),
)
class PartnerViewSet(RecordViewSetMixin, NeverCacheMixin, viewsets.GenericViewSet):
    serializer_class = PartnerSerializer

    def get_queryset(self):
        return partners_visible_to(self.request.user).select_related("area")

    def get_object(self) -> Partner:
        return partner_get_for_user(self.request.user, self.kwargs[self.lookup_field])

    def list(self, request: Request) -> Response:
        params = PartnerFilterSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        return self.paginated(params.filter(self.get_queryset()).order_by("name", "pk"))

    def retrieve(self, request: Request, pk: int) -> Response:
        return Response(self.get_serializer(self.get_object()).data)

    def create(self, request: Request) -> Response:
        if not user_scope_areas(request.user):
            raise Http404
        if not areas_managed_by(request.user).exists():
            raise PermissionDenied
        data = self.validated(PartnerCreateSerializer)
        partner = services.partner_create(actor=request.user, data=data)
        return Response(self.get_serializer(partner).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request: Request, pk: int) -> Response:
        partner = self.get_object()
        if not services.can_manage_partner(request.user, partner):
            raise PermissionDenied
        data = dict(self.validated(PartnerUpdateSerializer))
        version = data.pop("version")
        active = data.pop("active", None)
        if data:
            partner = services.partner_update(
                actor=request.user, partner=partner, data=data, expected_version=version
            )
            version = partner.version
        if active is not None:
            partner = services.partner_set_active(
                actor=request.user, partner=partner, active=active, expected_version=version
            )
        return Response(self.get_serializer(partner).data)
