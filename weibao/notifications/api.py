"""/api/v1/notifications/: the signed-in user's own notifications (the bell)."""

from django.utils.cache import add_never_cache_headers
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from weibao.core.api import StrictQueryMixin
from weibao.core.parsers import SafeJSONParser
from weibao.notifications.selectors import notifications_visible_to, unread_count
from weibao.notifications.serializers import (
    MarkReadResultSerializer,
    MarkReadSerializer,
    NotificationFilterSerializer,
    NotificationSerializer,
    UnreadCountSerializer,
)
from weibao.notifications.services import notifications_mark_read


@extend_schema_view(
    list=extend_schema(
        summary="Your notifications, newest first",
        parameters=[NotificationFilterSerializer],
        responses={
            200: NotificationSerializer(many=True),
            400: OpenApiResponse(description="Field → list of messages."),
        },
    ),
)
class NotificationViewSet(StrictQueryMixin, viewsets.GenericViewSet):
    serializer_class = NotificationSerializer
    filter_backends = ()
    parser_classes = (SafeJSONParser,)

    def get_queryset(self):
        return notifications_visible_to(self.request.user)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        # Messages name children: keep them out of caches.
        add_never_cache_headers(response)
        return response

    def list(self, request: Request) -> Response:
        params = NotificationFilterSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        notifications = self.get_queryset()
        if params.validated_data["unread"]:
            notifications = notifications.filter(read_at__isnull=True)
        page = self.paginate_queryset(notifications)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(
        summary="How many of your notifications are unread",
        responses={200: UnreadCountSerializer},
    )
    @action(detail=False, methods=["get"], url_path="unread-count", pagination_class=None)
    def unread_count(self, request: Request) -> Response:
        return Response({"unread": unread_count(request.user)})

    @extend_schema(
        summary="Mark notifications read (all of yours when no ids are given)",
        request=MarkReadSerializer,
        responses={
            200: MarkReadResultSerializer,
            400: OpenApiResponse(description="Field → list of messages."),
        },
    )
    @action(detail=False, methods=["post"], url_path="mark-read")
    def mark_read(self, request: Request) -> Response:
        serializer = MarkReadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        marked = notifications_mark_read(
            actor=request.user, ids=serializer.validated_data.get("ids")
        )
        return Response({"marked": marked, "unread": unread_count(request.user)})
