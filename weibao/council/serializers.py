"""API shapes of the children's council. Input serializers check types and lengths; the rules
(who may, which child, the term, the attendance) are the services' and come back as field-level
messages."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from weibao.areas.models import Area
from weibao.children.models import Child
from weibao.children.selectors import children_visible_to
from weibao.core.api import MAX_DB_INT, NamedChoiceField, ScopedIdField, StrictFieldsMixin
from weibao.council.choices import ConsentHow
from weibao.council.models import CouncilMeeting, CouncilMember
from weibao.council.selectors import (
    councils_visible_to,
    kept_station_ids,
    members_visible_to,
    named_member_ids,
)
from weibao.council.services import AGENDA_LIMIT, CONSENT_BY_LIMIT, DECISION_LIMIT, MINUTES_LIMIT
from weibao.stations.models import Workstation


def consent_field(**kwargs) -> NamedChoiceField:
    return NamedChoiceField(choices=ConsentHow.choices, enum_name="ConsentHowEnum", **kwargs)


class CouncilSerializer(serializers.ModelSerializer):
    subdistrict_name = serializers.CharField(source="subdistrict.name", read_only=True)
    members_now = serializers.IntegerField(read_only=True, help_text="Members in term today.")
    last_meeting = serializers.DateField(read_only=True, allow_null=True)

    class Meta:
        model = Workstation
        fields = ["id", "name", "subdistrict", "subdistrict_name", "members_now", "last_meeting"]
        read_only_fields = fields


class StationField(ScopedIdField):
    default_error_messages = {"does_not_exist": _("No such station in your areas.")}

    def scoped(self, user):
        return councils_visible_to(user) if user is not None else Workstation.objects.none()


class ChildField(ScopedIdField):
    default_error_messages = {"does_not_exist": _("Choose a registered child from your areas.")}

    def scoped(self, user):
        return children_visible_to(user) if user is not None else Child.objects.none()


class CouncilMemberSerializer(serializers.ModelSerializer):
    child_name = serializers.SerializerMethodField(
        help_text="The child's name where you may see the child, else empty."
    )
    community_name = serializers.CharField(source="community.name", read_only=True)
    consent_by = serializers.SerializerMethodField(
        help_text="The guardian who consented, where you may see the child, else empty."
    )
    consent_how = consent_field(read_only=True)

    class Meta:
        model = CouncilMember
        fields = [
            "id",
            "station",
            "child",
            "child_name",
            "community",
            "community_name",
            "term_start",
            "term_end",
            "consent_by",
            "consent_on",
            "consent_how",
            "version",
        ]
        read_only_fields = fields

    def _named(self, member: CouncilMember) -> bool:
        if "_named" not in self.context:
            request = self.context.get("request")
            self.context["_named"] = (
                named_member_ids(request.user, members_visible_to(request.user))
                if request is not None
                else set()
            )
        return member.pk in self.context["_named"]

    def get_child_name(self, member: CouncilMember) -> str:
        return member.child.name if self._named(member) else ""

    def get_consent_by(self, member: CouncilMember) -> str:
        return member.consent_by if self._named(member) else ""


class CouncilMemberCreateSerializer(StrictFieldsMixin, serializers.Serializer):
    station = StationField()
    child = ChildField()
    term_start = serializers.DateField()
    term_end = serializers.DateField()
    consent_by = serializers.CharField(max_length=CONSENT_BY_LIMIT)
    consent_on = serializers.DateField()
    consent_how = consent_field()


class CouncilMemberUpdateSerializer(StrictFieldsMixin, serializers.Serializer):
    term_start = serializers.DateField(required=False)
    term_end = serializers.DateField(required=False)
    consent_by = serializers.CharField(max_length=CONSENT_BY_LIMIT, required=False)
    consent_on = serializers.DateField(required=False)
    consent_how = consent_field(required=False)
    version = serializers.IntegerField(min_value=0, max_value=MAX_DB_INT)


class CouncilDecisionSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    text = serializers.CharField(read_only=True)
    suggestion = serializers.IntegerField(source="suggestion_id", read_only=True)
    state = serializers.CharField(source="suggestion.state", read_only=True)
    answer = serializers.CharField(source="suggestion.answer", read_only=True)


class CouncilMeetingSerializer(serializers.ModelSerializer):
    present = serializers.SerializerMethodField(
        help_text="The ids of the members present whom you may see."
    )
    present_count = serializers.SerializerMethodField()
    minutes = serializers.SerializerMethodField(help_text="The station's keepers only, else null.")
    decisions = CouncilDecisionSerializer(many=True, read_only=True)

    class Meta:
        model = CouncilMeeting
        fields = [
            "id",
            "station",
            "held_on",
            "agenda",
            "minutes",
            "present",
            "present_count",
            "decisions",
            "version",
        ]
        read_only_fields = fields

    def _visible(self) -> set[int]:
        if "_visible" not in self.context:
            request = self.context.get("request")
            self.context["_visible"] = (
                set(members_visible_to(request.user).values_list("pk", flat=True))
                if request is not None
                else set()
            )
        return self.context["_visible"]

    def _keeps(self) -> set[int]:
        if "_keeps" not in self.context:
            request = self.context.get("request")
            self.context["_keeps"] = kept_station_ids(request.user) if request else set()
        return self.context["_keeps"]

    def get_present(self, meeting) -> list[int]:
        return sorted(m.pk for m in meeting.present.all() if m.pk in self._visible())

    def get_present_count(self, meeting) -> int:
        return len(meeting.present.all())

    def get_minutes(self, meeting) -> str | None:
        return meeting.minutes if meeting.station_id in self._keeps() else None


class CouncilMeetingCreateSerializer(StrictFieldsMixin, serializers.Serializer):
    station = StationField()
    held_on = serializers.DateField()
    agenda = serializers.CharField(max_length=AGENDA_LIMIT)
    minutes = serializers.CharField(max_length=MINUTES_LIMIT, required=False, allow_blank=True)
    present = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_DB_INT),
        required=False,
        max_length=500,
        help_text="The ids of the members present.",
    )


class CouncilMeetingUpdateSerializer(StrictFieldsMixin, serializers.Serializer):
    held_on = serializers.DateField(required=False)
    agenda = serializers.CharField(max_length=AGENDA_LIMIT, required=False)
    minutes = serializers.CharField(max_length=MINUTES_LIMIT, required=False, allow_blank=True)
    present = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_DB_INT),
        required=False,
        max_length=500,
    )
    version = serializers.IntegerField(min_value=0, max_value=MAX_DB_INT)


class CommunityField(ScopedIdField):
    default_error_messages = {"does_not_exist": _("Choose a 居民区 of this 街镇.")}

    def scoped(self, user):
        return Area.objects.filter(level=Area.Level.COMMUNITY)


class CouncilDecisionCreateSerializer(StrictFieldsMixin, serializers.Serializer):
    text = serializers.CharField(max_length=DECISION_LIMIT)
    community = CommunityField(required=False, allow_null=True, default=None)
