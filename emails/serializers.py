"""Inputs of the emailed-link endpoints. No writes here."""

from rest_framework import serializers

from accounts.serializers import PASSWORD_MAX_LENGTH, EmailAddressField

LINK_TOKEN_MAX_LENGTH = 1024


class EmailInputSerializer(serializers.Serializer):
    email = EmailAddressField(max_length=254)


class LinkTokenInputSerializer(serializers.Serializer):
    token = serializers.CharField(max_length=LINK_TOKEN_MAX_LENGTH, trim_whitespace=True)


class PasswordResetConfirmInputSerializer(LinkTokenInputSerializer):
    new_password = serializers.CharField(max_length=PASSWORD_MAX_LENGTH, trim_whitespace=False)


class AcceptedOutputSerializer(serializers.Serializer):
    detail = serializers.CharField()


class DetailCodeOutputSerializer(serializers.Serializer):
    detail = serializers.CharField()
    code = serializers.CharField()
