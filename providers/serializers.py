"""Output shapes of the providers API."""

from rest_framework import serializers


class ProviderOutputSerializer(serializers.Serializer):
    id = serializers.CharField()
    name = serializers.CharField()
    login_url = serializers.CharField(help_text="Opens the provider's sign-in in the browser (a navigation, not XHR).")


class AuthorizeOutputSerializer(serializers.Serializer):
    authorize_url = serializers.CharField(help_text="Where to send the browser (to link the identity, or to confirm).")


class IdentityOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    provider = serializers.CharField(source="provider_id")
    provider_name = serializers.CharField()
    email = serializers.CharField()
    linked_at = serializers.DateTimeField()
    last_used_at = serializers.DateTimeField(allow_null=True)


class ProviderReauthenticateInputSerializer(serializers.Serializer):
    next = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=1000,
        help_text="A path on this site to come back to, confirmed (default /account/).",
    )
