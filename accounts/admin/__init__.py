"""The admin of accounts: sessions, users and the audit log, a revocation console whose every path revokes.

``sessions.py``: the session list, "Revoke selected sessions", a session's
"Revoke" and "Delete". ``users.py``: users with their sessions inline, "Log out
everywhere", and the changes that sign a user out (deactivation, a password
set or removed, deletion). ``audit_log.py``: the audit log, read-only.
``user_page.py``: the seam through which other apps add to a user's page.
The site itself (who may sign in, and how) is accounts/admin_site.py.

simplejwt's token admins are unregistered: no admin page shows a token.
"""

from django.contrib import admin
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken

from accounts.admin import audit_log, sessions, users
from accounts.admin.user_page import UserTool, user_page
from accounts.admin.users import UserAdmin

for model in (OutstandingToken, BlacklistedToken):
    if admin.site.is_registered(model):
        admin.site.unregister(model)

__all__ = ["UserAdmin", "UserTool", "audit_log", "sessions", "user_page", "users"]
