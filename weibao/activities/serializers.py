"""API shapes of projects and activities. Input serializers check types and lengths; the rules
(who may, which station, the place, ages, places, the waiting list) are the services' and come
back as field-level messages."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from weibao.activities.choices import OLDEST, ActivityState, AgeBand, ProjectStatus, SignupStatus
from weibao.activities.models import Activity, Project
from weibao.activities.selectors import partners_choice, stations_to_own, zones_for
from weibao.children.categories import Category
from weibao.children.selectors import children_visible_to
from weibao.core.api import (
    MAX_DB_INT,
    ClockTimeField,
    NamedChoiceField,
    ScopedIdField,
    StrictFieldsMixin,
)
from weibao.partners.models import Partner
from weibao.stations.models import StationZone, Workstation


def _none(model):
    return model.objects.none()


class StationField(ScopedIdField):
    default_error_messages = {"does_not_exist": _("No such station that you keep.")}

    def scoped(self, user):
        return stations_to_own(user) if user is not None else _none(Workstation)


class PartnerField(ScopedIdField):
    default_error_messages = {"does_not_exist": _("No such partner in your areas.")}

    def scoped(self, user):
        return partners_choice(user) if user is not None else _none(Partner)


class ZoneField(ScopedIdField):
    default_error_messages = {"does_not_exist": _("No such zone of a station you keep.")}

    def scoped(self, user):
        return zones_for(user) if user is not None else _none(StationZone)


class ChildField(ScopedIdField):
    default_error_messages = {"does_not_exist": _("No such child in your areas.")}

    def scoped(self, user):
        if user is None:
            return children_visible_to(None).none()
        return children_visible_to(user)


def _status(**kw):
    return NamedChoiceField(choices=ProjectStatus.choices, enum_name="ProjectStatusEnum", **kw)


class ProjectSerializer(serializers.ModelSerializer):
    status = _status(read_only=True)
    owner_name = serializers.CharField(read_only=True)
    partners = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    categories = serializers.ListField(child=serializers.CharField(), read_only=True)
    age_bands = serializers.ListField(child=serializers.CharField(), read_only=True)

    class Meta:
        model = Project
        fields = [
            "id", "name", "brand", "station", "district", "subdistrict", "owner_name",
            "partners", "starts_on", "ends_on", "categories", "age_bands", "goals", "budget",
            "status", "version", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = fields


class ProjectWriteSerializer(StrictFieldsMixin, serializers.Serializer):
    station = StationField(
        required=False, allow_null=True, help_text="The station that runs it; null: the district."
    )
    name = serializers.CharField(max_length=100)
    brand = serializers.CharField(max_length=60, required=False, allow_blank=True)
    partners = serializers.ListField(child=PartnerField(), required=False, max_length=50)
    starts_on = serializers.DateField()
    ends_on = serializers.DateField(required=False, allow_null=True)
    categories = serializers.ListField(
        child=serializers.ChoiceField(choices=Category.choices), required=False, max_length=20
    )
    age_bands = serializers.ListField(
        child=serializers.ChoiceField(choices=AgeBand.choices), required=False, max_length=10
    )
    goals = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    budget = serializers.DecimalField(
        max_digits=12, decimal_places=2, min_value=0, required=False, allow_null=True
    )
    status = _status(required=False)


class ProjectUpdateSerializer(ProjectWriteSerializer):
    station = None
    name = serializers.CharField(max_length=100, required=False)
    starts_on = serializers.DateField(required=False)
    version = serializers.IntegerField(
        min_value=0, max_value=MAX_DB_INT, help_text="The version last read; stale: 409."
    )


class ActivitySerializer(serializers.ModelSerializer):
    state = NamedChoiceField(
        choices=ActivityState.choices, enum_name="ActivityStateEnum", read_only=True
    )
    starts_at = ClockTimeField(read_only=True, allow_null=True)
    ends_at = ClockTimeField(read_only=True, allow_null=True)
    place_name = serializers.CharField(read_only=True)
    signed_up = serializers.IntegerField(read_only=True)
    waiting = serializers.IntegerField(read_only=True)
    present = serializers.IntegerField(read_only=True)

    class Meta:
        model = Activity
        fields = [
            "id", "title", "project", "series", "station", "district", "subdistrict",
            "held_on", "starts_at", "ends_at", "zone", "partner", "place_text", "place_name",
            "capacity", "age_min", "age_max", "audience", "state", "signed_up", "waiting",
            "present", "version", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = fields


class ActivityWriteSerializer(StrictFieldsMixin, serializers.Serializer):
    project = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, max_value=MAX_DB_INT,
        help_text="The project it belongs to (its owner is the project's).",
    )  # fmt: skip
    station = StationField(
        required=False, allow_null=True, help_text="Alone: the station that runs it."
    )
    title = serializers.CharField(max_length=100)
    held_on = serializers.DateField()
    starts_at = ClockTimeField(required=False, allow_null=True)
    ends_at = ClockTimeField(required=False, allow_null=True)
    zone = ZoneField(required=False, allow_null=True)
    partner = PartnerField(required=False, allow_null=True)
    place_text = serializers.CharField(max_length=200, required=False, allow_blank=True)
    capacity = serializers.IntegerField(min_value=1, max_value=1000)
    age_min = serializers.IntegerField(min_value=0, max_value=OLDEST, required=False)
    age_max = serializers.IntegerField(min_value=0, max_value=OLDEST, required=False)
    audience = serializers.CharField(max_length=100, required=False, allow_blank=True)


class ActivityUpdateSerializer(ActivityWriteSerializer):
    project = None
    station = None
    title = serializers.CharField(max_length=100, required=False)
    held_on = serializers.DateField(required=False)
    capacity = serializers.IntegerField(min_value=1, max_value=1000, required=False)
    version = serializers.IntegerField(
        min_value=0, max_value=MAX_DB_INT, help_text="The version last read; stale: 409."
    )


class StateSerializer(StrictFieldsMixin, serializers.Serializer):
    state = NamedChoiceField(choices=ActivityState.choices, enum_name="ActivityStateEnum")
    version = serializers.IntegerField(min_value=0, max_value=MAX_DB_INT, required=False)


class SignupSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="signup.pk")
    child = serializers.SerializerMethodField(help_text="The child's id where you see the child.")
    name = serializers.CharField(
        source="label", help_text="The name where you see the child, else “a registered child”."
    )
    walkin = serializers.BooleanField(source="signup.is_walkin")
    status = NamedChoiceField(
        choices=SignupStatus.choices, enum_name="SignupStatusEnum", source="signup.status"
    )
    position = serializers.IntegerField(source="signup.position")
    attended = serializers.BooleanField(source="signup.attended")

    @extend_schema_field({"type": "integer", "nullable": True})
    def get_child(self, row) -> int | None:
        return row.signup.child_id if row.named else None


class SignupListSerializer(serializers.Serializer):
    activity = serializers.IntegerField()
    signups = SignupSerializer(many=True, help_text="First come first: the waiting list in order.")


class SignupCreateSerializer(StrictFieldsMixin, serializers.Serializer):
    child = ChildField(required=False, help_text="A child of the register you see.")
    name = serializers.CharField(
        max_length=20, required=False, help_text="A walk-in's given name (no child)."
    )
    age = serializers.IntegerField(min_value=0, max_value=OLDEST, required=False)

    def validate(self, attrs):
        if bool(attrs.get("child")) == bool(attrs.get("name")):
            raise serializers.ValidationError(
                {"child": [_("Give either a child of the register or a walk-in's name and age.")]}
            )
        if attrs.get("name") and attrs.get("age") is None:
            raise serializers.ValidationError({"age": [_("Give an age from 0 to 17.")]})
        return attrs


class AttendanceMarkSerializer(serializers.Serializer):
    signup = serializers.IntegerField(min_value=1, max_value=MAX_DB_INT)
    present = serializers.BooleanField()


class AttendanceSerializer(StrictFieldsMixin, serializers.Serializer):
    marks = AttendanceMarkSerializer(many=True, max_length=1000)


class ProjectFilterSerializer(serializers.Serializer):
    status = _status(required=False)

    def filter(self, qs):
        if self.validated_data.get("status"):
            qs = qs.filter(status=self.validated_data["status"])
        return qs


class ActivityFilterSerializer(serializers.Serializer):
    project = serializers.IntegerField(required=False, min_value=1, max_value=MAX_DB_INT)
    state = NamedChoiceField(
        choices=ActivityState.choices, enum_name="ActivityStateEnum", required=False
    )
    start = serializers.DateField(required=False, help_text="Held on or after.")
    end = serializers.DateField(required=False, help_text="Held on or before.")

    def filter(self, qs):
        data = self.validated_data
        if data.get("project"):
            qs = qs.filter(project_id=data["project"])
        if data.get("state"):
            qs = qs.filter(state=data["state"])
        if data.get("start"):
            qs = qs.filter(held_on__gte=data["start"])
        if data.get("end"):
            qs = qs.filter(held_on__lte=data["end"])
        return qs
