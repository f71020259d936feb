"""The admin site on the site's own sign-in: no password form of its own, the access cookie decides.

Signing in to the admin is signing in to the site (``/login/``: the password,
then the second factor or a passkey, the same throttles, failed-sign-in
ceiling, audit and notices), so ``/admin/login/`` only sends a signed-out
visitor there and back (``?next=``). The admin session is the user's ordinary
login session (accounts/middleware.py): it is on their device list, and
logging out everywhere, revoking it or a password reset ends it.
"""

from urllib.parse import urlencode

from django.contrib import admin
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache

from accounts import audit, conf, services
from accounts.client import client_info
from accounts.cookies import clear_auth_cookies
from accounts.exceptions import SessionError
from accounts.middleware import authenticate_access_cookie
from accounts.tokens import AMR_CLAIM, ONE_TIME_CODE, PASSKEY, RECOVERY_CODE

# What proves a second factor in a session's ``amr``; a passkey is two factors in one.
SECOND_FACTORS = frozenset({ONE_TIME_CODE, RECOVERY_CODE, PASSKEY})
NOT_STAFF, SECOND_FACTOR_MISSING = "not_staff", "second_factor_missing"


class AdminSite(admin.AdminSite):
    """Django's admin site whose door is ``/login/``; staff only, with their second factor when they have one."""

    site_header = _("jwtsite administration")
    site_title = _("jwtsite admin")
    # The session list needs the page's width; the index and breadcrumbs lead everywhere.
    enable_nav_sidebar = False

    def each_context(self, request: HttpRequest) -> dict:
        """Adds when this page's access token expires, for the script that renews it (js/admin-session.js)."""
        authenticated = authenticate_access_cookie(request)
        return {
            **super().each_context(request),
            "access_expires": authenticated[1].get("exp") if authenticated else None,
            "access_lifetime": conf.ACCESS_TOKEN_LIFETIME,
        }

    def has_permission(self, request: HttpRequest) -> bool:
        """Active staff whose session proved a second factor if their account has one."""
        return super().has_permission(request) and refusal(request) is None

    def get_urls(self):
        # Ahead of Django's: signing out must work for a signed-in user the admin refuses too.
        return [path("logout/", self.logout, name="logout"), *super().get_urls()]

    @method_decorator(never_cache)
    def login(self, request: HttpRequest, extra_context=None) -> HttpResponse:
        """Signed out: to ``/login/?next=``. Signed in and allowed: on to ``next``. Refused: a page saying why (403)."""
        next_path = safe_next_path(request, default=reverse("admin:index", current_app=self.name))
        if self.has_permission(request):
            return HttpResponseRedirect(next_path)
        reason = refusal(request)
        if reason is None:
            return HttpResponseRedirect(f"{reverse('pages:login')}?{urlencode({'next': next_path}, safe='/')}")
        context = {
            **self.each_context(request),
            "title": _("Not allowed in the admin"),
            "reason": reason,
            "username": request.user.get_username(),
        }
        return TemplateResponse(request, "admin/sign_in_refused.html", context, status=403)

    @method_decorator(never_cache)
    def logout(self, request: HttpRequest, extra_context=None) -> HttpResponse:
        """POST: revokes this session (the one the access cookie names), clears the cookies, back to the sign-in."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if raw := request.COOKIES.get(conf.access_cookie_name()):
            try:
                claims = services.session_revoke_by_access_token(raw_access=raw)
            except SessionError:
                claims = None  # expired or broken: nothing left to revoke
            if claims is not None:
                audit.audit(
                    audit.LOGGED_OUT,
                    client=client_info(request),
                    user_id=claims.user_id,
                    session_id=claims.sid,
                    via="admin",
                )
        admin_index = reverse("admin:index", current_app=self.name)
        response = HttpResponseRedirect(f"{reverse('pages:login')}?{urlencode({'next': admin_index}, safe='/')}")
        clear_auth_cookies(response)
        return response

    def password_change(self, request: HttpRequest, extra_context=None) -> HttpResponse:
        """The account page's form: it keeps this session and signs every other one out."""
        return HttpResponseRedirect(reverse("pages:account"))

    def password_change_done(self, request: HttpRequest, extra_context=None) -> HttpResponse:
        return HttpResponseRedirect(reverse("pages:account"))


def refusal(request: HttpRequest) -> str | None:
    """Why a signed-in user may not use the admin (``NOT_STAFF``, ``SECOND_FACTOR_MISSING``), or ``None``.

    ``None`` for a signed-out visitor too: they are sent to sign in. A
    session signed in with a password alone (before two-factor was turned
    on) is refused until its owner signs in again with the second factor.
    """
    authenticated = authenticate_access_cookie(request)
    if authenticated is None:
        return None
    user, token = authenticated
    if not user.is_staff:
        return NOT_STAFF
    if user.totp_enabled and not SECOND_FACTORS & set(token.get(AMR_CLAIM) or ()):
        return SECOND_FACTOR_MISSING
    return None


def safe_next_path(request: HttpRequest, *, default: str) -> str:
    """``?next=`` when it is a path on this site (never another host, scheme or ``//host``), else ``default``."""
    candidate = request.GET.get("next", "")
    if (
        candidate.startswith("/")
        and not candidate.startswith(("//", "/\\"))
        and url_has_allowed_host_and_scheme(
            candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
    ):
        return candidate
    return default
