"""Users in the admin: their sessions inline, "Log out everywhere", and every change that must sign them out doing so.

Deactivating a user, setting or removing their password, and deleting them
(one or in bulk) revoke every session and every token already issued,
audited as the staff member (``"by": "admin"``, ``admin_id``). Other apps
add their part of the page through accounts/admin/user_page.py.
"""

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminPasswordChangeForm
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from accounts import services
from accounts.admin import display
from accounts.admin.confirmation import confirm
from accounts.admin.user_page import UserTool, user_page
from accounts.audit import ACCOUNT_DELETED, LOGGED_OUT_EVERYWHERE, PASSWORD_CHANGED, audit
from accounts.client import client_info
from accounts.models import Session, User

INLINE_SESSIONS = 20  # the most recently used; the rest are in the session list


class SessionInline(admin.TabularInline):
    """The user's most recently used sessions (view-only), each with its state and, while live, "Revoke…"."""

    model = Session
    fields = ["session", "state", "device", "ip_address", "last_used", "created", "revoke"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    verbose_name_plural = _("sessions, most recently used first")

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        # View-only: saving the user's page never validates these rows, which
        # may have changed since the page was shown (a new sign-in meanwhile).
        return False

    def recent_of(self, user: User) -> QuerySet[Session]:
        """The user's ``INLINE_SESSIONS`` most recently used sessions; the session list has them all."""
        recent = Session.objects.filter(user=user).order_by("-last_used_at").values("pk")[:INLINE_SESSIONS]
        return Session.objects.filter(pk__in=recent).order_by("-last_used_at")

    @admin.display(description=_("session"))
    def session(self, session: Session):
        url = reverse("admin:accounts_session_change", args=[session.pk])
        return format_html('<a href="{}">{}</a>', url, display.short_id(session))

    @admin.display(description=_("state"))
    def state(self, session: Session):
        return display.state_badge(session)

    @admin.display(description=_("device"))
    def device(self, session: Session) -> str:
        return display.device(session)

    @admin.display(description=_("last used"))
    def last_used(self, session: Session):
        return display.time_ago(session.last_used_at)

    @admin.display(description=_("created"))
    def created(self, session: Session):
        return display.compact_time(session.created_at)

    @admin.display(description=_("revoke"))
    def revoke(self, session: Session):
        if session.state != "live":
            return "-"
        url = reverse("admin:accounts_session_revoke", args=[session.pk])
        back = reverse("admin:accounts_user_change", args=[session.user_id])
        return format_html('<a href="{}?next={}" class="revoke-link">{}</a>', url, back, _("Revoke…"))


class AdminPasswordForm(AdminPasswordChangeForm):
    """Django's admin password form, saved through ``services.user_password_reset``: the user is signed out."""

    def save(self, commit: bool = True) -> User:
        password = self.cleaned_data["password1"] if self.cleaned_data.get("set_usable_password", True) else None
        services.user_password_reset(user=self.user, new_password=password)
        return self.user


def log_out_everywhere(request: HttpRequest, user: User) -> str:
    count = services.user_sessions_revoke_all(user=user)
    audit_logged_out(request, [user.pk], sessions=count)
    return _("Logged out %(user)s everywhere; %(count)d session(s) revoked.") % {"user": user, "count": count}


LOG_OUT_EVERYWHERE = UserTool(
    name="log_out_everywhere",
    label=_("Log out everywhere"),
    question=_("Log %(user)s out everywhere?"),
    consequences=[
        _("Every session of this user is revoked: every device is signed out at its next refresh."),
        _("Every access token already issued to them is refused by every server within a second."),
        _("They can sign in again with their password (or a passkey)."),
    ],
    perform=log_out_everywhere,
)


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    """Django's user admin plus the user's sessions, sign-in methods and "Log out everywhere"."""

    change_password_form = AdminPasswordForm
    inlines = [SessionInline]
    tools = [LOG_OUT_EVERYWHERE]
    actions = ["revoke_all_sessions"]
    list_display = [*DjangoUserAdmin.list_display, "email_verified", "totp_enabled"]
    list_filter = [*DjangoUserAdmin.list_filter, "email_verified", "totp_enabled"]
    readonly_fields = ["two_factor", "passkeys"]
    fieldsets = [
        (None, {"fields": ("username", "password")}),
        (_("Personal info"), {"fields": ("first_name", "last_name", "email", "email_verified")}),
        (_("Passkeys and two-factor"), {"fields": ("two_factor", "passkeys")}),
        (_("Permissions"), {"fields": ("is_active", "is_staff", "is_superuser")}),
        (_("Groups and permissions"), {"classes": ("collapse",), "fields": ("groups", "user_permissions")}),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    ]

    @admin.display(description=_("two-factor"))
    def two_factor(self, user: User):
        on = user.totp_enabled
        return format_html(
            '<span class="badge badge-{}">{}</span>', "live" if on else "expired", _("on") if on else _("off")
        )

    @admin.display(description=_("passkeys"))
    def passkeys(self, user: User) -> int:
        return user.passkey_count

    def get_inlines(self, request: HttpRequest, obj):
        return [*self.inlines, *user_page.inlines]

    def get_formset_kwargs(self, request: HttpRequest, obj, inline, prefix: str) -> dict:
        kwargs = super().get_formset_kwargs(request, obj, inline, prefix)
        if isinstance(inline, SessionInline) and obj is not None and obj.pk is not None:
            kwargs["queryset"] = inline.recent_of(obj)
        return kwargs

    def get_actions(self, request: HttpRequest):
        actions = super().get_actions(request)
        for action in user_page.actions:
            func, name, description = self.get_action(action)
            if self._filter_actions_by_permissions(request, [(func, name, description)]):
                actions[name] = (func, name, description)
        return actions

    def all_tools(self) -> list[UserTool]:
        return [*self.tools, *user_page.tools]

    # The user's page: tools and links -------------------------------------------

    def get_urls(self):
        view = self.admin_site.admin_view(self.tool_view)
        tools = [
            path(f"<path:object_id>/{tool.name}/", view, {"tool": tool.name}, name=f"accounts_user_{tool.name}")
            for tool in self.all_tools()
        ]
        return [*tools, *super().get_urls()]

    def change_view(self, request: HttpRequest, object_id: str, form_url: str = "", extra_context=None):
        user = self.get_object(request, object_id)
        extra = {**(extra_context or {})}
        if user is not None:
            extra["user_tools"] = [
                {
                    "name": tool.name,
                    "label": tool.label,
                    "url": reverse(f"admin:accounts_user_{tool.name}", args=[user.pk]),
                }
                for tool in self.all_tools()
                if tool.shown(user) and self._may(request, tool, user)
            ]
            extra["user_links"] = [
                {"label": _("All sessions"), "url": display.changelist_url("accounts_session", user=user.pk)},
                {"label": _("Audit log"), "url": display.changelist_url("accounts_auditevent", user=user.pk)},
            ]
        return super().change_view(request, object_id, form_url, extra)

    def tool_view(self, request: HttpRequest, object_id: str, tool: str) -> HttpResponse:
        """A tool's confirmation page, then the tool."""
        chosen = next(candidate for candidate in self.all_tools() if candidate.name == tool)
        user = self.get_object(request, object_id)
        if user is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if not self._may(request, chosen, user):
            raise PermissionDenied
        return confirm(
            request,
            self,
            user,
            title=chosen.label,
            question=chosen.question % {"user": user.get_username()},
            consequences=chosen.consequences,
            confirm_label=chosen.label,
            perform=lambda: chosen.perform(request, user),
            back_to=reverse("admin:accounts_user_change", args=[user.pk]),
        )

    def _may(self, request: HttpRequest, tool: UserTool, user: User) -> bool:
        return getattr(self, f"has_{tool.permission}_permission")(request, user)

    # Changes that sign the user out ----------------------------------------------

    @admin.action(description=_("Log out everywhere"), permissions=["change"])
    def revoke_all_sessions(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        user_ids = list(queryset.values_list("pk", flat=True))
        count = services.users_sessions_revoke_all(users=User.objects.filter(pk__in=user_ids))
        audit_logged_out(request, user_ids)
        self.message_user(
            request,
            _("Logged out %(users)d user(s) everywhere; %(count)d session(s) revoked.")
            % {"users": len(user_ids), "count": count},
            messages.SUCCESS,
        )

    def save_model(self, request: HttpRequest, obj: User, form, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if change and "is_active" in form.changed_data and not obj.is_active:
            # Deactivation already rejects every token; revoking the sessions as
            # well means reactivating the account does not bring them back.
            services.user_sessions_revoke_all(user=obj)
            audit_logged_out(request, [obj.pk], reason="deactivated")

    def log_change(self, request: HttpRequest, obj, message):
        entry = super().log_change(request, obj, message)
        if request.resolver_match and request.resolver_match.url_name == "auth_user_password_change":
            # The password form (AdminPasswordForm) has just signed the user out everywhere.
            audit(
                PASSWORD_CHANGED,
                client=client_info(request),
                user_id=obj.pk,
                by="admin",
                admin_id=request.user.pk,
                usable=obj.has_usable_password(),
            )
        return entry

    def delete_model(self, request: HttpRequest, obj: User) -> None:
        self.delete_queryset(request, User.objects.filter(pk=obj.pk))

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        user_ids = list(queryset.values_list("pk", flat=True))
        User.objects.filter(pk__in=user_ids).delete()  # signs them out everywhere first (models.UserQuerySet)
        client = client_info(request)
        for user_id in user_ids:
            audit(ACCOUNT_DELETED, client=client, user_id=user_id, by="admin", admin_id=request.user.pk)


def audit_logged_out(request: HttpRequest, user_ids: list[int], **details) -> None:
    client = client_info(request)
    for user_id in user_ids:
        audit(LOGGED_OUT_EVERYWHERE, client=client, user_id=user_id, by="admin", admin_id=request.user.pk, **details)
