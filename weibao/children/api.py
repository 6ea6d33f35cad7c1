"""/api/v1/children/: the same services and scope rule as the web pages, spoken in JSON."""

from django.http import FileResponse
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from weibao.accounts.selectors import REVEAL_PERMISSION, user_district_ids
from weibao.audit.models import AccessLog
from weibao.children import services
from weibao.children.export import child_export_response
from weibao.children.models import Child
from weibao.children.selectors import (
    child_get_for_user,
    child_list,
    children_visible_to,
    guardian_rows_prefetch,
)
from weibao.children.serializers import (
    ChildCreateSerializer,
    ChildFilterSerializer,
    ChildSerializer,
    ChildUpdateSerializer,
    RevealResultSerializer,
    RevealSerializer,
    StatusChangeSerializer,
)
from weibao.core.api import (
    NeverCacheMixin,
    RecordViewSetMixin,
    xlsx_export_action,
)

_NOT_FOUND = OpenApiResponse(description="No such child, or not in your areas.")
_INVALID = OpenApiResponse(description="Field → list of messages.")
_CONFLICT = OpenApiResponse(
    description="The file changed since the given version; reload it and try again."
)


class CanRevealSensitive(BasePermission):
    """Checked on the object, so that a child outside the user's scope answers 404 first."""

    def has_object_permission(self, request: Request, view, obj: Child) -> bool:
        return request.user.has_perm(REVEAL_PERMISSION)


@extend_schema_view(
    list=extend_schema(
        summary="List the children in your areas",
        parameters=[ChildFilterSerializer],
        responses={200: ChildSerializer(many=True), 400: _INVALID},
    ),
    retrieve=extend_schema(
        summary="One child's file (the read is recorded in the access log)",
        responses={200: ChildSerializer, 404: _NOT_FOUND},
    ),
    create=extend_schema(
        summary="Register a child",
        request=ChildCreateSerializer,
        responses={201: ChildSerializer, 400: _INVALID},
    ),
    partial_update=extend_schema(
        summary="Change a child's file",
        request=ChildUpdateSerializer,
        responses={200: ChildSerializer, 400: _INVALID, 404: _NOT_FOUND, 409: _CONFLICT},
    ),
)
class ChildViewSet(RecordViewSetMixin, NeverCacheMixin, viewsets.GenericViewSet):
    serializer_class = ChildSerializer
    record_keyword = "child"

    def get_queryset(self):
        return children_visible_to(self.request.user)

    def get_object(self) -> Child:
        child = child_get_for_user(self.request.user, self.kwargs[self.lookup_field])
        self.check_object_permissions(self.request, child)
        return child

    def _represent(self, child: Child, status_code: int = status.HTTP_200_OK) -> Response:
        return Response(self.get_serializer(child).data, status=status_code)

    def list(self, request: Request) -> Response:
        params = ChildFilterSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        children = child_list(request.user, params.to_filters())
        # Counted to a cap, as the web's list is: a district's exact count read every child
        # of it, 58 ms at 200,000 children (docs/performance.md, "The district's lists
        # through the API").
        page = self.paginator.paginate_capped(
            children.prefetch_related(guardian_rows_prefetch(user_district_ids(request.user))),
            request,
            view=self,
        )
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request: Request, pk: int) -> Response:
        child = self.get_object()
        services.child_record_view(actor=request.user, child=child, channel=AccessLog.Channel.API)
        return self._represent(child)

    def create(self, request: Request) -> Response:
        args = self.checked(ChildCreateSerializer).service_arguments()
        child = services.child_create(
            actor=request.user,
            data=args["data"],
            categories=args["categories"] or [],
            guardians=args["guardians"] or [],
        )
        return self._represent(child, status.HTTP_201_CREATED)

    def partial_update(self, request: Request, pk: int) -> Response:
        child = self.get_object()
        serializer = self.checked(ChildUpdateSerializer)
        child = services.child_update(
            actor=request.user,
            child=child,
            expected_version=serializer.validated_data["version"],
            **serializer.service_arguments(),
        )
        return self._represent(child)

    @xlsx_export_action(
        summary="The list of children in your areas as xlsx, with the list's filters (recorded)",
        parameters=[ChildFilterSerializer],
    )
    def export(self, request: Request) -> FileResponse:
        params = ChildFilterSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        return child_export_response(request.user, params.to_filters(), AccessLog.Channel.API)

    @extend_schema(
        summary="Mark a child moved out, transferred, deceased or back on the register",
        request=StatusChangeSerializer,
        responses={200: ChildSerializer, 400: _INVALID, 404: _NOT_FOUND, 409: _CONFLICT},
    )
    @action(detail=True, methods=["post"], url_path="status", url_name="status")
    def change_status(self, request: Request, pk: int) -> Response:
        return self.step(
            StatusChangeSerializer, services.child_change_status, "status", "date", "reason"
        )

    @extend_schema(
        summary="Show one sensitive value in full (recorded with the reason)",
        request=RevealSerializer,
        responses={
            200: RevealResultSerializer,
            400: _INVALID,
            403: OpenApiResponse(description="You may not reveal sensitive values."),
            404: _NOT_FOUND,
        },
    )
    @action(
        detail=True,
        methods=["post"],
        permission_classes=[IsAuthenticated, CanRevealSensitive],
    )
    def reveal(self, request: Request, pk: int) -> Response:
        child = self.get_object()
        data = self.validated(RevealSerializer)
        value = services.child_reveal(
            actor=request.user,
            child=child,
            field=data["field"],
            reason=data["reason"],
            channel=AccessLog.Channel.API,
            guardian_id=data.get("guardian"),
        )
        return Response({"value": value})
