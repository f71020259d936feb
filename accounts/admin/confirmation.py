"""The admin's "are you sure?" page for actions on one object (revoke a session, log a user out everywhere)."""

from collections.abc import Callable, Sequence

from django.contrib import admin, messages
from django.db.models import Model
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse

from accounts.admin_site import safe_next_path


def confirm(
    request: HttpRequest,
    model_admin: admin.ModelAdmin,
    obj: Model,
    *,
    title: str,
    question: str,
    consequences: Sequence[str],
    confirm_label: str,
    perform: Callable[[], str],
    back_to: str,
) -> HttpResponse:
    """GET: the question, what will happen, and a button. POST: ``perform()``, its message, then back.

    "Back" is ``?next=`` when it is a path on this site (the user page a
    session's revoke link came from), else ``back_to``.
    """
    next_path = safe_next_path(request, default=back_to)
    if request.method == "POST":
        model_admin.message_user(request, perform(), messages.SUCCESS)
        return HttpResponseRedirect(next_path)
    context = {
        **model_admin.admin_site.each_context(request),
        "title": title,
        "question": question,
        "consequences": consequences,
        "confirm_label": confirm_label,
        "object": obj,
        "object_url": back_to,
        "cancel_url": next_path,
        "opts": model_admin.opts,
        "app_label": model_admin.opts.app_label,
    }
    request.current_app = model_admin.admin_site.name
    return TemplateResponse(request, "admin/accounts/confirm.html", context)
