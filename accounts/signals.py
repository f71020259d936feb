"""What accounts and the apps built on it tell other apps: the one seam they listen on (security notices, for one).

Each of accounts' own is sent once the transaction that made it true has
committed; ``security_event`` is sent inside it (see there).
"""

from django.dispatch import Signal

# A sign-in started a session. Keyword arguments: ``user``, ``session``,
# ``client`` (ClientInfo) and ``new_device``: no session of the user's in the
# last SESSION_MAX_AGE came from this user agent and IP.
signed_in = Signal()

# A browser sign-in (or registration) is answered with the new session's cookies:
# ``response`` (a receiver may add headers to it, e.g. dbsc's Secure-Session-Registration)
# and ``tokens`` (IssuedTokens). Sent by accounts/cookies.py's ``set_auth_cookies(...,
# signed_in=True)``, after the session's transaction committed.
session_cookies_issued = Signal()

# The user's password was set: ``user``, ``client`` (the device that set it,
# when known) and ``reset`` (a forgotten-password reset rather than a change).
password_changed = Signal()

# A user registered: ``user``, ``client``.
registered = Signal()

# Something the account's owner should hear about happened, from any app (mfa: a
# passkey added or removed, two-factor turned off, a recovery code used, codes
# failed after the right password). Keyword arguments: ``user``, ``kind`` (what
# happened: "passkey_added", ...), ``client`` (the device, when known) and the
# kind's details (``name``, ``remaining``, ``failures``...). Sent inside the
# transaction that made it true, so that a listener can keep its own record in
# the same transaction; one that acts outside the database (a mail) waits for
# the commit (emails/notices.py does).
security_event = Signal()
