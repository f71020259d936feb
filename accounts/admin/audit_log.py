"""The audit log in the admin, read-only: who did what to which account and session, when, and from where."""

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from accounts import selectors
from accounts.admin import display
from accounts.models import AuditEvent, Session, User


class EventFilter(admin.SimpleListFilter):
    title = _("event")
    parameter_name = "event"

    def lookups(self, request, model_admin):
        return [(name, name.replace("_", " ")) for name in selectors.audit_event_names()]

    def queryset(self, request, queryset):
        return queryset.filter(event=self.value()) if self.value() else queryset


class IdFilter(admin.SimpleListFilter):
    """Events of one user (``?user=<id>``) or one session (``?session=<id>``), as their pages link here."""

    def lookups(self, request, model_admin):
        value = self.value()
        return [(value, self.label(value))] if value else []

    def has_output(self) -> bool:
        return bool(self.value())

    def label(self, value: str) -> str:
        return value


class UserEventsFilter(IdFilter):
    title = _("user")
    parameter_name = "user"

    def label(self, value: str) -> str:
        user = User.objects.filter(pk=value).first() if value.isdigit() else None
        return user.get_username() if user else f"#{value}"

    def queryset(self, request, queryset):
        value = self.value()
        if not value:
            return queryset
        return queryset.filter(Q(user_id=value) | Q(admin_id=value)) if value.isdigit() else queryset.none()


class SessionEventsFilter(IdFilter):
    title = _("session")
    parameter_name = "session"

    def queryset(self, request, queryset):
        value = self.value()
        if not value:
            return queryset
        try:
            return queryset.filter(session_id=Session._meta.pk.to_python(value))
        except ValidationError:  # a malformed id in the URL selects nothing
            return queryset.none()


class WhenFilter(admin.DateFieldListFilter):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.title = _("when")


def _username(field: str) -> Subquery:
    return Subquery(User.objects.filter(pk=OuterRef(field)).values("username")[:1])


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only; newest first. Rows are kept ``AUDIT_LOG_RETENTION_DAYS`` (the log lines, as long as the logs)."""

    list_display = ["when", "event", "user", "session", "by", "ip_address", "summary"]
    list_display_links = ["when"]
    list_filter = [EventFilter, UserEventsFilter, SessionEventsFilter, ("at", WhenFilter)]
    search_fields = ["event"]  # shows the search box; get_search_results does the searching
    search_help_text = _("Username or email (of the user or the staff member), event name, or IP address.")
    fields = ["at", "event", "user", "session", "by", "ip_address", "user_agent", "details"]
    readonly_fields = fields
    list_per_page = 50

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def changelist_view(self, request: HttpRequest, extra_context=None):
        return super().changelist_view(request, {"title": _("Audit log"), **(extra_context or {})})

    def get_queryset(self, request: HttpRequest) -> QuerySet[AuditEvent]:
        # Usernames in the same query (a deleted user's events show the id).
        return (
            super().get_queryset(request).annotate(username=_username("user_id"), admin_username=_username("admin_id"))
        )

    def get_search_results(self, request: HttpRequest, queryset: QuerySet, search_term: str):
        term = search_term.strip()
        if not term:
            return queryset, False
        people = User.objects.filter(Q(username__icontains=term) | Q(email__icontains=term)).values("pk")
        matches = Q(event=term) | Q(user_id__in=people) | Q(admin_id__in=people) | Q(ip_address__istartswith=term)
        return queryset.filter(matches), False

    @admin.display(description=_("when"), ordering="at")
    def when(self, event: AuditEvent):
        return display.compact_time(event.at)

    @admin.display(description=_("user"))
    def user(self, event: AuditEvent):
        return _person(event.user_id, getattr(event, "username", None))

    @admin.display(description=_("session"))
    def session(self, event: AuditEvent):
        if event.session_id is None:
            return "-"
        url = reverse("admin:accounts_session_change", args=[event.session_id])
        return format_html('<a href="{}"><code class="short-id">{}</code></a>', url, event.session_id.hex[:8])

    @admin.display(description=_("by"))
    def by(self, event: AuditEvent):
        if event.admin_id is not None:
            return format_html("{} {}", _("admin"), _person(event.admin_id, getattr(event, "admin_username", None)))
        return event.details.get("by", "")

    @admin.display(description=_("details"))
    def summary(self, event: AuditEvent) -> str:
        hidden = {"by", "admin_id"}
        return ", ".join(f"{key}: {value}" for key, value in event.details.items() if key not in hidden)[:80]


def _person(user_id: int | None, username: str | None):
    if user_id is None:
        return "-"
    if username is None:
        return f"#{user_id} ({_('deleted')})"
    return format_html('<a href="{}">{}</a>', reverse("admin:accounts_user_change", args=[user_id]), username)
