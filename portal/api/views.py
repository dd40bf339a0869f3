"""Portal-level API views: token sign-in."""

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.exceptions import Throttled

from portal import auth
from portal.middleware import client_ip


class ObtainTokenView(ObtainAuthToken):
    """Exchange a username and password for the token used in `Authorization: Token …`."""

    @extend_schema(
        request=inline_serializer(
            "TokenRequest",
            {"username": serializers.CharField(), "password": serializers.CharField()},
        ),
        responses=inline_serializer("TokenResponse", {"token": serializers.CharField()}),
    )
    def post(self, request, *args, **kwargs):
        username = str(request.data.get("username", ""))
        if username and auth.blocked(username, client_ip(request)):
            raise Throttled(detail=str(auth.THROTTLED_MESSAGE))
        return super().post(request, *args, **kwargs)
