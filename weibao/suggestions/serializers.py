"""API shapes of the suggestion board. Input serializers check types and lengths; the rules
(who may, which state, the deadline, the 居民区) are the services' and come back as field-level
messages."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from weibao.areas.models import Area
from weibao.core.api import MAX_DB_INT, NamedChoiceField, ScopedIdField, StrictFieldsMixin
from weibao.suggestions.choices import Source, State
from weibao.suggestions.models import Suggestion
from weibao.suggestions.selectors import can_keep
from weibao.suggestions.services import (
    ANSWER_LIMIT,
    DEPARTMENT_LIMIT,
    REASON_LIMIT,
    TEXT_LIMIT,
)


def state_field(**kwargs) -> NamedChoiceField:
    return NamedChoiceField(choices=State.choices, enum_name="SuggestionStateEnum", **kwargs)


class SuggestionSerializer(serializers.ModelSerializer):
    station_name = serializers.CharField(source="station.name", read_only=True)
    source = NamedChoiceField(
        choices=Source.choices, enum_name="SuggestionSourceEnum", read_only=True
    )
    state = state_field(read_only=True)
    is_late = serializers.BooleanField(
        read_only=True, help_text="Past its deadline and neither answered nor declined."
    )
    community_name = serializers.CharField(
        source="community.name", read_only=True, allow_null=True, default=None
    )
    routed_community_name = serializers.CharField(
        source="routed_community.name", read_only=True, allow_null=True, default=None
    )
    text = serializers.SerializerMethodField(
        help_text="What the child wrote (never public): for the station's keepers only, else null."
    )
    given_name = serializers.SerializerMethodField(
        help_text="The child's optional given name (never public): keepers only, else null."
    )

    class Meta:
        model = Suggestion
        fields = [
            "id", "station", "station_name", "source", "state", "is_late", "community",
            "community_name", "age", "text", "given_name", "public_text", "reject_reason",
            "department", "routed_community", "routed_community_name", "deadline",
            "progress_note", "answer", "decline_reason", "created_at", "moderated_at",
            "routed_at", "answered_at", "version",
        ]  # fmt: skip
        read_only_fields = fields

    def _keeps(self, suggestion) -> bool:
        request = self.context.get("request")
        return request is not None and can_keep(request.user, suggestion)

    def get_text(self, suggestion) -> str | None:
        return suggestion.text if self._keeps(suggestion) else None

    def get_given_name(self, suggestion) -> str | None:
        return suggestion.given_name if self._keeps(suggestion) else None


class SuggestionFilterSerializer(serializers.Serializer):
    state = state_field(required=False)
    late = serializers.BooleanField(
        required=False, allow_null=True, default=None, help_text="true: only the late ones."
    )
    station = serializers.IntegerField(required=False, min_value=1, max_value=MAX_DB_INT)

    def filter(self, queryset):
        data = self.validated_data
        if data.get("state"):
            queryset = queryset.filter(state=data["state"])
        if data.get("late") is not None:
            queryset = queryset.filter(is_late=data["late"])
        if data.get("station"):
            queryset = queryset.filter(station_id=data["station"])
        return queryset


class _Versioned(StrictFieldsMixin, serializers.Serializer):
    version = serializers.IntegerField(min_value=0, max_value=MAX_DB_INT)


class ModerateSerializer(_Versioned):
    decision = NamedChoiceField(
        choices=[("approve", "approve"), ("reject", "reject")], enum_name="ModerationEnum"
    )
    public_text = serializers.CharField(
        max_length=TEXT_LIMIT,
        required=False,
        allow_blank=True,
        help_text="approve: the text to publish, personal data removed.",
    )
    reason = serializers.CharField(
        max_length=REASON_LIMIT,
        required=False,
        allow_blank=True,
        help_text="reject: why (the child reads it with their code).",
    )


class RoutedCommunityField(ScopedIdField):
    default_error_messages = {"does_not_exist": _("Choose a 居民区 of this 街镇.")}

    def scoped(self, user):
        return Area.objects.filter(level=Area.Level.COMMUNITY)


class RouteSerializer(_Versioned):
    department = serializers.CharField(
        max_length=DEPARTMENT_LIMIT, required=False, allow_blank=True
    )
    routed_community = RoutedCommunityField(required=False, allow_null=True, default=None)
    deadline = serializers.DateField()


class ProgressSerializer(_Versioned):
    note = serializers.CharField(max_length=REASON_LIMIT, required=False, allow_blank=True)


class AnswerSerializer(_Versioned):
    answer = serializers.CharField(max_length=ANSWER_LIMIT)


class DeclineSerializer(_Versioned):
    reason = serializers.CharField(max_length=REASON_LIMIT)
