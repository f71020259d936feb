"""Domain errors of login sessions, kept apart from HTTP.

The views translate them to DRF exceptions (401 with ``WWW-Authenticate``)
with ``raise ... from``; ``code`` is stable and ends up in the JSON body.
"""

from django.utils.translation import gettext_lazy as _

USERNAME_TAKEN = _("A user with that username already exists.")
EMAIL_TAKEN = _("An account with that email address already exists.")


class SessionError(Exception):
    """A refresh token or session that cannot be used."""

    code = "token_not_valid"
    message = _("Token is invalid or expired.")

    def __init__(
        self, message: str | None = None, *, session_id: str | None = None, user_id: int | None = None
    ) -> None:
        if message is not None:
            self.message = message
        # Which session it concerns, when known: for the audit trail.
        self.session_id = session_id
        self.user_id = user_id
        super().__init__(str(self.message))


class InvalidRefreshToken(SessionError):
    code = "token_not_valid"
    message = _("Refresh token is invalid or expired.")


class SessionRevoked(SessionError):
    code = "session_revoked"
    message = _("This session has been revoked. Log in again.")


class SessionExpired(SessionError):
    code = "session_expired"
    message = _("This session has expired. Log in again.")


class RefreshTokenReused(SessionError):
    code = "token_reused"
    message = _("Refresh token was already used; the session has been revoked. Log in again.")


class UserInactive(SessionError):
    code = "user_inactive"
    message = _("User is inactive.")


class KeyProofRequired(SessionError):
    """The session is bound to a device key and the caller proved no possession of it (or of another key)."""

    code = "key_proof_required"
    message = _("This session is bound to a device key; renewing it needs a proof of possession of that key.")
