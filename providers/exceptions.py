"""Domain refusals of the providers app, each with a stable ``code`` and a message a person can act on."""

from django.utils.translation import gettext_lazy as _


class ProviderRefusal(Exception):
    code = "provider_error"
    message = _("Signing in with this provider did not work; try again.")
    status = 400

    def __init__(self, message: str | None = None) -> None:
        if message is not None:
            self.message = message
        super().__init__(str(self.message))


class UnknownProvider(ProviderRefusal):
    code = "provider_unknown"
    message = _("There is no such sign-in provider.")
    status = 404


class FlowInvalid(ProviderRefusal):
    """No trip to the provider matches this answer: no or another browser's cookie, a wrong state, a replay."""

    code = "provider_state_invalid"
    message = _("This sign-in was not started in this browser, has expired or was already used; start again.")


class AccountExists(ProviderRefusal):
    """The provider's address belongs to an account here, but nothing proves that its owner is signing in."""

    code = "provider_account_exists"
    message = _(
        "An account here already uses this email address. Sign in to it the usual way, "
        "then link this provider from your account page."
    )
    status = 409


class IdentityTaken(ProviderRefusal):
    code = "provider_identity_taken"
    message = _("This account at the provider is already linked to another account here.")
    status = 409


class AccountInactive(ProviderRefusal):
    code = "account_inactive"
    message = _("This account is deactivated.")
    status = 403


class LastSignInMethod(ProviderRefusal):
    code = "last_sign_in_method"
    message = _("This is the account's only way to sign in; add a password or a passkey before unlinking it.")
    status = 409


class IdentityNotFound(ProviderRefusal):
    code = "not_found"
    message = _("Not found.")
    status = 404
