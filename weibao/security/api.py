"""/api/v1/auth/token/ (a token for a username and password, in the demo only),
/api/v1/auth/tokens/ (the tokens you may see: list, revoke) and /api/v1/auth/devices/ (your
signed-in devices: list, sign out)."""

from django.conf import settings
from django.http import Http404
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, parsers, status, viewsets
from rest_framework.authentication import SessionAuthentication
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from weibao.accounts.lockout import login_attempt, login_locked, login_succeeded
from weibao.accounts.services import sign_in_failure_record, sign_in_record
from weibao.core.api import StrictQueryMixin
from weibao.core.parsers import SafeJSONParser
from weibao.security.models import ApiToken, SignedInDevice
from weibao.security.selectors import (
    device_get_for_user,
    devices_of,
    has_two_factor,
    tokens_visible_to,
    two_factor_required,
)
from weibao.security.serializers import (
    ApiTokenSerializer,
    DevicesSignedOutSerializer,
    IssuedTokenSerializer,
    PasswordSignInSerializer,
    SignedInDeviceSerializer,
)
from weibao.security.services import (
    api_token_create,
    api_token_revoke,
    device_revoke,
    devices_revoke_others,
)


class TokenView(StrictQueryMixin, APIView):
    """Exchange a username and password for a token (`Authorization: Token …`) — only where
    WEIBAO_PASSWORD_TOKENS is on (the demo), and never for an account with two-factor
    sign-in: such tokens are made on the "API tokens" page, after both steps."""

    authentication_classes = ()
    permission_classes = ()
    parser_classes = (parsers.FormParser, parsers.MultiPartParser, SafeJSONParser)
    # Password guessing is throttled per client address (REST_FRAMEWORK's "login" rate).
    throttle_classes = (ScopedRateThrottle,)
    throttle_scope = "login"

    @extend_schema(
        summary="Obtain an API token with a password (demo instances only)",
        request=PasswordSignInSerializer,
        responses={
            200: IssuedTokenSerializer,
            400: OpenApiResponse(description="Wrong username or password, or inactive account."),
            403: OpenApiResponse(
                description="Turned off on this instance, or the account uses two-factor "
                "sign-in: make a token on the API tokens page."
            ),
            429: OpenApiResponse(description="Too many failed attempts."),
        },
        auth=[],
    )
    def post(self, request: Request, *args, **kwargs) -> Response:
        if not settings.WEIBAO_PASSWORD_TOKENS:
            return _refused(_("Tokens are made on the API tokens page, after signing in."))
        username = request.data.get("username") if hasattr(request.data, "get") else None
        address = request.META.get("REMOTE_ADDR", "")
        # Counted as a failure before the password is checked; given back when it was right.
        attempt = login_attempt(request, username)
        if attempt is None:
            sign_in_failure_record(
                username=username, address=address, channel="api", locked=True, lockout=False
            )
            return Response(
                {"detail": _("Too many failed attempts. Please try again in 15 minutes.")},
                status=status.HTTP_429_TOO_MANY_REQUESTS,
            )
        serializer = PasswordSignInSerializer(data=request.data, context={"request": request})
        if not serializer.is_valid():
            sign_in_failure_record(
                username=username,
                address=address,
                channel="api",
                locked=False,
                lockout=login_locked(request, username),
            )
            return Response(serializer.errors, status=status.HTTP_400_BAD_REQUEST)
        login_succeeded(attempt)
        user = serializer.validated_data["user"]
        if two_factor_required(user) or has_two_factor(user):
            return _refused(
                _(
                    "This account signs in with two factors: make a token on the API tokens "
                    "page after signing in."
                )
            )
        sign_in_record(user=user, address=address, channel="api")
        token, key = api_token_create(
            actor=user, name=_("Password sign-in"), source=ApiToken.Source.PASSWORD
        )
        response = Response({"token": key, "expires_at": token.expires_at})
        add_never_cache_headers(response)
        return response


def _refused(message: str) -> Response:
    return Response({"detail": message}, status=status.HTTP_403_FORBIDDEN)


_NO_SUCH_TOKEN = OpenApiResponse(description="No such token, or not yours to see.")


@extend_schema_view(
    list=extend_schema(
        summary="Your API tokens (and, for district staff, those of the district's people)"
    ),
    retrieve=extend_schema(
        summary="One API token (never its key)",
        responses={200: ApiTokenSerializer, 404: _NO_SUCH_TOKEN},
    ),
    destroy=extend_schema(
        summary="Revoke an API token: it stops working at once",
        responses={204: OpenApiResponse(description="Revoked."), 404: _NO_SUCH_TOKEN},
    ),
)
class ApiTokenViewSet(
    StrictQueryMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = ApiTokenSerializer
    lookup_value_converter = "int"
    filter_backends = ()

    def get_queryset(self):
        return tokens_visible_to(self.request.user)

    def perform_destroy(self, instance: ApiToken) -> None:
        api_token_revoke(actor=self.request.user, token=instance)


_NO_SUCH_DEVICE = OpenApiResponse(description="No such device, or not yours.")
_CURRENT = (
    "Your own devices only (no one sees another person's, district staff included). A "
    "device is a web session: signing in on the web page makes one. `current` is the web "
    "session this request came with — none when the request is signed in with an API token, "
    "which has no web session."
)


@extend_schema_view(
    list=extend_schema(
        summary="Your signed-in devices (web sessions still alive)", description=_CURRENT
    ),
    retrieve=extend_schema(
        summary="One of your signed-in devices",
        description=_CURRENT,
        responses={200: SignedInDeviceSerializer, 404: _NO_SUCH_DEVICE},
    ),
    destroy=extend_schema(
        summary="Sign a device out: its web session ends at once",
        description="The current device is not signed out here (409, code `current_device`): "
        "log out instead. With an API token no device is current, so any may be signed out.",
        responses={
            204: OpenApiResponse(description="Signed out."),
            404: _NO_SUCH_DEVICE,
            409: OpenApiResponse(description="This is the current device: log out instead."),
        },
    ),
)
class SignedInDeviceViewSet(
    StrictQueryMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = SignedInDeviceSerializer
    queryset = SignedInDevice.objects.none()  # the model, for the schema; rows: devices_of
    lookup_value_converter = "int"
    filter_backends = ()

    def _current_key(self) -> str | None:
        # Only a request signed in by its web session has a current device: one signed in
        # with a token may come with someone's session cookie too, which is not its own.
        if isinstance(self.request.successful_authenticator, SessionAuthentication):
            return self.request.session.session_key
        return None

    def get_queryset(self):
        return devices_of(self.request.user, self._current_key())

    def get_object(self) -> SignedInDevice:
        try:
            return device_get_for_user(
                self.request.user, self.kwargs[self.lookup_field], self._current_key()
            )
        except SignedInDevice.DoesNotExist:
            raise Http404 from None

    def perform_destroy(self, instance: SignedInDevice) -> None:
        device_revoke(actor=self.request.user, device=instance, current_key=self._current_key())

    @extend_schema(
        summary="Sign out every device but the current one",
        description="With an API token no device is current: every web session of yours ends.",
        request=None,
        responses={200: DevicesSignedOutSerializer},
    )
    @action(detail=False, methods=["post"], url_path="revoke-others")
    def revoke_others(self, request: Request) -> Response:
        count = devices_revoke_others(actor=request.user, current_key=self._current_key())
        return Response({"signed_out": count})
