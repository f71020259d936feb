"""What the end-to-end tests and the bench drive: real processes and services, never a test.

- ``servers``: gunicorn servers of the site (and, re-exported, what follows in ``client`` and ``shared_services``).
- ``client``: an HTTP client with cookies and CSRF.
- ``shared_services``: the run's PostgreSQL and Redis: URLs, reachability, throwaway databases.
- ``services``: private PostgreSQL and Redis servers a test may stop, restart or freeze.
- ``smtp``: an SMTP sink that keeps what the site mails.
- ``load``: browser-like clients under load, every answer recorded.
- ``reach``: measuring revocation reach between real servers.
- ``consistency``: what must hold in the database after a run (one live token per session...).

e2e/ holds the tests (and ``browsing.py``, the browser tests' steps); bench/
imports from here, never from e2e/.
"""

from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
