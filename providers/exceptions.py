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


class ProviderNotLinked(ProviderRefusal):
    """Re-authenticating at a provider where the signed-in user has no linked identity."""

    code = "provider_not_linked"
    message = _("No account at this provider is linked to yours: confirm it is you another way.")
    status = 409


class IdentityMismatch(ProviderRefusal):
    """A re-authentication proved someone at the provider who is not linked to the signed-in user."""

    code = "provider_identity_mismatch"
    message = _("You signed in at the provider as someone else: use the account you linked here.")
    status = 403


class SignInNotFresh(ProviderRefusal):
    """The provider says the user signed in before the re-authentication started: it did not ask again."""

    code = "provider_sign_in_not_fresh"
    message = _("The provider did not ask you to sign in again; try again.")
    status = 403


class SessionChanged(ProviderRefusal):
    """The browser's session here is not the one the re-authentication started from, or it ended meanwhile."""

    code = "provider_session_changed"
    message = _("You signed out or in again here meanwhile; start again.")
    status = 403
