"""`Authorization: Token <key>` for the API, against ApiToken: the key's hash must be known, and
the token neither revoked, nor expired, nor made under an old password."""

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication

from weibao.security.models import ApiToken
from weibao.security.selectors import token_state
from weibao.security.services import api_token_used
from weibao.security.tokens import key_hash

REFUSALS = {
    "revoked": _("This token was revoked."),
    "password": _("This token stopped working when the password was changed."),
    "expired": _("This token has expired."),
}


class ApiTokenAuthentication(TokenAuthentication):
    keyword = "Token"
    model = ApiToken

    def authenticate_credentials(self, key: str):
        token = ApiToken.objects.select_related("user").filter(key_hash=key_hash(key)).first()
        if token is None or not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        state, _words = token_state(token)
        if state != "active":
            raise exceptions.AuthenticationFailed(REFUSALS[state])
        api_token_used(token)
        return (token.user, token)
