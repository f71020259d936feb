"""Login sessions in the admin: a list that reads at a glance, "Revoke selected sessions", "Revoke" on a session.

Every way a session ends here (the bulk action under any filter, search or
date, "Revoke", "Delete", the bulk delete) goes through
``services.session_revoke``: its refresh token dies at once, every server
rejects its access tokens within a second, and the audit trail names the
staff member (``"by": "admin"``, ``admin_id``).
"""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from accounts import services
from accounts.admin import display
from accounts.admin.confirmation import confirm
from accounts.audit import SESSION_REVOKED, audit
from accounts.client import client_info
from accounts.models import Session, User
from accounts.services import RevokedSession


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


class UserFilter(admin.SimpleListFilter):
    """By user, without listing every user: click a username in the list (or come from a user's page)."""

    title = _("user")
    parameter_name = "user"

    def lookups(self, request, model_admin):
        user = self._user()
        return [(str(user.pk), user.get_username())] if user else []

    def has_output(self) -> bool:
        return True  # "All" at least, and how to filter

    def queryset(self, request, queryset):
        user = self._user()
        if self.value() and user is None:
            return queryset.none()
        return queryset.filter(user=user) if user else queryset

    def _user(self) -> User | None:
        value = self.value()
        if not hasattr(self, "_selected"):
            self._selected = User.objects.filter(pk=value).first() if value and value.isdigit() else None
        return self._selected


class LastUsedFilter(admin.DateFieldListFilter):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.title = _("last used")


@admin.register(Session)
class SessionAdmin(admin.ModelAdmin):
    """Login sessions; no field here can be turned into a working token."""

    list_display = ["session", "user_link", "state", "device", "ip_address", "last_used", "created"]
    list_display_links = ["session"]
    list_filter = [SessionStateFilter, UserFilter, "binding", ("last_used_at", LastUsedFilter)]
    list_select_related = ["user"]
    # Username or email (contains), IP or session id (starts with: the short id is enough).
    search_fields = ["user__username", "user__email", "^ip_address", "^id"]
    search_help_text = _("Username, email, IP address or session id.")
    date_hierarchy = "created_at"
    ordering = ["-last_used_at"]  # the sessions in use first
    actions = ["revoke_sessions"]
    fieldsets = [
        (None, {"fields": ["id", "user", "state", "device", "user_agent", "ip_address"]}),
        (_("When"), {"fields": ["created_when", "last_used_when", "expires", "revoked"]}),
        (_("Sign-in"), {"fields": ["signed_in_with", "authenticated", "remember"]}),
        # The key's thumbprint only: a public key's digest, no use to anyone who reads it.
        (_("Device binding"), {"fields": ["binding", "bound_jkt"]}),
    ]
    readonly_fields = [
        "id",
        "user",
        "state",
        "device",
        "user_agent",
        "ip_address",
        "created_when",
        "last_used_when",
        "expires",
        "revoked",
        "signed_in_with",
        "authenticated",
        "remember",
        "binding",
        "bound_jkt",
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def changelist_view(self, request: HttpRequest, extra_context=None):
        return super().changelist_view(request, {"title": _("Sessions"), **(extra_context or {})})

    # Columns -------------------------------------------------------------------

    @admin.display(description=_("session"), ordering="id")
    def session(self, session: Session):
        return display.short_id(session)

    @admin.display(description=_("user"), ordering="user__username")
    def user_link(self, session: Session):
        url = display.changelist_url("accounts_session", user=session.user_id)
        return format_html('<a href="{}" title="{}">{}</a>', url, _("Only this user's sessions"), session.user)

    @admin.display(description=_("state"))
    def state(self, session: Session):
        return display.state_badge(session)

    @admin.display(description=_("device"))
    def device(self, session: Session):
        # Bound sessions say so beside the device, not in a column of their own: the list
        # stays one short line per session at 1280 px.
        return display.device_with_binding(session)

    @admin.display(description=_("last used"), ordering="last_used_at")
    def last_used(self, session: Session):
        return display.time_ago(session.last_used_at)

    @admin.display(description=_("created"), ordering="created_at")
    def created(self, session: Session):
        return display.compact_time(session.created_at)

    @admin.display(description=_("created"))
    def created_when(self, session: Session):
        return display.when(session.created_at)

    @admin.display(description=_("last used"))
    def last_used_when(self, session: Session):
        return display.when(session.last_used_at)

    @admin.display(description=_("expires"))
    def expires(self, session: Session):
        return display.when(session.expires_at)

    @admin.display(description=_("revoked"))
    def revoked(self, session: Session):
        return display.when(session.revoked_at)

    @admin.display(description=_("last authenticated"))
    def authenticated(self, session: Session):
        """When its owner last proved who they are: the sign-in, or a re-authentication since."""
        return display.when(session.auth_time)

    @admin.display(description=_("signed in with"))
    def signed_in_with(self, session: Session) -> str:
        return display.sign_in_methods(session)

    # Revoking ------------------------------------------------------------------

    @admin.action(description=_("Revoke selected sessions"), permissions=["delete"])
    def revoke_sessions(self, request: HttpRequest, queryset: QuerySet[Session]) -> None:
        revoked = services.session_revoke(sessions=queryset)
        audit_revoked(request, revoked)
        self.message_user(request, _("Revoked %(count)d session(s).") % {"count": len(revoked)}, messages.SUCCESS)

    def get_urls(self):
        revoke = self.admin_site.admin_view(self.revoke_view)
        return [path("<path:object_id>/revoke/", revoke, name="accounts_session_revoke"), *super().get_urls()]

    def revoke_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """The "Revoke" button: asks to confirm, then revokes this one session."""
        session = self.get_object(request, object_id)
        if session is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if not self.has_delete_permission(request, session):
            raise PermissionDenied
        page = reverse("admin:accounts_session_change", args=[session.pk])
        if session.state != "live" and request.method != "POST":
            self.message_user(request, _("This session has already ended."), messages.INFO)
            return HttpResponseRedirect(page)

        def perform() -> str:
            revoked = services.session_revoke(sessions=Session.objects.filter(pk=session.pk))
            audit_revoked(request, revoked)
            return _("Session %(id)s revoked.") % {"id": session.short_id} if revoked else _("It had already ended.")

        return confirm(
            request,
            self,
            session,
            title=_("Revoke"),
            question=_("Revoke session %(id)s of %(user)s (%(device)s)?")
            % {"id": session.short_id, "user": session.user, "device": display.device(session)},
            consequences=[
                _("Its refresh token stops working at once: that device is signed out at its next refresh."),
                _("Its access token is refused by every server within a second."),
                _("The user's other sessions are not affected."),
            ],
            confirm_label=_("Revoke"),
            perform=perform,
            back_to=page,
        )

    def change_view(self, request: HttpRequest, object_id: str, form_url: str = "", extra_context=None):
        session = self.get_object(request, object_id)
        extra = {**(extra_context or {})}
        if session is not None:
            if session.state == "live" and self.has_delete_permission(request, session):
                extra["revoke_url"] = reverse("admin:accounts_session_revoke", args=[session.pk])
            extra["audit_url"] = display.changelist_url("accounts_auditevent", session=session.pk)
        return super().change_view(request, object_id, form_url, extra)

    # Deleting revokes first ----------------------------------------------------

    def delete_model(self, request: HttpRequest, obj: Session) -> None:
        self.delete_queryset(request, Session.objects.filter(pk=obj.pk))

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Session]) -> None:
        audit_revoked(request, services.sessions_delete(sessions=queryset).revoked, reason="deleted")


def audit_revoked(request: HttpRequest, revoked: list[RevokedSession], **details) -> None:
    """One ``session_revoked`` line (and row) per session, as the staff member who revoked it."""
    client = client_info(request)
    for session_id, user_id in revoked:
        audit(
            SESSION_REVOKED,
            client=client,
            user_id=user_id,
            session_id=session_id,
            by="admin",
            admin_id=request.user.pk,
            **details,
        )
