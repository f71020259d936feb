"""What accounts tells other apps: the one seam they listen on (security notices, for one).

Each is sent once the transaction that made it true has committed.
"""

from django.dispatch import Signal

# A sign-in started a session. Keyword arguments: ``user``, ``session``,
# ``client`` (ClientInfo) and ``new_device``: no session of the user's in the
# last SESSION_MAX_AGE came from this user agent and IP.
signed_in = Signal()

# The user's password was set: ``user``, ``client`` (the device that set it,
# when known) and ``reset`` (a forgotten-password reset rather than a change).
password_changed = Signal()

# A user registered: ``user``, ``client``.
registered = Signal()
