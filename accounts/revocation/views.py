"""``GET /api/auth/revocations/``: the revocation feed that verifying-only servers on their own database follow."""

import hmac

from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import build_bearer_security_scheme_object
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, serializers
from rest_framework.authentication import BaseAuthentication
from rest_framework.permissions import IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import conf
from accounts.revocation import store
from accounts.throttles import RevocationFeedThrottle
from jwtsite.openapi import errors

WWW_AUTHENTICATE = 'Bearer realm="revocations"'
FEED_KEY_REQUIRED = _("A valid revocation feed key is required.")


class FeedReader:
    """Whoever holds ``REVOCATION_FEED_KEY``: another server, not a user."""

    is_authenticated = True
    is_active = True
    pk = None


class RevocationFeedKeyAuthentication(BaseAuthentication):
    """``Authorization: Bearer <REVOCATION_FEED_KEY>``; with no key configured the feed is closed."""

    def authenticate(self, request: Request) -> tuple[FeedReader, None]:
        key = conf.REVOCATION_FEED_KEY
        scheme, _space, presented = request.headers.get("Authorization", "").partition(" ")
        if not key or scheme != "Bearer" or not hmac.compare_digest(presented.encode(), key.encode()):
            raise exceptions.AuthenticationFailed(FEED_KEY_REQUIRED, code="feed_key_invalid")
        return FeedReader(), None

    def authenticate_header(self, request: Request) -> str:
        return WWW_AUTHENTICATE


class RevocationFeedKeyScheme(OpenApiAuthenticationExtension):
    target_class = RevocationFeedKeyAuthentication
    name = "revocationFeedKey"

    def get_security_definition(self, auto_schema):
        return build_bearer_security_scheme_object(header_name="Authorization", token_prefix="Bearer")


class RevocationFeedInputSerializer(serializers.Serializer):
    after = serializers.CharField(required=False, max_length=4096, help_text="The `cursor` of the previous answer.")
    limit = serializers.IntegerField(required=False, min_value=1, max_value=store.PAGE_SIZE, default=store.PAGE_SIZE)

    def validate_after(self, value: str) -> store.Cursor:
        try:
            return store.Cursor.decode(value)
        except ValueError as exc:
            raise serializers.ValidationError(_("Not a cursor this feed gave out.")) from exc


class SessionRevocationSerializer(serializers.Serializer):
    sid = serializers.UUIDField()
    until = serializers.DateTimeField()


class UserRevocationSerializer(serializers.Serializer):
    user_id = serializers.IntegerField()
    min_ver = serializers.IntegerField()
    until = serializers.DateTimeField()


class RevocationFeedOutputSerializer(serializers.Serializer):
    """A page of the feed; built directly in ``to_representation`` (a first page can hold 10,000 entries)."""

    cursor = serializers.CharField(help_text="Opaque: pass it as `after` to get what came next.")
    sessions = SessionRevocationSerializer(many=True)
    users = UserRevocationSerializer(many=True)

    def to_representation(self, changes: store.Changes) -> dict:
        return {
            "cursor": changes.cursor.encode(),
            "sessions": [{"sid": sid, "until": _iso(until)} for sid, until in changes.entries.sessions.items()],
            "users": [
                {"user_id": user_id, "min_ver": min_ver, "until": _iso(until)}
                for user_id, (min_ver, until) in changes.entries.users.items()
            ],
        }


def _iso(epoch: int) -> str:
    from datetime import UTC, datetime

    return datetime.fromtimestamp(epoch, tz=UTC).isoformat().replace("+00:00", "Z")


class RevocationFeedView(APIView):
    """Revocations still in force (without ``after``) or recorded since ``after``; at most ``limit`` entries.

    A page holding ``limit`` entries means more follow: ask again at once
    with its cursor.
    """

    authentication_classes = [RevocationFeedKeyAuthentication]
    permission_classes = [IsAuthenticated]
    throttle_classes = [RevocationFeedThrottle]
    renderer_classes = [JSONRenderer]

    @extend_schema(
        tags=["auth"],
        parameters=[
            OpenApiParameter("after", str, description="The previous answer's `cursor`; omit for everything in force."),
            OpenApiParameter("limit", int, description=f"At most this many entries (1-{store.PAGE_SIZE})."),
        ],
        responses={200: RevocationFeedOutputSerializer, **errors(400, 401, 429)},
    )
    def get(self, request: Request) -> Response:
        data = RevocationFeedInputSerializer(data=request.query_params)
        data.is_valid(raise_exception=True)
        changes = store.changes(data.validated_data.get("after"), limit=data.validated_data["limit"])
        return Response(RevocationFeedOutputSerializer(changes).data)
