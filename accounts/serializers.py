"""Input validation and output shapes of the auth API. No writes, no tokens here."""

from django.contrib.auth import authenticate, password_validation
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, serializers

from accounts.exceptions import USERNAME_TAKEN
from accounts.models import Session, User

INVALID_CREDENTIALS = _("No active account found with the given credentials.")
PASSWORD_MAX_LENGTH = 4096


class UserOutputSerializer(serializers.Serializer):
    """``U`` in API.md: ``{"id", "username", "email"}``.

    /api/me/ is the hottest path: no ModelSerializer (it rebuilds its fields
    from the model on every call), and no per-field machinery either.
    """

    id = serializers.IntegerField(read_only=True)
    username = serializers.CharField(read_only=True)
    email = serializers.CharField(read_only=True, help_text="An email address, or empty.")

    def to_representation(self, user: User) -> dict:
        # The fields above describe the shape (OpenAPI); building it directly
        # skips DRF's per-call copy of every field.
        return {"id": user.pk, "username": user.username, "email": user.email}


def validate_new_password(password: str, user: User) -> None:
    try:
        password_validation.validate_password(password, user)
    except DjangoValidationError as exc:
        raise serializers.ValidationError(list(exc.messages)) from exc


class RegisterInputSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150, validators=[UnicodeUsernameValidator()])
    password = serializers.CharField(max_length=PASSWORD_MAX_LENGTH, trim_whitespace=False)
    email = serializers.EmailField(required=False, allow_blank=True, default="")

    def validate_username(self, value: str) -> str:
        username = User.normalize_username(value)
        if User.objects.filter(username__iexact=username).exists():
            raise serializers.ValidationError(USERNAME_TAKEN)
        return username

    def validate(self, attrs: dict) -> dict:
        candidate = User(username=attrs["username"], email=attrs.get("email", ""))
        try:
            validate_new_password(attrs["password"], candidate)
        except serializers.ValidationError as exc:
            raise serializers.ValidationError({"password": exc.detail}) from exc
        return attrs


class CredentialsInputSerializer(serializers.Serializer):
    """Checks a username and password through Django's backends; one message for every failure."""

    username = serializers.CharField(max_length=150, trim_whitespace=False)
    password = serializers.CharField(max_length=PASSWORD_MAX_LENGTH, trim_whitespace=False)

    def validate(self, attrs: dict) -> dict:
        user = authenticate(
            self.context.get("request"),
            username=User.normalize_username(attrs["username"]),
            password=attrs["password"],
        )
        if user is None:
            raise exceptions.AuthenticationFailed(INVALID_CREDENTIALS, code="invalid_credentials")
        attrs["user"] = user
        return attrs


class LoginInputSerializer(CredentialsInputSerializer):
    remember = serializers.BooleanField(required=False, default=True)


class PasswordChangeInputSerializer(serializers.Serializer):
    old_password = serializers.CharField(max_length=PASSWORD_MAX_LENGTH, trim_whitespace=False)
    new_password = serializers.CharField(max_length=PASSWORD_MAX_LENGTH, trim_whitespace=False)

    def validate_old_password(self, value: str) -> str:
        if not self.context["request"].user.check_password(value):
            raise serializers.ValidationError(_("Your old password was entered incorrectly."))
        return value

    def validate_new_password(self, value: str) -> str:
        validate_new_password(value, self.context["request"].user)
        return value


class RefreshInputSerializer(serializers.Serializer):
    refresh = serializers.CharField(max_length=8192)


class TokenPairOutputSerializer(serializers.Serializer):
    access = serializers.CharField()
    refresh = serializers.CharField()


class ExpiriesOutputSerializer(serializers.Serializer):
    access_expires = serializers.DateTimeField()
    refresh_expires = serializers.DateTimeField()


class LoginOutputSerializer(ExpiriesOutputSerializer):
    user = UserOutputSerializer()


class SessionOutputSerializer(serializers.ModelSerializer):
    """A device: one live session, ``current`` when it is the caller's own."""

    current = serializers.SerializerMethodField()

    class Meta:
        model = Session
        fields = ["id", "created_at", "last_used_at", "expires_at", "user_agent", "ip_address", "current"]
        read_only_fields = fields

    def get_current(self, session: Session) -> bool:
        return str(session.pk) == self.context.get("current_session_id")


class RegisterOutputSerializer(serializers.Serializer):
    user = UserOutputSerializer()


class JwkSerializer(serializers.Serializer):
    kty = serializers.CharField()
    kid = serializers.CharField()
    use = serializers.CharField()
    alg = serializers.CharField()
    n = serializers.CharField(required=False)
    e = serializers.CharField(required=False)
    crv = serializers.CharField(required=False)
    x = serializers.CharField(required=False)
    y = serializers.CharField(required=False)


class JwksOutputSerializer(serializers.Serializer):
    keys = JwkSerializer(many=True)
