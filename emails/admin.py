"""The outbox in the admin: every promised mail and what became of it; dead mail can be sent again."""

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from emails import delivery as deliveries
from emails.models import Delivery


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ("id", "kind", "to", "state", "attempts", "created_at", "sent_at", "next_attempt_at")
    list_filter = ("state", "kind")
    search_fields = ("to", "message_id")
    ordering = ("-created_at",)
    actions = ("retry",)
    readonly_fields = (
        "kind",
        "to",
        "subject",
        "state",
        "attempts",
        "next_attempt_at",
        "lease_until",
        "last_error",
        "message_id",
        "created_at",
        "sent_at",
        "finished_at",
    )
    # params hold what the worker needs to build the mail (ids, the address typed): not shown.
    exclude = ("params",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_retry_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("emails.change_delivery")

    @admin.action(description=_("Retry: send the selected mail again"), permissions=["retry"])
    def retry(self, request: HttpRequest, queryset: QuerySet) -> None:
        count = deliveries.deliveries_retry(queryset.values_list("pk", flat=True))
        self.message_user(request, _("%(count)d mail(s) will be sent again.") % {"count": count}, messages.SUCCESS)
