"""/api/v1/children/: the same services and scope rule as the web pages, spoken in JSON."""

from typing import Any

from django.utils.cache import add_never_cache_headers
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from weibao.accounts.selectors import REVEAL_PERMISSION
from weibao.audit.models import AccessLog
from weibao.children import services
from weibao.children.models import Child
from weibao.children.selectors import child_get_for_user, child_list, children_visible_to
from weibao.children.serializers import (
    ChildCreateSerializer,
    ChildFilterSerializer,
    ChildSerializer,
    ChildUpdateSerializer,
    RevealResultSerializer,
    RevealSerializer,
    StatusChangeSerializer,
)
from weibao.core.parsers import SafeJSONParser

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
class ChildViewSet(viewsets.GenericViewSet):
    serializer_class = ChildSerializer
    lookup_value_converter = "int"
    # Filtering is child_list's job, fed by ChildFilterSerializer; no generic filter backend.
    filter_backends = ()
    parser_classes = (SafeJSONParser,)  # JSON only: one input format to validate

    def get_queryset(self):
        return children_visible_to(self.request.user)

    def get_object(self) -> Child:
        child = child_get_for_user(self.request.user, self.kwargs[self.lookup_field])
        self.check_object_permissions(self.request, child)
        return child

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        # Children's personal data must not linger in browser or proxy caches.
        add_never_cache_headers(response)
        return response

    def _represent(self, child: Child) -> dict[str, Any]:
        return ChildSerializer(child, context=self.get_serializer_context()).data

    def list(self, request: Request) -> Response:
        params = ChildFilterSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        children = child_list(request.user, params.to_filters()).prefetch_related("guardians")
        page = self.paginate_queryset(children)
        serializer = ChildSerializer(page, many=True, context=self.get_serializer_context())
        return self.get_paginated_response(serializer.data)

    def retrieve(self, request: Request, pk: int) -> Response:
        child = self.get_object()
        services.child_record_view(actor=request.user, child=child, channel=AccessLog.Channel.API)
        return Response(self._represent(child))

    def create(self, request: Request) -> Response:
        serializer = ChildCreateSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        args = serializer.service_arguments()
        child = services.child_create(
            actor=request.user,
            data=args["data"],
            categories=args["categories"] or [],
            guardians=args["guardians"] or [],
        )
        return Response(self._represent(child), status=status.HTTP_201_CREATED)

    def partial_update(self, request: Request, pk: int) -> Response:
        child = self.get_object()
        serializer = ChildUpdateSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        child = services.child_update(
            actor=request.user,
            child=child,
            expected_version=serializer.validated_data["version"],
            **serializer.service_arguments(),
        )
        return Response(self._represent(child))

    @extend_schema(
        summary="Mark a child moved out, transferred, deceased or back on the register",
        request=StatusChangeSerializer,
        responses={200: ChildSerializer, 400: _INVALID, 404: _NOT_FOUND, 409: _CONFLICT},
    )
    @action(detail=True, methods=["post"], url_path="status", url_name="status")
    def change_status(self, request: Request, pk: int) -> Response:
        child = self.get_object()
        serializer = StatusChangeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        child = services.child_change_status(
            actor=request.user,
            child=child,
            expected_version=data["version"],
            status=data["status"],
            date=data["date"],
            reason=data["reason"],
        )
        return Response(self._represent(child))

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
        serializer = RevealSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        value = services.child_reveal(
            actor=request.user,
            child=child,
            field=data["field"],
            reason=data["reason"],
            channel=AccessLog.Channel.API,
            guardian_id=data.get("guardian"),
        )
        return Response({"value": value})
