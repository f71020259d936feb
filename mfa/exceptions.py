"""Domain errors of passkeys and two-factor, kept apart from HTTP.

The views (and the sign-in and re-authentication seams) map them to DRF
exceptions: a ``CeremonyError`` is the client's protocol mistake (400), a
``CredentialRejected`` a failed proof of identity (401), a ``StateConflict``
an action that does not fit the account's state (409). ``code`` is stable
and ends up in the JSON body.
"""

from django.utils.translation import gettext_lazy as _


class MfaError(Exception):
    code = "mfa_error"
    message = _("Something is wrong with this request.")

    def __init__(self, message: str | None = None) -> None:
        if message is not None:
            self.message = message
        super().__init__(str(self.message))


# 400: the ceremony itself is wrong (stale, replayed, made for another site, malformed).


class CeremonyError(MfaError):
    code = "webauthn_invalid"
    message = _("This passkey response cannot be used.")


class MalformedCredential(CeremonyError):
    code = "webauthn_malformed"
    message = _("This is not a WebAuthn credential response.")


class ChallengeInvalid(CeremonyError):
    code = "webauthn_challenge_invalid"
    message = _("This passkey request has expired or was already used; start again.")


class OriginMismatch(CeremonyError):
    code = "webauthn_origin_mismatch"
    message = _("This passkey response was made for another origin than this site's.")


class RpIdMismatch(CeremonyError):
    code = "webauthn_rp_id_mismatch"
    message = _("This passkey response was made for another relying party (RP ID) than this site.")


class CeremonyTypeMismatch(CeremonyError):
    code = "webauthn_type_mismatch"
    message = _("This passkey response belongs to another kind of ceremony.")


class UserNotVerified(CeremonyError):
    code = "webauthn_user_not_verified"
    message = _("The authenticator did not verify you (PIN, fingerprint, face): a passkey needs it.")


class PasskeyAlreadyRegistered(CeremonyError):
    code = "passkey_already_registered"
    message = _("This passkey is already registered.")


# 401: the proof of identity failed.


class CredentialRejected(MfaError):
    code = "passkey_rejected"
    message = _("This passkey was not accepted.")
    passkey = None  # the registered passkey that was refused, when there is one


class UnknownPasskey(CredentialRejected):
    code = "passkey_unknown"
    message = _("This passkey is not registered here, or not for this account.")


class PasskeyVerificationFailed(CredentialRejected):
    code = "passkey_rejected"
    message = _("This passkey's signature or user verification did not check out.")


class ClonedAuthenticator(CredentialRejected):
    code = "passkey_cloned"
    message = _("This passkey's signature counter went backwards: it may have been copied. It was refused.")

    def __init__(self, *, passkey=None, counted: int | None = None) -> None:
        super().__init__()
        # For the audit trail: which passkey, the count it showed and the one known.
        self.passkey = passkey
        self.counted = counted


class InactiveUser(CredentialRejected):
    code = "passkey_unknown"
    message = UnknownPasskey.message


class TicketInvalid(MfaError):
    code = "mfa_ticket_invalid"
    message = _("This sign-in has expired or was already finished; enter your password again.")


class CodeInvalid(MfaError):
    code = "invalid_code"
    message = _("That code is not right.")

    def __init__(self, message: str | None = None, *, attempts_left: int | None = None) -> None:
        super().__init__(message)
        self.attempts_left = attempts_left  # of a sign-in ticket; 0: it died with this one


# 409: the account is not in a state where this makes sense.


class StateConflict(MfaError):
    code = "conflict"


class TwoFactorAlreadyOn(StateConflict):
    code = "two_factor_already_on"
    message = _("Two-factor is already on; turn it off first to set it up again.")


class TwoFactorOff(StateConflict):
    code = "two_factor_off"
    message = _("Two-factor is off; turn it on first.")


class NoSetupToConfirm(StateConflict):
    code = "no_two_factor_setup"
    message = _("There is no two-factor setup to confirm; start again with “Turn on two-factor”.")


class LastSignInMethod(StateConflict):
    code = "last_sign_in_method"
    message = _("This is the account's only way to sign in; add a password or another passkey first.")
