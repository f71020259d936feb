"""Revocation reach: every revocation reaches every server process within a second.

- ``models``: the revocations table, one row per revoked session or per user floor.
- ``store``: recording (in the revoking transaction) and reading by cursor.
- ``revoked_set``: a process's in-memory view (revoked sessions, user floors), checked on every authenticated request.
- ``follower``: what keeps the view current (database poll, Redis announcements, the HTTP feed).
- ``runtime``: this process's view and follower, the per-request check, staleness, ``/healthz``.
- ``triggers``: the user-change triggers (a changed user row is a floor every follower reads).
- ``blacklist``: the blacklist trigger (simplejwt's ``BlacklistedToken`` row for a current token revokes its session).
- ``views``: ``GET /api/auth/revocations/``, the feed for verifying-only servers on their own database.
"""
