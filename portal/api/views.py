"""Portal-level API views: token sign-in, and the JSON 404 for unknown API addresses."""

from django.http import JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.exceptions import Throttled

from portal import auth
from portal.middleware import client_ip


class ObtainTokenView(ObtainAuthToken):
    """Exchange a username and password for the token used in `Authorization: Token …`."""

    # Repeated failures are throttled (portal.auth): 429 until the window passes.
    extra_error_codes = frozenset({429})

    @extend_schema(
        request=inline_serializer(
            "TokenRequest",
            {"username": serializers.CharField(), "password": serializers.CharField()},
        ),
        responses=inline_serializer("TokenResponse", {"token": serializers.CharField()}),
    )
    def post(self, request, *args, **kwargs):
        # A body that is not a JSON object (a list, a number) is the serializer's 400.
        data = request.data if hasattr(request.data, "get") else {}
        username = str(data.get("username", ""))
        if username and auth.blocked(username, client_ip(request)):
            raise Throttled(detail=str(auth.THROTTLED_MESSAGE))
        return super().post(request, *args, **kwargs)


@csrf_exempt  # it changes nothing, and must not answer an unsafe method with an HTML 403
def not_found(request, *args, **kwargs):
    """Any /api/v1/ address no route matches: a JSON 404 like the API's own, not a page."""
    return JsonResponse({"detail": _("Not found.")}, status=404)
