"""Input validation and output shapes of the passkey API. No writes here."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.settings import api_settings

from accounts.serializers import EmailAddressField, RegisterInputSerializer
from mfa.models import Passkey
from mfa.passkeys.services import NAME_MAX_LENGTH

CREDENTIAL_ID_MAX_LENGTH = 1400  # base64url of WebAuthn's 1023-byte maximum


class PublicKeyCredentialInputSerializer(serializers.Serializer):
    """A ``PublicKeyCredential`` as the browser's ``toJSON()`` gives it (binary values in base64url)."""

    id = serializers.CharField(max_length=CREDENTIAL_ID_MAX_LENGTH)
    rawId = serializers.CharField(max_length=CREDENTIAL_ID_MAX_LENGTH)
    type = serializers.ChoiceField(choices=["public-key"])
    response = serializers.DictField(help_text="`clientDataJSON` and `attestationObject` or `authenticatorData`, "
                                     "`signature`, `userHandle`, base64url.")  # fmt: skip
    authenticatorAttachment = serializers.CharField(required=False, allow_null=True, max_length=32)
    clientExtensionResults = serializers.DictField(required=False)


@extend_schema_field(PublicKeyCredentialInputSerializer)
class PublicKeyCredentialField(serializers.Field):
    """A ``PublicKeyCredential`` inside a body; its errors as one list of messages, as API.md's field errors are."""

    def to_internal_value(self, data) -> dict:
        credential = PublicKeyCredentialInputSerializer(data=data)
        if not credential.is_valid():
            raise serializers.ValidationError(
                [
                    str(message) if field == api_settings.NON_FIELD_ERRORS_KEY else f"{field}: {message}"
                    for field, messages in credential.errors.items()
                    for message in (messages if isinstance(messages, list) else [messages])
                ]
            )
        return credential.validated_data

    def to_representation(self, value) -> dict:
        return value


class PasskeyLoginInputSerializer(PublicKeyCredentialInputSerializer):
    """The assertion itself, and whether to keep the session past the browser's (as ``/login/``'s ``remember``)."""

    remember = serializers.BooleanField(required=False, default=True)


class PasskeyCreateInputSerializer(serializers.Serializer):
    name = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=NAME_MAX_LENGTH,
        help_text="What to call it; by default the browser and system it was made on.",
    )
    credential = PublicKeyCredentialField(help_text="The attestation: `navigator.credentials.create()`'s answer.")


class PasskeyRenameInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=NAME_MAX_LENGTH)


class ReauthenticateAssertionInputSerializer(serializers.Serializer):
    assertion = PublicKeyCredentialField(help_text="`navigator.credentials.get()`'s answer.")


class PasskeyOutputSerializer(serializers.ModelSerializer):
    """A passkey as its owner sees it: never key material."""

    class Meta:
        model = Passkey
        fields = ["id", "name", "created_at", "last_used_at"]
        read_only_fields = fields


class CredentialOptionsOutputSerializer(serializers.Serializer):
    """WebAuthn options (``PublicKeyCredentialCreationOptionsJSON`` or ``...RequestOptionsJSON``), base64url."""

    challenge = serializers.CharField()
    timeout = serializers.IntegerField(required=False)
    rpId = serializers.CharField(required=False)
    rp = serializers.DictField(required=False)
    user = serializers.DictField(required=False)
    pubKeyCredParams = serializers.ListField(child=serializers.DictField(), required=False)
    excludeCredentials = serializers.ListField(child=serializers.DictField(), required=False)
    allowCredentials = serializers.ListField(child=serializers.DictField(), required=False)
    authenticatorSelection = serializers.DictField(required=False)
    userVerification = serializers.CharField(required=False)
    attestation = serializers.CharField(required=False)


class PasskeySignUpOptionsInputSerializer(RegisterInputSerializer):
    """``POST /api/auth/register/``'s fields and rules, less the password; the address is required (recovery)."""

    password = None
    email = EmailAddressField(
        help_text="Required: the account has no password, so a lost passkey is recovered through this address "
        "(a password reset). Taken or free, the answers are the same, as registering's are."
    )

    def validate(self, attrs: dict) -> dict:
        return attrs


class PasskeySignUpInputSerializer(PasskeyCreateInputSerializer):
    """The attestation for the sign-up options (the account's details came with the options)."""
