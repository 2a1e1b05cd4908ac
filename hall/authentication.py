"""The API's token authentication: DRF's ``TokenAuthentication`` with its token read compiled once
per process (``hall.prepared``; issue 22: every token-authenticated request reads the token and its
user, and Django compiled that join anew each time). Same answers: 401 for an unknown token or an
inactive user, ``WWW-Authenticate: Token``."""

from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions
from rest_framework.authtoken.models import Token

from hall.prepared import OneRow

_TOKEN = OneRow(lambda key: Token.objects.select_related("user").filter(key=key))


class TokenAuthentication(authentication.TokenAuthentication):
    def authenticate_credentials(self, key):
        token = _TOKEN.get(key)
        if token is None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        return (token.user, token)
