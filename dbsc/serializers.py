"""The shapes of dbsc's answers (the session instructions), for the OpenAPI schema and the answers alike."""

from rest_framework import serializers


class ScopeRuleSerializer(serializers.Serializer):
    type = serializers.CharField(help_text='"include" or "exclude" (jwtsite excludes its static files).')
    domain = serializers.CharField()
    path = serializers.CharField()


class ScopeSerializer(serializers.Serializer):
    origin = serializers.CharField(help_text="This site's origin: the session covers it alone.")
    include_site = serializers.BooleanField()
    scope_specification = ScopeRuleSerializer(many=True)


class CredentialSerializer(serializers.Serializer):
    type = serializers.CharField(help_text='Always "cookie".')
    name = serializers.CharField(help_text="The access cookie's name (`__Host-access_token` over HTTPS).")
    attributes = serializers.CharField(
        help_text="The attributes it is set with, e.g. `Path=/; Secure; HttpOnly; SameSite=Lax`."
    )


class SessionInstructionsSerializer(serializers.Serializer):
    session_identifier = serializers.CharField(help_text="The session's id (as in `GET /api/auth/sessions/`).")
    refresh_url = serializers.CharField()
    scope = ScopeSerializer()
    credentials = CredentialSerializer(many=True)
