"""Input validation and output shapes of the auth API. No writes, no tokens here."""

from django.contrib.auth import authenticate, password_validation
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, serializers

from accounts import conf, identity, selectors
from accounts.devices import describe_user_agent
from accounts.exceptions import USERNAME_TAKEN
from accounts.models import Session, User

INVALID_CREDENTIALS = _("No active account found with the given credentials.")
WRONG_PASSWORD = _("The password is not right.")
EMAIL_REQUIRED = _("An email address is required: you will need to verify it to sign in.")
PASSWORD_MAX_LENGTH = 4096


class SignInMethodsOutputSerializer(serializers.Serializer):
    """``U.mfa``: whether two-factor (TOTP) is on, and how many passkeys the user has."""

    totp = serializers.BooleanField(read_only=True)
    passkeys = serializers.IntegerField(read_only=True, min_value=0)


class UserOutputSerializer(serializers.Serializer):
    """``U`` in API.md: ``{"id", "username", "email", "email_verified", "mfa": {"totp", "passkeys"}}``.

    /api/me/ is the hottest path: no ModelSerializer (it rebuilds its fields
    from the model on every call), and no per-field machinery either.
    """

    id = serializers.IntegerField(read_only=True)
    username = serializers.CharField(read_only=True)
    email = serializers.CharField(
        read_only=True,
        help_text="An email address, or empty. Right after registering with an address another account "
        "holds, that address, never verified: the answer does not tell whether it was taken.",
    )
    email_verified = serializers.BooleanField(read_only=True, help_text="Whether a link sent to `email` was followed.")
    mfa = SignInMethodsOutputSerializer(read_only=True, help_text="The user's stronger sign-in methods.")

    def to_representation(self, user: User) -> dict:
        return user_body(user)


def user_body(user: User) -> dict:
    """``U`` for ``user``: what ``UserOutputSerializer`` gives, without a serializer instance.

    The serializer's fields describe the shape (OpenAPI); /api/me/ builds it
    directly, skipping DRF's per-call copy of every field and the instance.
    """
    return {
        "id": user.pk,
        "username": user.username,
        # A verifying-only server's ClaimsUser has no held address.
        "email": user.email or getattr(user, "unconfirmed_email", ""),
        "email_verified": bool(user.email_verified),
        "mfa": {"totp": bool(user.totp_enabled), "passkeys": user.passkey_count},
    }


def validate_new_password(password: str, user: User) -> None:
    try:
        password_validation.validate_password(password, user)
    except DjangoValidationError as exc:
        raise serializers.ValidationError(list(exc.messages)) from exc


class EmailAddressField(serializers.EmailField):
    """An email address in its canonical form (accounts/identity.py): a format character is a 400 naming it."""

    def to_internal_value(self, data) -> str:
        try:
            return identity.email_canonical(super().to_internal_value(data))
        except DjangoValidationError as exc:
            raise serializers.ValidationError(list(exc.messages)) from exc


def free_username(value: str, *, holder: User | None = None) -> str:
    """``value`` if it may name a new account (or rename ``holder``); raises the field's ``ValidationError``."""
    name = User.normalize_username(value)
    own = holder is not None and identity.username_key(name) == identity.username_key(holder.username)
    if not own and selectors.username_taken(username=name):
        raise serializers.ValidationError(USERNAME_TAKEN)
    if problem := identity.username_problem(value):
        raise serializers.ValidationError(list(problem.messages))
    return value


class UsernameChangeInputSerializer(serializers.Serializer):
    username = serializers.CharField(
        max_length=150,
        validators=[UnicodeUsernameValidator()],
        help_text="The new name, under the same rules as at registration; a change of capitals alone is allowed.",
    )

    def validate_username(self, value: str) -> str:
        return free_username(value, holder=self.context["user"])


class RegisterInputSerializer(serializers.Serializer):
    username = serializers.CharField(
        max_length=150,
        validators=[UnicodeUsernameValidator()],
        help_text="Unique however it is capitalised; kept as typed. Refused (400) when taken, when NFKC would "
        "change it (the answer names the form to type) or when it mixes look-alike letters of two scripts.",
    )
    password = serializers.CharField(max_length=PASSWORD_MAX_LENGTH, trim_whitespace=False)
    email = EmailAddressField(
        required=False,
        allow_blank=True,
        default="",
        help_text="Optional (required with `EMAIL_VERIFICATION=mandatory`). Whether another account holds it or "
        "not, the answer is the same 201: a free address becomes the account's, unverified, and gets a "
        "verification link; a taken one is shown back but never becomes this account's, and its owner "
        "gets a mail saying someone tried to sign up with it.",
    )

    def validate_username(self, value: str) -> str:
        return free_username(value)

    def validate_email(self, value: str) -> str:
        if not value and conf.EMAIL_VERIFICATION == "mandatory":
            # Sign-in needs a verified address: without one the account could never sign in.
            raise serializers.ValidationError(EMAIL_REQUIRED)
        return value

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


class TokenObtainInputSerializer(CredentialsInputSerializer):
    otp = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=64,
        trim_whitespace=False,
        help_text="The second factor when the account has it on: a code from the authenticator app "
        "or a recovery code (the second-factor sign-in stage reads it; without it: 401 `mfa_required`).",
    )


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


class ReauthenticateInputSerializer(serializers.Serializer):
    """Checks the signed-in user's password again; a wrong one is a 401 (it is a credential check)."""

    password = serializers.CharField(max_length=PASSWORD_MAX_LENGTH, trim_whitespace=False)

    def validate_password(self, value: str) -> str:
        if not self.context["request"].user.check_password(value):
            raise exceptions.AuthenticationFailed(WRONG_PASSWORD, code="invalid_credentials")
        return value


class ReauthenticateProofSerializer(serializers.Serializer):
    """What ``POST /api/auth/reauthenticate/`` takes: proofs, by any of ``REAUTHENTICATION_METHODS``.

    Only documents the body; each method's prover validates its own field.
    """

    password = serializers.CharField(required=False, max_length=PASSWORD_MAX_LENGTH, trim_whitespace=False)
    assertion = serializers.DictField(
        required=False,
        help_text="A passkey's answer (`navigator.credentials.get()`, JSON, base64url) to the options of "
        "`POST /api/auth/passkeys/reauthenticate/options/`.",
    )
    code = serializers.CharField(
        required=False,
        max_length=64,
        help_text="A code from the authenticator app, or a recovery code: a second factor, which turning "
        "two-factor off and new recovery codes need when the account has one.",
    )


class RefreshInputSerializer(serializers.Serializer):
    refresh = serializers.CharField(max_length=8192)


class TokenPairOutputSerializer(serializers.Serializer):
    access = serializers.CharField()
    refresh = serializers.CharField()
    token_type = serializers.CharField(
        required=False,
        help_text='"DPoP" when the request carried a DPoP proof (RFC 9449): both tokens are bound to its key '
        "(`cnf.jkt`) and the access token is accepted only as `Authorization: DPoP <access>` with a proof. "
        "Absent for unbound (Bearer) tokens.",
    )


class ExpiriesOutputSerializer(serializers.Serializer):
    access_expires = serializers.DateTimeField()
    refresh_expires = serializers.DateTimeField()


class ReauthenticateOutputSerializer(ExpiriesOutputSerializer):
    access = serializers.CharField(required=False, help_text="Bearer clients only: the new access token.")
    refresh = serializers.CharField(required=False, help_text="Bearer clients only: the new refresh token.")


class LoginOutputSerializer(ExpiriesOutputSerializer):
    user = UserOutputSerializer()


class SessionOutputSerializer(serializers.ModelSerializer):
    """A device: one live session, ``current`` when it is the caller's own; ``device`` names it in words."""

    current = serializers.SerializerMethodField()
    device = serializers.SerializerMethodField(help_text='The user agent in words, e.g. "Chrome 156 on Linux".')
    bound = serializers.BooleanField(
        read_only=True, help_text="Bound to a key the device holds (DBSC or DPoP): copied tokens are useless elsewhere."
    )

    class Meta:
        model = Session
        fields = [
            *["id", "created_at", "last_used_at", "expires_at", "user_agent", "ip_address"],
            *["current", "device", "bound"],
        ]
        read_only_fields = fields

    def get_current(self, session: Session) -> bool:
        return str(session.pk) == self.context.get("current_session_id")

    def get_device(self, session: Session) -> str:
        return describe_user_agent(session.user_agent)


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
