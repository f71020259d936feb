"""Admin: users with "Log out everywhere", login sessions with "Revoke selected sessions".

simplejwt's token admins are unregistered: no admin page shows a token.
"""

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken

from accounts import services
from accounts.audit import LOGGED_OUT_EVERYWHERE, SESSION_REVOKED, audit
from accounts.client import client_info
from accounts.devices import describe_user_agent
from accounts.models import Session, User

for model in (OutstandingToken, BlacklistedToken):
    if admin.site.is_registered(model):
        admin.site.unregister(model)


class SessionStateFilter(admin.SimpleListFilter):
    title = _("state")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [("live", _("Live")), ("revoked", _("Revoked")), ("expired", _("Expired"))]

    def queryset(self, request, queryset):
        now = timezone.now()
        if self.value() == "live":
            return queryset.filter(revoked_at__isnull=True, expires_at__gt=now)
        if self.value() == "revoked":
            return queryset.filter(revoked_at__isnull=False)
        if self.value() == "expired":
            return queryset.filter(revoked_at__isnull=True, expires_at__lte=now)
        return queryset


SESSION_FIELDS = ["created_at", "last_used_at", "expires_at", "revoked_at", "ip_address", "user_agent"]


@admin.register(Session)
class SessionAdmin(admin.ModelAdmin):
    """Login sessions; no field here can be turned into a working token."""

    list_display = ["user", "state", "device", "created_at", "last_used_at", "expires_at", "ip_address", "user_agent"]
    list_filter = [SessionStateFilter]
    list_select_related = ["user"]
    search_fields = ["user__username"]
    fields = ["user", "state", "device", *SESSION_FIELDS, "auth_time", "amr", "remember"]
    readonly_fields = fields
    actions = ["revoke_sessions"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    @admin.display(description=_("state"))
    def state(self, session: Session) -> str:
        return session.state

    @admin.display(description=_("device"))
    def device(self, session: Session) -> str:
        return describe_user_agent(session.user_agent)

    @admin.action(description=_("Revoke selected sessions"), permissions=["delete"])
    def revoke_sessions(self, request: HttpRequest, queryset: QuerySet[Session]) -> None:
        live = list(queryset.filter(revoked_at__isnull=True).values_list("pk", "user_id"))
        count = services.session_revoke(sessions=queryset)
        client = client_info(request)
        for session_id, user_id in live:
            audit(
                SESSION_REVOKED,
                client=client,
                user_id=user_id,
                session_id=session_id,
                by="admin",
                admin_id=request.user.pk,
            )
        self.message_user(request, _("Revoked %(count)d session(s).") % {"count": count}, messages.SUCCESS)


class SessionInline(admin.TabularInline):
    model = Session
    fields = ["state", "device", *SESSION_FIELDS]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True
    ordering = ["-created_at"]

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    @admin.display(description=_("state"))
    def state(self, session: Session) -> str:
        return session.state

    @admin.display(description=_("device"))
    def device(self, session: Session) -> str:
        return describe_user_agent(session.user_agent)


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    """Django's user admin plus the user's sessions and "Log out everywhere"."""

    inlines = [SessionInline]
    actions = ["revoke_all_sessions"]
    list_display = [*DjangoUserAdmin.list_display, "email_verified"]
    list_filter = [*DjangoUserAdmin.list_filter, "email_verified"]
    fieldsets = [
        *(
            (name, {**options, "fields": (*options["fields"], "email_verified")})
            if options["fields"] == ("first_name", "last_name", "email")
            else (name, options)
            for name, options in DjangoUserAdmin.fieldsets
        )
    ]

    def save_model(self, request: HttpRequest, obj: User, form, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if change and "is_active" in form.changed_data and not obj.is_active:
            # Deactivation already rejects every token; revoking the sessions as
            # well means reactivating the account does not bring them back.
            services.user_sessions_revoke_all(user=obj)
            audit(
                LOGGED_OUT_EVERYWHERE,
                client=client_info(request),
                user_id=obj.pk,
                by="admin",
                admin_id=request.user.pk,
                reason="deactivated",
            )

    @admin.action(description=_("Log out everywhere"), permissions=["change"])
    def revoke_all_sessions(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        user_ids = list(queryset.values_list("pk", flat=True))
        count = services.users_sessions_revoke_all(users=queryset)
        client = client_info(request)
        for user_id in user_ids:
            audit(LOGGED_OUT_EVERYWHERE, client=client, user_id=user_id, by="admin", admin_id=request.user.pk)
        self.message_user(
            request,
            _("Logged out %(users)d user(s) everywhere; %(count)d session(s) revoked.")
            % {"users": len(user_ids), "count": count},
            messages.SUCCESS,
        )
