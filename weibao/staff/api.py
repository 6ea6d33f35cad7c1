"""/api/v1/staff/: the staff roster. Scope and rules come from the selectors and services;
these views only translate HTTP to them."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from weibao.accounts.selectors import user_scope_areas
from weibao.core.api import CONFLICT, INVALID, NeverCacheMixin, RecordViewSetMixin
from weibao.staff import services
from weibao.staff.models import StaffMember
from weibao.staff.selectors import (
    can_keep_member,
    staff_get_for_user,
    staff_keeper_areas,
    staff_visible_to,
)
from weibao.staff.serializers import (
    StaffCreateSerializer,
    StaffFilterSerializer,
    StaffMemberSerializer,
    StaffUpdateSerializer,
)

_NOT_FOUND = OpenApiResponse(description="No such person, or not in your areas.")
_NOT_KEEPER = OpenApiResponse(
    description="Only district staff and the 街镇's supervisor and station staff keep the roster."
)


@extend_schema_view(
    list=extend_schema(
        summary="The staff roster of your areas",
        parameters=[StaffFilterSerializer],
        responses={200: StaffMemberSerializer(many=True), 400: INVALID},
    ),
    retrieve=extend_schema(
        summary="One person of the roster (phone masked)",
        responses={200: StaffMemberSerializer, 404: _NOT_FOUND},
    ),
    create=extend_schema(
        summary="Add a person to the roster",
        request=StaffCreateSerializer,
        responses={
            201: StaffMemberSerializer,
            400: INVALID,
            403: _NOT_KEEPER,
            404: OpenApiResponse(description="You have no area (no role on one): no roster."),
        },
    ),
    partial_update=extend_schema(
        summary="Change a person's entry, or end their post with end_date (never deleted)",
        request=StaffUpdateSerializer,
        responses={
            200: StaffMemberSerializer,
            400: INVALID,
            403: _NOT_KEEPER,
            404: _NOT_FOUND,
            409: CONFLICT,
        },
    ),
)
class StaffMemberViewSet(RecordViewSetMixin, NeverCacheMixin, viewsets.GenericViewSet):
    serializer_class = StaffMemberSerializer

    def get_queryset(self):
        return (
            staff_visible_to(self.request.user)
            .select_related("subdistrict", "community", "user")
            .prefetch_related("honours")
        )

    def get_object(self) -> StaffMember:
        return staff_get_for_user(self.request.user, self.kwargs[self.lookup_field])

    def list(self, request: Request) -> Response:
        params = StaffFilterSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        members = params.filter(self.get_queryset()).order_by("subdistrict__code", "name", "pk")
        return self.paginated(members)

    def retrieve(self, request: Request, pk: int) -> Response:
        return Response(self.get_serializer(self.get_object()).data)

    def create(self, request: Request) -> Response:
        if not user_scope_areas(request.user):
            raise Http404
        if not staff_keeper_areas(request.user).exists():
            raise PermissionDenied
        data = self.validated(StaffCreateSerializer)
        member = services.staff_create(actor=request.user, data=dict(data))
        return Response(self.get_serializer(member).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request: Request, pk: int) -> Response:
        member = self.get_object()
        if not can_keep_member(request.user, member):
            raise PermissionDenied
        data = dict(self.validated(StaffUpdateSerializer))
        version = data.pop("version")
        member = services.staff_update(
            actor=request.user, member=member, data=data, expected_version=version
        )
        return Response(self.get_serializer(member).data)
