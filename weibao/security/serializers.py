from django.contrib.auth import authenticate
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from weibao.accounts.serializers import PersonSerializer
from weibao.core.api import StrictFieldsMixin
from weibao.security.models import ApiToken, SignedInDevice
from weibao.security.selectors import token_state

TOKEN_STATES = ["active", "expired", "revoked", "password"]


class PasswordSignInSerializer(StrictFieldsMixin, serializers.Serializer):
    username = serializers.CharField(write_only=True, max_length=150)
    password = serializers.CharField(
        write_only=True, trim_whitespace=False, style={"input_type": "password"}, max_length=4096
    )

    def validate(self, attrs):
        user = authenticate(
            request=self.context.get("request"),
            username=attrs["username"],
            password=attrs["password"],
        )
        if user is None:  # also an inactive account (ModelBackend)
            raise serializers.ValidationError(
                _("Unable to log in with provided credentials."), code="authorization"
            )
        attrs["user"] = user
        return attrs


class IssuedTokenSerializer(serializers.Serializer):
    token = serializers.CharField(read_only=True, help_text="Send as `Authorization: Token …`.")
    expires_at = serializers.DateTimeField(read_only=True)


class ApiTokenSerializer(serializers.ModelSerializer):
    user = PersonSerializer(read_only=True)
    state = serializers.SerializerMethodField(
        help_text="active; expired; revoked; password (ended by a password change)"
    )

    class Meta:
        model = ApiToken
        fields = [
            "id",
            "user",
            "name",
            "prefix",
            "source",
            "created_at",
            "expires_at",
            "last_used_at",
            "revoked_at",
            "state",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.ChoiceField(choices=TOKEN_STATES))
    def get_state(self, token: ApiToken) -> str:
        return token_state(token)[0]


class SignedInDeviceSerializer(serializers.ModelSerializer):
    device = serializers.CharField(
        source="user_agent",
        read_only=True,
        help_text="Browser and system, read from the User-Agent (e.g. “Chrome · Android”); "
        "empty when the browser sent none.",
    )
    address = serializers.IPAddressField(source="ip", read_only=True, allow_null=True)
    current = serializers.BooleanField(
        read_only=True,
        help_text="The web session this request came with; always false for a request "
        "signed in with an API token, which has no web session.",
    )

    class Meta:
        model = SignedInDevice
        fields = ["id", "device", "address", "signed_in_at", "last_seen_at", "current"]
        read_only_fields = fields


class DevicesSignedOutSerializer(serializers.Serializer):
    signed_out = serializers.IntegerField(read_only=True, help_text="How many devices.")
