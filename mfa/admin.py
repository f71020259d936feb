"""Admin: a user's passkeys on their page (removable), and the "Remove two-factor" action.

The user admin is accounts', extended here and registered in its place (mfa
comes after accounts in INSTALLED_APPS). No page shows a TOTP secret, a
recovery code or a passkey's key material: TOTP devices, recovery codes and
ceremony state have no admin at all, and passkeys show only their name and dates.
"""

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from accounts.admin import UserAdmin as AccountsUserAdmin
from accounts.audit import audit
from accounts.client import client_info
from accounts.models import User
from mfa import audit as mfa_audit
from mfa.exceptions import LastSignInMethod
from mfa.models import Passkey
from mfa.passkeys.services import passkey_delete
from mfa.totp.services import totp_disable


class PasskeyInline(admin.TabularInline):
    """The user's passkeys: name and dates only. Ticking "Delete" removes one, as its owner could."""

    model = Passkey
    fields = ["name", "created_at", "last_used_at", "transports"]
    readonly_fields = fields
    extra = 0
    can_delete = True
    verbose_name_plural = _("passkeys")

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


class UserAdmin(AccountsUserAdmin):
    """accounts' user admin plus passkeys and "Remove two-factor"."""

    inlines = [*AccountsUserAdmin.inlines, PasskeyInline]
    actions = [*AccountsUserAdmin.actions, "remove_two_factor"]
    list_display = [*AccountsUserAdmin.list_display, "totp_enabled"]
    list_filter = [*AccountsUserAdmin.list_filter, "totp_enabled"]
    readonly_fields = [*AccountsUserAdmin.readonly_fields, "totp_enabled", "passkey_count"]
    fieldsets = [
        *AccountsUserAdmin.fieldsets,
        (_("Passkeys and two-factor"), {"fields": ("totp_enabled", "passkey_count")}),
    ]

    def save_formset(self, request: HttpRequest, form, formset, change: bool) -> None:
        if formset.model is not Passkey:
            return super().save_formset(request, form, formset, change)
        # Through the service, so the user's passkey count, the notice and the audit follow.
        formset.save(commit=False)
        for passkey in formset.deleted_objects:
            try:
                deleted = passkey_delete(passkey=passkey, client=None)
            except LastSignInMethod as exc:
                self.message_user(request, exc.message, messages.ERROR)
                continue
            if deleted:
                audit(
                    mfa_audit.PASSKEY_REMOVED,
                    client=client_info(request),
                    user_id=passkey.user_id,
                    passkey_id=passkey.pk,
                    by="admin",
                    admin_id=request.user.pk,
                )
        return None

    @admin.action(description=_("Remove two-factor"), permissions=["change"])
    def remove_two_factor(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        removed = 0
        for user in queryset.filter(totp_enabled=True):
            if totp_disable(user=user, client=None):
                removed += 1
                audit(
                    mfa_audit.TWO_FACTOR_DISABLED,
                    client=client_info(request),
                    user_id=user.pk,
                    by="admin",
                    admin_id=request.user.pk,
                )
        self.message_user(
            request,
            _("Two-factor removed for %(count)d user(s); their recovery codes are deleted.") % {"count": removed},
            messages.SUCCESS,
        )


if admin.site.is_registered(User):
    admin.site.unregister(User)
admin.site.register(User, UserAdmin)
