"""API shapes of in-app notifications."""

from rest_framework import serializers

from weibao.core.api import MAX_DB_INT, NamedChoiceField, StrictFieldsMixin
from weibao.notifications.models import Notification
from weibao.notifications.selectors import message


class NotificationSerializer(serializers.ModelSerializer):
    kind = NamedChoiceField(
        choices=Notification.Kind.choices, enum_name="NotificationKindEnum", read_only=True
    )
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    message = serializers.SerializerMethodField(
        help_text="The notification's text in the request's language."
    )
    read = serializers.SerializerMethodField()

    class Meta:
        model = Notification
        fields = [
            "id",
            "kind",
            "kind_display",
            "message",
            "child",
            "url",
            "created_at",
            "read",
            "read_at",
        ]
        read_only_fields = fields

    def get_message(self, notification: Notification) -> str:
        return message(notification)

    def get_read(self, notification: Notification) -> bool:
        return notification.read_at is not None


class NotificationFilterSerializer(serializers.Serializer):
    unread = serializers.BooleanField(
        required=False, default=False, help_text="1 for the unread notifications only."
    )


class MarkReadSerializer(StrictFieldsMixin, serializers.Serializer):
    ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_DB_INT),
        required=False,
        max_length=1000,
        help_text="The notifications to mark read; leave out to mark all of yours read.",
    )


class MarkReadResultSerializer(serializers.Serializer):
    marked = serializers.IntegerField(read_only=True, help_text="How many were marked read.")
    unread = serializers.IntegerField(read_only=True, help_text="How many remain unread.")


class UnreadCountSerializer(serializers.Serializer):
    unread = serializers.IntegerField(read_only=True)
