"""/api/v1/me/ and /api/v1/people/ (the token endpoints are weibao.security's, /api/v1/areas/
weibao.administration's)."""

from django.http import Http404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import serializers, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from weibao.accounts.forms import district_areas, role_choices
from weibao.accounts.models import RoleAssignment, User
from weibao.accounts.selectors import (
    REVEAL_PERMISSION,
    districts_managed_by,
    password_link,
    people_with_roles,
    user_role_assignments,
    user_scope_areas,
)
from weibao.accounts.services import user_invite, user_password_reset, user_set_active
from weibao.areas.models import Area
from weibao.core.api import (
    INVALID,
    NamedChoiceField,
    NeverCacheMixin,
    RecordViewSetMixin,
    ScopedIdField,
    StrictFieldsMixin,
    StrictQueryMixin,
    post_action,
)
from weibao.core.scope import get_or_404


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


# /api/v1/people/: the district's people, for its staff (as the people page).


class AccountRoleSerializer(serializers.ModelSerializer):
    role_display = serializers.CharField(source="get_role_display", read_only=True)
    area_name = serializers.CharField(source="area.name", read_only=True)

    class Meta:
        model = RoleAssignment
        fields = ["id", "role", "role_display", "area", "area_name"]
        read_only_fields = fields


class AccountSerializer(serializers.ModelSerializer):
    """An account as district staff see it: never its password hash, its staff or superuser
    flags, or its permissions."""

    password_set = serializers.SerializerMethodField()
    roles = AccountRoleSerializer(source="district_roles", many=True, read_only=True)

    class Meta:
        model = User
        fields = [
            "id",
            "username",
            "full_name",
            "phone",
            "is_active",
            "password_set",
            "last_login",
            "roles",
        ]
        read_only_fields = fields

    def get_password_set(self, user: User) -> bool:
        return user.has_usable_password()


class AccountLinkSerializer(serializers.Serializer):
    person = AccountSerializer(read_only=True)
    password_link = serializers.URLField(
        read_only=True,
        help_text="The one-time link with which the person sets their password: shown only "
        "in this answer, never again; pass it on yourself. It works once.",
    )
    link_expires_at = serializers.DateTimeField(read_only=True)


class DistrictAreaField(ScopedIdField):
    default_error_messages = {"does_not_exist": _("No such area in your district.")}

    def scoped(self, user):
        return district_areas(districts_managed_by(user)) if user else Area.objects.none()


class AccountInviteSerializer(StrictFieldsMixin, serializers.Serializer):
    username = serializers.CharField(max_length=150)
    full_name = serializers.CharField(max_length=64)
    phone = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    role = NamedChoiceField(choices=role_choices(), enum_name="DataRoleEnum")
    area = DistrictAreaField(help_text="An open area of your district, of the role's level.")


class NoBodySerializer(StrictFieldsMixin, serializers.Serializer):
    pass


_PERSON_NOT_FOUND = OpenApiResponse(description="No such person among those you manage.")
_NOT_DISTRICT = OpenApiResponse(description="Only district staff manage people.")


@extend_schema_view(
    list=extend_schema(
        summary="The people of your district: their roles and account state (district staff)",
        responses={200: AccountSerializer(many=True), 404: _NOT_DISTRICT},
    ),
    retrieve=extend_schema(
        summary="One person", responses={200: AccountSerializer, 404: _PERSON_NOT_FOUND}
    ),
    create=extend_schema(
        summary="Create an account with its first role; the answer carries the one-time link "
        "with which the person sets a password",
        request=AccountInviteSerializer,
        responses={201: AccountLinkSerializer, 400: INVALID, 404: _NOT_DISTRICT},
    ),
)
class PersonViewSet(RecordViewSetMixin, NeverCacheMixin, viewsets.GenericViewSet):
    serializer_class = AccountSerializer

    def _districts(self) -> list:
        districts = districts_managed_by(self.request.user)
        if not districts:
            raise Http404
        return districts

    def get_queryset(self):
        return people_with_roles(self.request.user)

    def get_object(self) -> User:
        self._districts()
        return get_or_404(self.get_queryset(), self.kwargs[self.lookup_field])

    def _person(self, user: User) -> User:
        return get_or_404(self.get_queryset(), user.pk)

    def _with_link(self, user: User, status_code: int = 200) -> Response:
        path, expires = password_link(user)
        body = {
            "person": AccountSerializer(self._person(user)).data,
            "password_link": self.request.build_absolute_uri(path),
            "link_expires_at": serializers.DateTimeField().to_representation(expires),
        }
        return Response(body, status=status_code)

    def list(self, request: Request) -> Response:
        self._districts()
        return self.paginated(self.get_queryset())

    def retrieve(self, request: Request, pk: int) -> Response:
        return Response(self.get_serializer(self.get_object()).data)

    def create(self, request: Request) -> Response:
        self._districts()
        data = self.validated(AccountInviteSerializer)
        user = user_invite(actor=request.user, **data)
        return self._with_link(user, status.HTTP_201_CREATED)

    @post_action(
        "Reset the person's password: it stops working, their sessions and API tokens end, "
        "and the answer carries a new one-time link",
        NoBodySerializer,
        {200: AccountLinkSerializer, 400: INVALID, 404: _PERSON_NOT_FOUND},
        url_path="reset-password",
    )
    def reset_password(self, request: Request, pk: int) -> Response:
        person = self.get_object()
        self.validated(NoBodySerializer)
        return self._with_link(user_password_reset(actor=request.user, user=person))

    @post_action(
        "Deactivate the account: the person can no longer sign in; their sessions and API "
        "tokens end",
        NoBodySerializer,
        {200: AccountSerializer, 400: INVALID, 404: _PERSON_NOT_FOUND},
    )
    def deactivate(self, request: Request, pk: int) -> Response:
        return self._set_active(False)

    @post_action(
        "Reactivate the account",
        NoBodySerializer,
        {200: AccountSerializer, 400: INVALID, 404: _PERSON_NOT_FOUND},
    )
    def reactivate(self, request: Request, pk: int) -> Response:
        return self._set_active(True)

    def _set_active(self, active: bool) -> Response:
        person = self.get_object()
        self.validated(NoBodySerializer)
        user = user_set_active(actor=self.request.user, user=person, active=active)
        return Response(self.get_serializer(self._person(user)).data)
