"""Portal-level API views: token sign-in and sign-out, the caller's own tokens, and the JSON
404 for unknown API addresses."""

from django.contrib.auth import logout
from django.http import JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.exceptions import Throttled
from rest_framework.permissions import IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from portal import auth, tokens
from portal.middleware import client_ip
from portal.models import ApiToken


class TokenSerializer(serializers.ModelSerializer):
    """One of the caller's tokens: never its secret, only its first characters."""

    idle_expires_at = serializers.SerializerMethodField(
        help_text="When the token lapses unless it is used before (at most `expires_at`)."
    )
    current = serializers.SerializerMethodField(
        help_text="Whether this request was authenticated with this token."
    )

    class Meta:
        model = ApiToken
        fields = ["id", "prefix", "name", "created_at", "last_used_at", "expires_at",
                  "idle_expires_at", "current"]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.DATETIME)
    def get_idle_expires_at(self, token):
        return serializers.DateTimeField().to_representation(tokens.idle_expires_at(token))

    def get_current(self, token) -> bool:
        auth_token = getattr(self.context.get("request"), "auth", None)
        return isinstance(auth_token, ApiToken) and auth_token.pk == token.pk


class ObtainTokenView(APIView):
    """Exchange a username and password for a new token for `Authorization: Token …`.

    Each sign-in issues its own token (one per device or client), shown only in this
    answer; it ends when unused for API_TOKEN_IDLE_HOURS, at API_TOKEN_MAX_AGE_DAYS, on
    `POST /api/v1/auth/logout/`, on revocation, and when the password changes.
    """

    # Open to everyone, and deaf to a stale `Authorization` header a client still sends.
    authentication_classes = ()
    permission_classes = ()
    throttle_classes = ()
    renderer_classes = (JSONRenderer,)
    # Repeated failures are throttled (portal.auth): 429 until the window passes.
    extra_error_codes = frozenset({429})

    @extend_schema(
        request=inline_serializer(
            "TokenRequest",
            {
                "username": serializers.CharField(),
                "password": serializers.CharField(),
                "name": serializers.CharField(
                    required=False, max_length=64,
                    help_text="What the token is for (a device's name); the User-Agent when "
                              "absent.",
                ),
            },
        ),
        responses=inline_serializer("TokenResponse", {
            "token": serializers.CharField(),
            "id": serializers.IntegerField(),
            "prefix": serializers.CharField(),
            "expires_at": serializers.DateTimeField(),
            "idle_expires_at": serializers.DateTimeField(),
        }),
    )
    def post(self, request, *args, **kwargs):
        # A body that is not a JSON object (a list, a number) is the serializer's 400.
        data = request.data if hasattr(request.data, "get") else {}
        username = str(data.get("username", ""))
        if username and auth.blocked(username, client_ip(request)):
            raise Throttled(detail=str(auth.THROTTLED_MESSAGE))
        serializer = AuthTokenSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        name = data.get("name")
        if not isinstance(name, str) or not name.strip():
            name = request.META.get("HTTP_USER_AGENT", "")
        user = serializer.validated_data["user"]
        token, secret = tokens.token_issue(user=user, actor=user, name=name.strip()[:64])
        return Response({
            "token": secret,
            "id": token.pk,
            "prefix": token.prefix,
            "expires_at": serializers.DateTimeField().to_representation(token.expires_at),
            "idle_expires_at": serializers.DateTimeField().to_representation(
                tokens.idle_expires_at(token)
            ),
        })


class LogoutView(APIView):
    """Sign out: the token this request carries ends now (a browser session ends instead)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses={204: None})
    def post(self, request, *args, **kwargs):
        if isinstance(request.auth, ApiToken):
            tokens.token_revoke(token=request.auth, actor=request.user,
                                reason=tokens.Reason.LOGOUT)
        else:
            logout(request._request)
        return Response(status=status.HTTP_204_NO_CONTENT)


class TokenViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin,
                   mixins.DestroyModelMixin, viewsets.GenericViewSet):
    """The caller's own API tokens: list them, and revoke one with DELETE (administrators
    manage everyone's in the admin)."""

    queryset = ApiToken.objects.all()
    serializer_class = TokenSerializer
    permission_classes = [IsAuthenticated]

    def get_queryset(self):
        return ApiToken.objects.visible_to(self.request.user)

    def perform_destroy(self, instance):
        current = isinstance(self.request.auth, ApiToken) and self.request.auth.pk == instance.pk
        tokens.token_revoke(
            token=instance, actor=self.request.user,
            reason=tokens.Reason.LOGOUT if current else tokens.Reason.REVOKED,
        )


@csrf_exempt  # it changes nothing, and must not answer an unsafe method with an HTML 403
def not_found(request, *args, **kwargs):
    """Any /api/v1/ address no route matches: a JSON 404 like the API's own, not a page."""
    return JsonResponse({"detail": _("Not found.")}, status=404)
