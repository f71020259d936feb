"""Admin: a user's linked external identities on their page (removable), through accounts' seam (user_page)."""

from django.contrib import admin, messages
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from accounts.admin import display
from accounts.admin.user_page import user_page
from accounts.client import client_info
from providers import conf, services
from providers.exceptions import ProviderRefusal
from providers.models import ExternalIdentity


class IdentityFormSet(BaseInlineFormSet):
    """Unlinks a ticked identity through the rules (never the last way in; the notice), audited as the staff member."""

    request: HttpRequest  # set by ExternalIdentityInline.get_formset

    def delete_existing(self, obj: ExternalIdentity, commit: bool = True) -> None:
        if not commit:
            return
        try:
            services.identity_unlink(
                user=obj.user,
                identity_id=obj.pk,
                provider_names={each.id: each.name for each in conf.providers()},
                client=client_info(self.request),
                by_admin=self.request.user.pk,
            )
        except ProviderRefusal as exc:
            messages.error(self.request, exc.message)


class ExternalIdentityInline(admin.TabularInline):
    """The user's linked identities: provider, the provider's subject and address, dates."""

    model = ExternalIdentity
    formset = IdentityFormSet
    fields = ["provider_id", "subject", "email", "linked", "last_used"]
    readonly_fields = fields
    extra = 0
    can_delete = True
    verbose_name_plural = _("linked sign-in providers")

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    @admin.display(description=_("linked"))
    def linked(self, identity: ExternalIdentity):
        return display.compact_time(identity.linked_at)

    @admin.display(description=_("last used"))
    def last_used(self, identity: ExternalIdentity):
        return display.time_ago(identity.last_used_at)

    def get_formset(self, request: HttpRequest, obj=None, **kwargs):
        return type("IdentityFormSet", (super().get_formset(request, obj, **kwargs),), {"request": request})


user_page.add(inlines=[ExternalIdentityInline])
