"""A real OpenID provider for the external sign-in tests: e2e/oidc/provider.mjs (the npm package ``oidc-provider``).

``npm ci`` in e2e/oidc (skipped when what is installed came from the same
lock file), then ``node provider.mjs`` on a free loopback port with two
clients, each allowed to come back to its provider's callback on the live
server. Without node or npm the tests skip, saying why; with ``CI`` set they
fail instead (as e2e/test_node_example.py does).
"""

import json
import os
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from harness import npm
from harness.servers import REPO, free_port

FOLDER = REPO / "e2e" / "oidc"
LOG_DIR = REPO / "e2e" / "artifacts" / "oidc"
# The accounts at the provider, by the login typed on its sign-in form.
ACCOUNTS = {
    "alice": {"email": "alice@example.com", "email_verified": True, "preferred_username": "alice"},
    "victim": {"email": "victim@example.com", "email_verified": True, "preferred_username": "victim"},
    # Mallory registered the victim's address at the provider, which never checked it.
    "mallory": {"email": "victim@example.com", "email_verified": False, "preferred_username": "mallory"},
}
CLIENTS = {"acme": ("jwtsite-acme", "acme-secret"), "other": ("jwtsite-other", "other-secret")}
NAMES = {"acme": "Acme", "other": "Other"}


WHAT = "the OIDC provider tests"


@dataclass
class OidcProvider:
    process: subprocess.Popen
    port: int
    log_path: Path

    @property
    def issuer(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def settings_value(self) -> list[dict]:
        """``OIDC_PROVIDERS`` for the site: both clients, as two providers at the same issuer."""
        return [
            {"id": pid, "name": NAMES[pid], "issuer": self.issuer, "client_id": cid, "client_secret": secret}
            for pid, (cid, secret) in CLIENTS.items()
        ]

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


@contextmanager
def oidc_provider(site_url: str) -> Iterator[OidcProvider]:
    node_path = npm.node(what=WHAT)
    npm.npm_ci(FOLDER, what=WHAT)
    port = free_port()
    clients = [
        {"client_id": cid, "client_secret": secret, "redirect_uris": [f"{site_url}/api/auth/providers/{pid}/callback/"]}
        for pid, (cid, secret) in CLIENTS.items()
    ]
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    log_path = LOG_DIR / "provider.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [node_path, "provider.mjs"],
            cwd=FOLDER,
            env={
                "PATH": os.environ.get("PATH", ""),
                "OIDC_PORT": str(port),
                "OIDC_CLIENTS": json.dumps(clients),
                "OIDC_ACCOUNTS": json.dumps(ACCOUNTS),
            },
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    provider = OidcProvider(process=process, port=port, log_path=log_path)
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                with urllib.request.urlopen(f"{provider.issuer}/.well-known/openid-configuration", timeout=2):
                    break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the OIDC provider did not start:\n{provider.log()}")
            time.sleep(0.1)
        yield provider
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
