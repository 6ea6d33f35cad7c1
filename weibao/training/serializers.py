"""API shapes of the training work. Input serializers check types and lengths; the rules (who
may, which area, topics, hours, the roll's people) are the services' and come back as
field-level messages."""

from decimal import Decimal

from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from weibao.areas.models import Area
from weibao.core.api import MAX_DB_INT, NamedChoiceField, ScopedIdField, StrictFieldsMixin
from weibao.staff.choices import StaffRole
from weibao.training.choices import AttendanceStatus, Mode
from weibao.training.models import TrainingSession, TrainingTopic
from weibao.training.selectors import organiser_areas, topics_visible_to


def role_field(**kwargs) -> NamedChoiceField:
    return NamedChoiceField(choices=StaffRole.choices, enum_name="StaffRoleEnum", **kwargs)


def mode_field(**kwargs) -> NamedChoiceField:
    return NamedChoiceField(choices=Mode.choices, enum_name="TrainingModeEnum", **kwargs)


def status_field(**kwargs) -> NamedChoiceField:
    return NamedChoiceField(
        choices=AttendanceStatus.choices, enum_name="AttendanceStatusEnum", **kwargs
    )


class OrganiserField(ScopedIdField):
    default_error_messages = {"does_not_exist": _("No such area in your areas.")}

    def scoped(self, user):
        if user is None:
            return Area.objects.none()
        return Area.objects.filter(pk__in=[a.pk for a in organiser_areas(user)])


class TopicField(ScopedIdField):
    default_error_messages = {"does_not_exist": _("No such topic in your district's list.")}

    def scoped(self, user):
        return topics_visible_to(user) if user is not None else TrainingTopic.objects.none()


# --- topics -----------------------------------------------------------------------------------


class TopicSerializer(serializers.ModelSerializer):
    district_name = serializers.CharField(source="district.name", read_only=True)

    class Meta:
        model = TrainingTopic
        fields = ["id", "name", "active", "district", "district_name"]
        read_only_fields = fields


class TopicCreateSerializer(StrictFieldsMixin, serializers.Serializer):
    name = serializers.CharField(max_length=60)
    district = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=MAX_DB_INT,
        help_text="The district whose list it joins (yours, when you keep only one).",
    )


class TopicUpdateSerializer(StrictFieldsMixin, serializers.Serializer):
    name = serializers.CharField(max_length=60, required=False)
    active = serializers.BooleanField(required=False, help_text="false retires the topic.")


class TopicFilterSerializer(serializers.Serializer):
    active = serializers.BooleanField(required=False, allow_null=True, default=None)


# --- sessions ---------------------------------------------------------------------------------


class SessionSerializer(serializers.ModelSerializer):
    topic_name = serializers.CharField(source="topic.name", read_only=True)
    mode = mode_field(read_only=True)
    organiser = serializers.SerializerMethodField()
    organiser_name = serializers.SerializerMethodField()
    audience = serializers.ListField(child=role_field(), read_only=True)
    present = serializers.IntegerField(read_only=True, help_text="People marked present.")

    class Meta:
        model = TrainingSession
        fields = [
            "id", "topic", "topic_name", "title", "held_on", "mode", "place", "trainer",
            "hours", "organiser", "organiser_name", "audience", "present", "version",
            "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = fields

    def get_organiser(self, session: TrainingSession) -> int:
        return session.subdistrict_id or session.district_id

    def get_organiser_name(self, session: TrainingSession) -> str:
        return session.organiser.name


class SessionCreateSerializer(StrictFieldsMixin, serializers.Serializer):
    organiser = OrganiserField(help_text="Id of the district or the 街镇 that organises it.")
    topic = TopicField(help_text="Id of a topic of the district's list.")
    title = serializers.CharField(max_length=100, allow_blank=True, required=False)
    held_on = serializers.DateField()
    mode = mode_field()
    place = serializers.CharField(max_length=200, allow_blank=True, required=False)
    trainer = serializers.CharField(max_length=100)
    hours = serializers.DecimalField(
        max_digits=4, decimal_places=1, min_value=Decimal("0.5"), max_value=24
    )
    audience = serializers.ListField(
        child=role_field(),
        required=False,
        max_length=len(StaffRole.values),
        help_text="The roles expected (the district's required roles when absent).",
    )


class SessionUpdateSerializer(SessionCreateSerializer):
    @property
    def partial(self) -> bool:
        return False

    @partial.setter
    def partial(self, value: bool) -> None:
        pass

    organiser = OrganiserField(required=False)
    topic = TopicField(required=False)
    held_on = serializers.DateField(required=False)
    mode = mode_field(required=False)
    trainer = serializers.CharField(max_length=100, required=False)
    hours = serializers.DecimalField(
        max_digits=4, decimal_places=1, min_value=Decimal("0.5"), max_value=24, required=False
    )
    version = serializers.IntegerField(
        min_value=0,
        max_value=MAX_DB_INT,
        help_text="The version of the session the client last read; a stale version gives 409.",
    )


class SessionFilterSerializer(serializers.Serializer):
    start = serializers.DateField(required=False, help_text="Held on or after.")
    end = serializers.DateField(required=False, help_text="Held on or before.")
    topic = serializers.IntegerField(required=False, min_value=1, max_value=MAX_DB_INT)
    organiser = serializers.IntegerField(
        required=False, min_value=1, max_value=MAX_DB_INT, help_text="A district or a 街镇."
    )

    def filter(self, qs):
        data = self.validated_data
        if data.get("start"):
            qs = qs.filter(held_on__gte=data["start"])
        if data.get("end"):
            qs = qs.filter(held_on__lte=data["end"])
        if data.get("topic"):
            qs = qs.filter(topic_id=data["topic"])
        if data.get("organiser"):
            organiser = data["organiser"]
            qs = qs.filter(
                Q(subdistrict_id=organiser) | Q(subdistrict__isnull=True, district_id=organiser)
            )
        return qs


# --- the roll ---------------------------------------------------------------------------------


class RollRowSerializer(serializers.Serializer):
    member = serializers.IntegerField(source="member.pk")
    name = serializers.CharField(source="member.name")
    role = role_field(source="member.role")
    place_name = serializers.CharField(source="member.place.name")
    expected = serializers.BooleanField(help_text="Of the roles the session expects.")
    status = serializers.CharField(help_text="present, absent, excused, or empty: not marked.")


class RollSerializer(serializers.Serializer):
    session = serializers.IntegerField()
    rows = RollRowSerializer(many=True)


class MarkSerializer(serializers.Serializer):
    member = serializers.IntegerField(min_value=1, max_value=MAX_DB_INT)
    status = status_field()


class RollUpdateSerializer(StrictFieldsMixin, serializers.Serializer):
    """PUT: the whole roll; anyone on it who is not listed is taken off."""

    attendance = MarkSerializer(many=True, max_length=5000)

    def validate_attendance(self, value):
        members = [row["member"] for row in value]
        if len(members) != len(set(members)):
            raise serializers.ValidationError(_("Each person once."))
        return value


# --- the rate ---------------------------------------------------------------------------------


class RateQuerySerializer(serializers.Serializer):
    area = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=MAX_DB_INT,
        help_text="A district or 街镇 you may see (your first one when absent).",
    )
    start = serializers.DateField(required=False, help_text="1 January this year when absent.")
    end = serializers.DateField(required=False, help_text="31 December this year when absent.")

    def validate(self, attrs):
        start, end = attrs.get("start"), attrs.get("end")
        if start and end and end < start:
            raise serializers.ValidationError(
                {"end": [_("The end of the period cannot be before its start.")]}
            )
        if start and end and (end - start).days > 3 * 366:
            raise serializers.ValidationError(
                {"end": [_("Choose a period of at most three years.")]}
            )
        return attrs


class PersonHoursSerializer(serializers.Serializer):
    member = serializers.IntegerField(source="member_id")
    name = serializers.CharField()
    role = role_field()
    role_display = serializers.CharField(source="role_label")
    place_name = serializers.CharField()
    hours = serializers.DecimalField(max_digits=8, decimal_places=1)


class RateLineSerializer(serializers.Serializer):
    key = serializers.CharField(help_text="The 街镇's id, or the role.")
    label = serializers.CharField()
    required = serializers.IntegerField()
    trained = serializers.IntegerField()
    rate = serializers.FloatField(allow_null=True, help_text="Percent; null when nobody to train.")


class RateLineWithPeopleSerializer(RateLineSerializer):
    untrained = PersonHoursSerializer(many=True)


class RateSerializer(serializers.Serializer):
    area = serializers.IntegerField(source="area.pk")
    area_name = serializers.CharField(source="area.name")
    start = serializers.DateField()
    end = serializers.DateField()
    as_of = serializers.DateField(help_text="The day whose working people are counted.")
    min_hours = serializers.DecimalField(max_digits=4, decimal_places=1)
    roles = serializers.ListField(child=role_field())
    required = serializers.IntegerField()
    trained = serializers.IntegerField()
    rate = serializers.FloatField(allow_null=True, help_text="Percent; null when nobody to train.")
    by_subdistrict = RateLineWithPeopleSerializer(many=True)
    by_role = RateLineSerializer(many=True)
    untrained = PersonHoursSerializer(many=True)
