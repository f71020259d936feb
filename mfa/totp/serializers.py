"""Input validation and output shapes of the two-factor API. No writes here."""

from rest_framework import serializers

from mfa.second_factor import CODE_MAX_LENGTH


class CodeInputSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=CODE_MAX_LENGTH, help_text="6 digits from the authenticator app.")


class SecondFactorInputSerializer(serializers.Serializer):
    code = serializers.CharField(
        max_length=CODE_MAX_LENGTH, help_text="6 digits from the authenticator app, or a recovery code."
    )


class TotpSetupOutputSerializer(serializers.Serializer):
    secret = serializers.CharField(help_text="The base32 secret, for typing into an authenticator app.")
    otpauth_uri = serializers.CharField(help_text="`otpauth://totp/...`, what the QR code holds.")
    qr_svg = serializers.CharField(help_text="The QR code of `otpauth_uri`, an SVG document.")


class RecoveryCodesOutputSerializer(serializers.Serializer):
    recovery_codes = serializers.ListField(
        child=serializers.CharField(), help_text="10 single-use codes, shown this once: keep them somewhere safe."
    )
