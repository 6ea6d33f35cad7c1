"""/api/v1/me/ and /api/v1/areas/ (the token endpoints are weibao.security's)."""

from drf_spectacular.utils import (
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import serializers, viewsets
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from weibao.accounts.models import RoleAssignment, User
from weibao.accounts.selectors import (
    REVEAL_PERMISSION,
    areas_visible_to,
    user_role_assignments,
    user_scope_areas,
)
from weibao.areas.models import Area
from weibao.core.api import StrictQueryMixin


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
