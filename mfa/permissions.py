"""Permission policies of the mfa app: what only a second factor may undo."""

from django.utils.translation import gettext_lazy as _
from rest_framework import permissions

from accounts.permissions import ReauthenticationRequired, recently_authenticated
from accounts.tokens import ONE_TIME_CODE, PASSKEY, RECOVERY_CODE

# amr values that prove a second factor (a passkey is two on its own).
SECOND_FACTORS = {ONE_TIME_CODE, RECOVERY_CODE, PASSKEY}
SECOND_FACTOR_NEEDED = _("Confirm it is you with your second factor (a code or a passkey), then try again.")


def second_factor_methods(user) -> list[str]:
    """How ``user`` can prove a second factor when re-authenticating (``POST /api/auth/reauthenticate/``)."""
    methods = ["totp", "recovery_code"] if user.totp_enabled else []
    return [*methods, "passkey"] if user.passkey_count else methods


class RecentlySecondFactor(permissions.BasePermission):
    """Use after ``RecentlyAuthenticated``: with a second factor on the account, that recent proof included one.

    Else 403 ``reauthentication_required`` with the ``methods`` that would
    do, so that a password alone, known to a thief, cannot turn two-factor
    off or mint new recovery codes.
    """

    def has_permission(self, request, view) -> bool:
        methods = second_factor_methods(request.user)
        if not methods:
            return True
        amr = request.auth.get("amr") if request.auth is not None else None
        if recently_authenticated(request.auth) and isinstance(amr, list) and SECOND_FACTORS.intersection(amr):
            return True
        raise ReauthenticationRequired(SECOND_FACTOR_NEEDED, methods=methods)
