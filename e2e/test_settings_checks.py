"""Started the operator's way, a bad setting stops the server: gunicorn exits, it does not restart workers.

The settings checks themselves are tested in jwtsite/tests/test_checks.py.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from harness.servers import REPO

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("preload", ["1", "0"])
def test_gunicorn_stops_instead_of_restarting_refused_workers(tmp_path, preload):
    """Preloaded, importing jwtsite.wsgi refuses in the master; without, gunicorn.conf.py's on_starting does."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL", "CACHE_URL"))}
    result = subprocess.run(
        [str(Path(sys.executable).parent / "gunicorn"), "--config", "gunicorn.conf.py", "jwtsite.wsgi:application"],
        cwd=REPO,
        env={
            **clean,
            "DJANGO_SECRET_KEY": "k" * 64,
            "DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3",
            "PORT": "0",
            "WEB_CONCURRENCY": "1",
            "GUNICORN_PRELOAD": preload,
            "JWT_LEEWAY": "61",
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "jwtsite: JWT_LEEWAY must be a whole number from 0 to 60, not 61. (accounts.E001)" in result.stderr
    assert "Booting worker" not in result.stderr
