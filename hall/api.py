"""API endpoints of the hall: tokens for integrations and who-am-I."""

from django.contrib.auth import authenticate
from drf_spectacular.utils import extend_schema
from rest_framework import permissions
from rest_framework.authtoken.models import Token
from rest_framework.response import Response
from rest_framework.views import APIView

from hall.errors import DomainError
from hall.frontdesk.selectors import windows_of
from hall.selectors import departments_of
from hall.serializers import MeSerializer, TokenRequestSerializer, TokenSerializer
from hall.throttling import AnonRateThrottle


class LoginThrottle(AnonRateThrottle):
    scope = "login"


class TokenView(APIView):
    """Exchange username and password for an API token (``Authorization: Token …``)."""

    authentication_classes = []
    permission_classes = [permissions.AllowAny]
    throttle_classes = [LoginThrottle]

    @extend_schema(request=TokenRequestSerializer, responses={200: TokenSerializer})
    def post(self, request):
        form = TokenRequestSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        # authenticate() with the request lets django-axes count and lock out failures.
        user = authenticate(request._request, **form.validated_data)
        if user is None or not user.is_active:
            raise DomainError("用户名或密码错误。", code="invalid_credentials")
        token, _ = Token.objects.get_or_create(user=user)
        return Response({"token": token.key})


class MeView(APIView):
    """The caller's username, roles and departments."""

    @extend_schema(responses={200: MeSerializer})
    def get(self, request):
        user = request.user
        data = {
            "username": user.username,
            "name": str(user),
            "roles": sorted(user.role_names),
            "departments": list(departments_of(user).values("code", "name")),
            "windows": [{"code": w.number, "name": w.name} for w in windows_of(user)],
        }
        return Response(MeSerializer(data).data)
