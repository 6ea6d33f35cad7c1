from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from weibao.accounts.selectors import areas_visible_to
from weibao.areas.models import Area
from weibao.core.api import ScopedIdField, StrictFieldsMixin


class AreaSerializer(serializers.ModelSerializer):
    level_display = serializers.CharField(source="get_level_display", read_only=True)

    class Meta:
        model = Area
        fields = [
            "id",
            "name",
            "code",
            "level",
            "level_display",
            "parent",
            "closed_at",
            "merged_into",
        ]
        read_only_fields = fields


class VisibleAreaField(ScopedIdField):
    default_error_messages = {"does_not_exist": _("No such area in your areas.")}

    def scoped(self, user):
        return areas_visible_to(user) if user is not None else Area.objects.none()


class AreaFilterSerializer(serializers.Serializer):
    closed = serializers.BooleanField(
        required=False,
        default=False,
        help_text="true: list the closed (merged or closed) areas as well; by default only "
        "the open ones, those a new value may be chosen from.",
    )


class AreaCreateSerializer(StrictFieldsMixin, serializers.Serializer):
    parent = VisibleAreaField(
        help_text="A district (the new area is a 街镇) or a 街镇 (the new area is a 居民区)."
    )
    name = serializers.CharField(max_length=64)
    code = serializers.CharField(
        max_length=12,
        required=False,
        allow_blank=True,
        default="",
        help_text="统计用区划代码: 9 digits for a 街镇 (required), 12 for a 居民区 (optional).",
    )


class AreaUpdateSerializer(StrictFieldsMixin, serializers.Serializer):
    name = serializers.CharField(max_length=64)
    code = serializers.CharField(max_length=12, required=False, allow_blank=True)


class AreaCloseSerializer(StrictFieldsMixin, serializers.Serializer):
    move_to = VisibleAreaField(
        required=False,
        allow_null=True,
        default=None,
        help_text="Where the children on the register of a 居民区 move: another open 居民区 of "
        "the same 街镇 (required when it has any).",
    )


class AreaMergeSerializer(StrictFieldsMixin, serializers.Serializer):
    into = VisibleAreaField(
        help_text="For a 居民区, another open 居民区 of the same 街镇; for a 街镇, another open "
        "街镇 of the same district."
    )
