"""The embedded shared cache (no ``CACHE_URL``), and the refusal to start several workers on a per-process one.

Throttles and the failed-sign-in ceiling count in Django's default cache; a
count kept in one process's memory multiplies every limit by the number of
processes. Without ``CACHE_URL`` the site therefore counts in SQLite files on
the local disk (diskcache): every process of the host opens the same files,
each increment is one SQLite transaction (atomic between processes), and the
files are not the site's database, so counting never waits on the site's own
writes. Local memory stays the default only under ``runserver``, which is one
process. docs/limits.md has the design and its measured cost.
"""

import os
import re
import sys
from pathlib import Path

from diskcache import DjangoCache

# Caches whose counts live and die with one process: each worker would count alone.
PER_PROCESS_BACKENDS = {
    "django.core.cache.backends.locmem.LocMemCache": "local memory",
    "django.core.cache.backends.dummy.DummyCache": "a dummy cache that counts nothing",
}


class EmbeddedCache(DjangoCache):
    """diskcache's Django backend, kept open between requests.

    ``LOCATION`` is a directory; ``SHARDS`` SQLite files in it spread the
    writes of concurrent workers. Django closes every cache at the end of each
    request (``request_finished``); diskcache's connections are per thread and
    reopened after a fork, so closing them would only cost the next request
    its reconnections (PRAGMAs on every shard it touches).
    """

    def close(self, **kwargs) -> None:
        return None


def default_location(database: dict, base_dir: Path) -> Path:
    """Where the embedded cache lives for ``database`` (a ``DATABASES`` entry).

    Beside a SQLite database file (``db.sqlite3-cache/``), so that two sites
    on one host never share counts; for a server database, a directory under
    ``.cache/`` named after it.
    """
    if database["ENGINE"] == "django.db.backends.sqlite3" and str(database["NAME"]) not in ("", ":memory:"):
        path = Path(database["NAME"])
        return path.with_name(f"{path.name}-cache")
    name = "-".join(str(database.get(part) or "") for part in ("HOST", "PORT", "NAME"))
    return base_dir / ".cache" / re.sub(r"[^A-Za-z0-9_.-]+", "_", name).strip("_.-")


def embedded_cache(location: Path) -> dict:
    """The ``CACHES`` entry of the embedded shared cache at ``location``."""
    return {
        "BACKEND": "jwtsite.shared_cache.EmbeddedCache",
        "LOCATION": str(location),
        "SHARDS": 4,
        # Seconds SQLite waits for another process's write before diskcache tries again.
        "DATABASE_TIMEOUT": 0.05,
    }


def is_runserver(argv: list[str] = sys.argv) -> bool:
    """Whether this process is Django's development server (one process, threads)."""
    return argv[1:2] == ["runserver"]


def per_process_refusal(*, workers: int) -> str | None:
    """The one line a server of ``workers`` processes refuses to start with, or ``None``.

    Several processes on a per-process cache would each count every limit on
    their own. Reads Django's settings (``DJANGO_SETTINGS_MODULE``).
    """
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jwtsite.settings")
    from django.conf import settings

    backend = settings.CACHES["default"]["BACKEND"]
    if workers <= 1 or backend not in PER_PROCESS_BACKENDS:
        return None
    return (
        f"Refusing to start {workers} workers on {PER_PROCESS_BACKENDS[backend]} "
        f"(CACHE_URL={os.environ.get('CACHE_URL', '')!s}): each would count every limit on its own. "
        "Set CACHE_URL to a shared cache (redis://...), unset it for the embedded one, "
        "or run one worker (WEB_CONCURRENCY=1)."
    )
