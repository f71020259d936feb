"""The auth API's views: the browser (cookie) API (``browser.py``), the devices API (``sessions.py``),
the header (Bearer) API (``bearer.py``) and the account endpoints, re-authentication and deletion (``account.py``).

Views parse input, call one service or selector and respond; the session
rules live in ``accounts/services/``, the HTTP glue in ``accounts/views/base.py``.
"""
