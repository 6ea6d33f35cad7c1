"""/api/v1/areas/: the part of the area tree a user may see (to pick a 居民区), and for
district staff the changes to it — create, rename, close, merge — through the same services as
the pages. Scope as everywhere: an area the user cannot see answers 404; one they see but may
not change, 403."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from weibao.accounts.selectors import areas_visible_to, districts_managed_by, user_scope_areas
from weibao.administration.serializers import (
    AreaCloseSerializer,
    AreaCreateSerializer,
    AreaFilterSerializer,
    AreaMergeSerializer,
    AreaSerializer,
    AreaUpdateSerializer,
)
from weibao.administration.services import area_close_moving, community_merge, subdistrict_merge
from weibao.areas.models import Area
from weibao.areas.services import area_create, area_may_manage, area_rename
from weibao.core.api import INVALID, RecordViewSetMixin, post_action
from weibao.core.scope import get_or_404

_NOT_FOUND = OpenApiResponse(description="No such area, or not one of yours.")
_NOT_MANAGER = OpenApiResponse(description="Only the district's staff change its areas.")
_BLOCKED = OpenApiResponse(
    description="Something still lives in the area (code: children, roles, cases, reports, "
    "transfers, communities), or it is closed already (closed)."
)


@extend_schema_view(
    list=extend_schema(
        summary="The areas you may see: yours, those below and their ancestors",
        parameters=[AreaFilterSerializer],
        responses={200: AreaSerializer(many=True), 400: INVALID},
    ),
    retrieve=extend_schema(summary="One area (closed ones too)", responses=AreaSerializer),
    create=extend_schema(
        summary="Create a 街镇 or a 居民区 (district staff)",
        request=AreaCreateSerializer,
        responses={201: AreaSerializer, 400: INVALID, 403: _NOT_MANAGER, 404: _NOT_FOUND},
    ),
    partial_update=extend_schema(
        summary="Rename a 街镇 or a 居民区, or change its code (district staff)",
        request=AreaUpdateSerializer,
        responses={
            200: AreaSerializer,
            400: INVALID,
            403: _NOT_MANAGER,
            404: _NOT_FOUND,
            409: _BLOCKED,
        },
    ),
)
class AreaViewSet(RecordViewSetMixin, viewsets.GenericViewSet):
    serializer_class = AreaSerializer
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return areas_visible_to(self.request.user)

    def get_object(self) -> Area:
        return get_or_404(self.get_queryset(), self.kwargs[self.lookup_field])

    def _managed(self, area: Area) -> Area:
        if not area_may_manage(self.request.user, area):
            raise PermissionDenied
        return area

    def list(self, request: Request) -> Response:
        params = AreaFilterSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        qs = self.get_queryset()
        if not params.validated_data["closed"]:
            qs = qs.open()
        return self.paginated(qs.order_by("code", "name", "pk"))

    def retrieve(self, request: Request, pk: int) -> Response:
        return Response(self.get_serializer(self.get_object()).data)

    def create(self, request: Request) -> Response:
        if not user_scope_areas(request.user):
            raise Http404
        if not districts_managed_by(request.user):
            raise PermissionDenied
        data = self.validated(AreaCreateSerializer)
        self._managed(data["parent"])
        area = area_create(
            actor=request.user, parent=data["parent"], name=data["name"], code=data["code"]
        )
        return Response(self.get_serializer(area).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request: Request, pk: int) -> Response:
        area = self._managed(self.get_object())
        data = self.validated(AreaUpdateSerializer)
        area = area_rename(actor=request.user, area=area, name=data["name"], code=data.get("code"))
        return Response(self.get_serializer(area).data)

    @post_action(
        "Close a 街镇 or a 居民区: its roles end, the children on a 居民区's register move "
        "to `move_to` with their visits and cases (district staff)",
        AreaCloseSerializer,
        {200: AreaSerializer, 400: INVALID, 403: _NOT_MANAGER, 404: _NOT_FOUND, 409: _BLOCKED},
    )
    def close(self, request: Request, pk: int) -> Response:
        area = self._managed(self.get_object())
        data = self.validated(AreaCloseSerializer)
        area = area_close_moving(actor=request.user, area=area, move_to=data["move_to"])
        return Response(self.get_serializer(area).data)

    @post_action(
        "Merge a 居民区 into another of its 街镇: its roles and its children (with their "
        "visits and cases) move there, and it closes; or a 街镇 into another of its district: "
        "each of its open 居民区 moves under it by the same name (roles, roster, children), the "
        "roles on the 街镇 end, and it closes (district staff)",
        AreaMergeSerializer,
        {200: AreaSerializer, 400: INVALID, 403: _NOT_MANAGER, 404: _NOT_FOUND, 409: _BLOCKED},
    )
    def merge(self, request: Request, pk: int) -> Response:
        area = self._managed(self.get_object())
        data = self.validated(AreaMergeSerializer)
        if area.level == Area.Level.SUBDISTRICT:
            area = subdistrict_merge(actor=request.user, subdistrict=area, into=data["into"])
        else:
            area = community_merge(actor=request.user, community=area, into=data["into"])
        return Response(self.get_serializer(area).data)
