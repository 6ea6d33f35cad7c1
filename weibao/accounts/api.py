"""/api/v1/auth/token/, /api/v1/me/ and /api/v1/areas/."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import parsers, serializers, status, viewsets
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from weibao.accounts.lockout import login_attempt, login_succeeded
from weibao.accounts.models import RoleAssignment, User
from weibao.accounts.selectors import (
    REVEAL_PERMISSION,
    areas_visible_to,
    user_role_assignments,
    user_scope_areas,
)
from weibao.areas.models import Area
from weibao.core.api import StrictQueryMixin
from weibao.core.parsers import SafeJSONParser


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(read_only=True)


class TokenView(StrictQueryMixin, ObtainAuthToken):
    """Exchange a username and password for the token to send as `Authorization: Token …`."""

    parser_classes = (parsers.FormParser, parsers.MultiPartParser, SafeJSONParser)
    # Password guessing is throttled per client address (REST_FRAMEWORK's "login" rate).
    throttle_classes = (ScopedRateThrottle,)
    throttle_scope = "login"

    # ObtainAuthToken's own serializer also carries the token, so without this the schema
    # would document username and password as the response.
    @extend_schema(
        summary="Obtain an API token",
        request=AuthTokenSerializer,
        responses={
            200: TokenSerializer,
            400: OpenApiResponse(description="Wrong username or password, or inactive account."),
        },
        auth=[],
    )
    def post(self, request: Request, *args, **kwargs) -> Response:
        username = request.data.get("username") if hasattr(request.data, "get") else None
        attempt = login_attempt(request, username)
        if attempt is None:
            return Response(
                {"detail": _("Too many failed attempts. Please try again in 15 minutes.")},
                status=status.HTTP_429_TOO_MANY_REQUESTS,
            )
        serializer = self.get_serializer(data=request.data)
        if not serializer.is_valid():
            return Response(serializer.errors, status=status.HTTP_400_BAD_REQUEST)
        login_succeeded(attempt)
        token, _created = Token.objects.get_or_create(user=serializer.validated_data["user"])
        return Response({"token": token.key})


class RoleSerializer(serializers.ModelSerializer):
    role_display = serializers.CharField(source="get_role_display", read_only=True)
    area_name = serializers.CharField(source="area.name", read_only=True, allow_null=True)
    area_level = serializers.CharField(source="area.level", read_only=True, allow_null=True)

    class Meta:
        model = RoleAssignment
        fields = ["role", "role_display", "area", "area_name", "area_level"]
        read_only_fields = fields


class MeSerializer(serializers.ModelSerializer):
    roles = serializers.SerializerMethodField()
    can_reveal_sensitive = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = ["id", "username", "full_name", "roles", "can_reveal_sensitive"]
        read_only_fields = fields

    @extend_schema_field(RoleSerializer(many=True))
    def get_roles(self, user: User) -> list[dict]:
        return RoleSerializer(user_role_assignments(user), many=True).data

    def get_can_reveal_sensitive(self, user: User) -> bool:
        # A superuser holds every permission but, without an area, sees no child to reveal.
        return user.has_perm(REVEAL_PERMISSION) and bool(user_scope_areas(user))


class MeView(StrictQueryMixin, APIView):
    @extend_schema(summary="The signed-in user, their roles and areas", responses=MeSerializer)
    def get(self, request: Request) -> Response:
        return Response(MeSerializer(request.user).data)


# /api/v1/areas/: the part of the area tree the user may see, e.g. to pick a 居民区.


class AreaSerializer(serializers.ModelSerializer):
    level_display = serializers.CharField(source="get_level_display", read_only=True)

    class Meta:
        model = Area
        fields = ["id", "name", "code", "level", "level_display", "parent"]
        read_only_fields = fields


@extend_schema_view(
    list=extend_schema(summary="The areas you may see: yours, those below and their ancestors"),
    retrieve=extend_schema(summary="One area"),
)
class AreaViewSet(StrictQueryMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = AreaSerializer
    lookup_value_converter = "int"
    filter_backends = ()

    def get_queryset(self):
        return areas_visible_to(self.request.user)
