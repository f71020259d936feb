"""A test's own npm packages (a Node process it starts, a script it injects): installed once per lock file.

``npm_ci(folder)`` runs ``npm ci`` there unless what is installed came from the
same ``package-lock.json`` (a stamp in node_modules says which). Without node or
npm, or when the install fails, the test skips saying why; with ``CI`` set it
fails instead.
"""

import hashlib
import os
import shutil
import subprocess
from pathlib import Path
from typing import NoReturn

import pytest

STAMP_NAME = ".jwtsite-lock-sha256"


def unavailable(reason: str, *, what: str) -> NoReturn:
    """Skips the test (``what`` names its kind), or fails it when ``CI`` is set."""
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI is set, so {what} may not be skipped)", pytrace=False)
    pytest.skip(reason)


def node(*, what: str) -> str:
    """The path of ``node``."""
    path = shutil.which("node")
    if path is None:
        unavailable("node is not installed (apt-get install nodejs)", what=what)
    return path


def npm_ci(folder: Path, *, what: str) -> None:
    """``npm ci`` in ``folder``, unless what is installed there came from the same lock file."""
    npm = shutil.which("npm")
    if npm is None:
        unavailable("npm is not installed (apt-get install npm)", what=what)
    lock = hashlib.sha256((folder / "package-lock.json").read_bytes()).hexdigest()
    stamp = folder / "node_modules" / STAMP_NAME
    if stamp.exists() and stamp.read_text() == lock:
        return
    done = subprocess.run(
        [npm, "ci", "--no-audit", "--no-fund"], cwd=folder, capture_output=True, text=True, timeout=300, check=False
    )
    if done.returncode != 0:
        unavailable(f"npm ci failed in {folder}:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}", what=what)
    stamp.write_text(lock)
