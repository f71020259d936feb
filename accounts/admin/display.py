"""How the admin shows sessions and times: badges, short ids, device labels, compact dates."""

from datetime import datetime, timedelta
from urllib.parse import urlencode

from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.timesince import timesince, timeuntil
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.devices import describe_user_agent
from accounts.models import Session

STATE_LABELS = {"live": gettext_lazy("live"), "revoked": gettext_lazy("revoked"), "expired": gettext_lazy("expired")}
METHOD_LABELS = {
    "pwd": gettext_lazy("password"),
    "otp": gettext_lazy("authentication code"),
    "recovery": gettext_lazy("recovery code"),
    "webauthn": gettext_lazy("passkey"),
    "email": gettext_lazy("code by email"),
}


def state_badge(session: Session) -> SafeString:
    """A coloured badge: live, revoked or expired."""
    state = session.state
    return format_html('<span class="badge badge-{}">{}</span>', state, STATE_LABELS[state])


def short_id(session: Session) -> SafeString:
    return format_html('<code class="short-id" title="{}">{}</code>', session.pk, session.short_id)


def device(session: Session) -> str:
    """ "Chrome 156 on Linux": the full user agent is on the session's own page."""
    return describe_user_agent(session.user_agent)


def device_with_binding(session: Session) -> SafeString:
    """``device``, with a "bound" badge when the session is bound to a key the device holds."""
    if not session.bound:
        return format_html("{}", device(session))
    return format_html(
        '{} <span class="badge badge-bound" title="{}">{}</span>',
        device(session),
        _("Bound to a key this device holds (%(how)s): its copied tokens are useless elsewhere.")
        % {"how": session.get_binding_display()},
        _("bound"),
    )


def compact_time(moment: datetime | None) -> SafeString | str:
    """``2025-08-21 14:03`` (the site's time zone), the exact time on hover."""
    if moment is None:
        return "-"
    local = timezone.localtime(moment)
    return format_html('<time datetime="{}" title="{}">{}</time>', local.isoformat(), local, f"{local:%Y-%m-%d %H:%M}")


def when(moment: datetime | None) -> SafeString | str:
    """``2025-08-21 14:03 · 3 days ago`` (or ``in 7 days``): the date, and how far from now."""
    if moment is None:
        return "-"
    return format_html("{} · {}", compact_time(moment), _distance(moment))


def time_ago(moment: datetime | None) -> SafeString | str:
    """``3 minutes ago`` (one unit), the exact time on hover."""
    if moment is None:
        return "-"
    local = timezone.localtime(moment)
    return format_html('<time datetime="{}" title="{}">{}</time>', local.isoformat(), local, _distance(moment))


def _distance(moment: datetime) -> str:
    now = timezone.now()
    if abs(now - moment) < timedelta(minutes=1):
        return _("just now")
    if moment < now:
        return _("%s ago") % timesince(moment, now, depth=1)
    return _("in %s") % timeuntil(moment, now, depth=1)


def sign_in_methods(session: Session) -> str:
    """``password + authentication code``: how the session's owner last proved who they are."""
    return " + ".join(str(METHOD_LABELS.get(method, method)) for method in session.amr.split()) or "-"


def changelist_url(model_label: str, **filters: object) -> str:
    """The admin list of ``model_label`` (``"accounts_session"``) with ``filters`` as its query string."""
    url = reverse(f"admin:{model_label}_changelist")
    return f"{url}?{urlencode(filters)}" if filters else url
