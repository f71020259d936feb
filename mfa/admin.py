"""Admin: a user's passkeys on their page (removable), "Remove two-factor" as a button there and as a bulk action.

Added to accounts' user admin through its seam (accounts/admin/user_page.py);
accounts never imports mfa. No page shows a TOTP secret, a recovery code or a
passkey's key material: TOTP devices, recovery codes and ceremony state have
no admin at all, and passkeys show only their name and dates.
"""

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from accounts.admin import display
from accounts.admin.user_page import UserTool, user_page
from accounts.audit import audit
from accounts.client import client_info
from accounts.models import User
from mfa import audit as mfa_audit
from mfa.exceptions import LastSignInMethod
from mfa.models import Passkey
from mfa.passkeys.services import passkey_delete
from mfa.totp.services import totp_remove


class PasskeyFormSet(BaseInlineFormSet):
    """Deletes a ticked passkey through the rules (the passkey count, the notice), audited as the staff member."""

    request: HttpRequest  # set by PasskeyInline.get_formset

    def delete_existing(self, obj: Passkey, commit: bool = True) -> None:
        if not commit:
            return
        try:
            deleted = passkey_delete(passkey=obj, client=None)
        except LastSignInMethod as exc:
            messages.error(self.request, exc.message)
            return
        if deleted:
            audit(
                mfa_audit.PASSKEY_REMOVED,
                client=client_info(self.request),
                user_id=obj.user_id,
                passkey_id=obj.pk,
                by="admin",
                admin_id=self.request.user.pk,
            )


class PasskeyInline(admin.TabularInline):
    """The user's passkeys: name and dates only. Ticking "Delete" removes one, as its owner could."""

    model = Passkey
    formset = PasskeyFormSet
    fields = ["name", "added", "last_used", "used_over"]
    readonly_fields = fields
    extra = 0
    can_delete = True
    verbose_name_plural = _("passkeys")

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    @admin.display(description=_("added"))
    def added(self, passkey: Passkey):
        return display.compact_time(passkey.created_at)

    @admin.display(description=_("last used"))
    def last_used(self, passkey: Passkey):
        return display.time_ago(passkey.last_used_at)

    @admin.display(description=_("used over"))
    def used_over(self, passkey: Passkey) -> str:
        return ", ".join(passkey.transports) or "-"

    def get_formset(self, request: HttpRequest, obj=None, **kwargs):
        return type("PasskeyFormSet", (super().get_formset(request, obj, **kwargs),), {"request": request})


def remove_two_factor_from(request: HttpRequest, user: User) -> bool:
    """Turns the user's two-factor off and signs them out everywhere; whether it was on."""
    if not totp_remove(user=user):
        return False
    audit(
        mfa_audit.TWO_FACTOR_DISABLED,
        client=client_info(request),
        user_id=user.pk,
        by="admin",
        admin_id=request.user.pk,
        sessions_revoked=True,
    )
    return True


@admin.action(description=_("Remove two-factor"), permissions=["change"])
def remove_two_factor(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[User]) -> None:
    removed = sum(remove_two_factor_from(request, user) for user in queryset.filter(totp_enabled=True))
    modeladmin.message_user(
        request,
        _("Two-factor removed for %(count)d user(s); their recovery codes are deleted, they are logged out everywhere.")
        % {"count": removed},
        messages.SUCCESS,
    )


def _remove_two_factor_tool(request: HttpRequest, user: User) -> str:
    if remove_two_factor_from(request, user):
        return _("Two-factor removed for %(user)s; they are logged out everywhere.") % {"user": user}
    return _("%(user)s had no two-factor to remove.") % {"user": user}


REMOVE_TWO_FACTOR = UserTool(
    name="remove_two_factor",
    label=_("Remove two-factor"),
    question=_("Remove two-factor for %(user)s?"),
    consequences=[
        _("Their authenticator app's secret and their recovery codes are deleted; their passkeys stay."),
        _("They are logged out everywhere: every session revoked, every access token refused within a second."),
        _("They sign in with their password alone until they turn two-factor on again, and get an email saying so."),
    ],
    perform=_remove_two_factor_tool,
    shown=lambda user: user.totp_enabled,
)

user_page.add(inlines=[PasskeyInline], tools=[REMOVE_TWO_FACTOR], actions=[remove_two_factor])
