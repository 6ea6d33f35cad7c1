"""API shapes of the staff roster. Input serializers check types and lengths; the rules (who
may, where a role works, dates, the wall's consent) are the services' and come back as
field-level messages. The phone is never sent in full: `phone_masked` only."""

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from weibao.accounts.selectors import areas_visible_to
from weibao.areas.models import Area
from weibao.core.api import MAX_DB_INT, NamedChoiceField, ScopedIdField, StrictFieldsMixin
from weibao.core.crypto import mask_phone
from weibao.staff.choices import HonourLevel, Qualification, StaffRole
from weibao.staff.models import Honour, StaffMember
from weibao.staff.selectors import active_q


def staff_role_field(**kwargs) -> NamedChoiceField:
    return NamedChoiceField(choices=StaffRole.choices, enum_name="StaffRoleEnum", **kwargs)


def qualification_field(**kwargs) -> NamedChoiceField:
    return NamedChoiceField(choices=Qualification.choices, enum_name="QualificationEnum", **kwargs)


class StaffAreaField(ScopedIdField):
    default_error_messages = {"does_not_exist": _("No such area in your areas.")}

    def scoped(self, user):
        if user is None:
            return Area.objects.none()
        return areas_visible_to(user).filter(
            level__in=[Area.Level.SUBDISTRICT, Area.Level.COMMUNITY]
        )


class HonourSerializer(serializers.ModelSerializer):
    level = NamedChoiceField(
        choices=HonourLevel.choices, enum_name="HonourLevelEnum", read_only=True
    )
    level_display = serializers.CharField(source="get_level_display", read_only=True)

    class Meta:
        model = Honour
        fields = ["id", "title", "level", "level_display", "awarded_on", "issuer"]
        read_only_fields = fields


class StaffMemberSerializer(serializers.ModelSerializer):
    role = staff_role_field(read_only=True)
    role_display = serializers.CharField(source="get_role_display", read_only=True)
    subdistrict_name = serializers.CharField(source="subdistrict.name", read_only=True)
    community_name = serializers.CharField(
        source="community.name", read_only=True, allow_null=True, default=None
    )
    phone_masked = serializers.SerializerMethodField()
    active = serializers.SerializerMethodField()
    qualifications = serializers.ListField(child=qualification_field(), read_only=True)
    username = serializers.CharField(
        source="user.username", read_only=True, allow_null=True, default=None
    )
    honours = HonourSerializer(many=True, read_only=True)

    class Meta:
        model = StaffMember
        fields = [
            "id", "name", "role", "role_display", "subdistrict", "subdistrict_name",
            "community", "community_name", "phone_masked", "work_phone",
            "publish_on_display_wall", "start_date", "end_date", "active", "full_time",
            "qualifications", "qualifications_note", "username", "honours", "version",
            "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.STR)
    def get_phone_masked(self, member: StaffMember) -> str:
        return mask_phone(member.phone) if member.phone else ""

    @extend_schema_field(OpenApiTypes.BOOL)
    def get_active(self, member: StaffMember) -> bool:
        return member.is_active_on(timezone.localdate())


def _text(max_length: int, **kwargs) -> serializers.CharField:
    return serializers.CharField(max_length=max_length, allow_blank=True, **kwargs)


class StaffCreateSerializer(StrictFieldsMixin, serializers.Serializer):
    name = serializers.CharField(max_length=64)
    role = staff_role_field()
    area = StaffAreaField(help_text="Id of the 街镇 or 居民区 the person works in (one you keep).")
    phone = _text(30, required=False, help_text="Kept encrypted; answered masked.")
    work_phone = _text(30, required=False)
    publish_on_display_wall = serializers.BooleanField(required=False)
    start_date = serializers.DateField()
    end_date = serializers.DateField(required=False, allow_null=True)
    full_time = serializers.BooleanField(required=False)
    qualifications = serializers.ListField(
        child=qualification_field(), required=False, max_length=len(Qualification.values)
    )
    qualifications_note = _text(200, required=False)


class StaffUpdateSerializer(StaffCreateSerializer):
    """PATCH: the fields to change, and the version last read. An end_date ends the person's
    post (they are never deleted)."""

    @property
    def partial(self) -> bool:
        return False

    @partial.setter
    def partial(self, value: bool) -> None:
        pass

    name = serializers.CharField(max_length=64, required=False)
    role = staff_role_field(required=False)
    area = StaffAreaField(required=False, help_text="Id of a 街镇 or 居民区 you keep.")
    start_date = serializers.DateField(required=False)
    version = serializers.IntegerField(
        min_value=0,
        max_value=MAX_DB_INT,
        help_text="The version of the entry the client last read; a stale version gives 409.",
    )


class StaffFilterSerializer(serializers.Serializer):
    q = serializers.CharField(max_length=64, required=False, help_text="Part of the name.")
    role = staff_role_field(required=False)
    area = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=MAX_DB_INT,
        help_text="A 街镇 (its station and 居民区) or a 居民区.",
    )
    active = serializers.BooleanField(
        required=False,
        allow_null=True,
        default=None,
        help_text="true: working today; false: left; absent: both.",
    )

    def filter(self, qs):
        data = self.validated_data
        today = timezone.localdate()
        if data.get("q"):
            qs = qs.filter(name__icontains=data["q"].strip())
        if data.get("role"):
            qs = qs.filter(role=data["role"])
        if data.get("area"):
            qs = qs.filter(Q(subdistrict_id=data["area"]) | Q(community_id=data["area"]))
        if data.get("active") is True:
            qs = qs.filter(active_q(today))
        elif data.get("active") is False:
            qs = qs.exclude(active_q(today))
        return qs
