"""A real DPoP client for the e2e tests: e2e/dpop_client/client.mjs (panva's npm package ``dpop``).

``npm ci`` in e2e/dpop_client (skipped when what is installed came from the
same lock file), then one ``node client.mjs`` run against live servers; its
JSON report is returned. Without node or npm the tests skip, saying why; with
``CI`` set they fail instead (as harness/oidc_provider.py does).
"""

import json
import os
import subprocess

from harness import npm
from harness.servers import REPO

FOLDER = REPO / "e2e" / "dpop_client"


WHAT = "the DPoP client tests"


def run_client(
    site_url: str,
    credentials: dict[str, str],
    *,
    resource_url: str | None = None,
    stale_wait: float = 0,
    algorithm: str = "ES256",
) -> dict:
    """Runs the client's whole story (sign in, use, attacks, refresh); its report, one answer per step."""
    node = npm.node(what=WHAT)
    npm.npm_ci(FOLDER, what=WHAT)
    done = subprocess.run(
        [node, "client.mjs"],
        cwd=FOLDER,
        env={
            "PATH": os.environ.get("PATH", ""),
            "SITE_URL": site_url,
            "RESOURCE_URL": resource_url or site_url,
            "USERNAME": credentials["username"],
            "PASSWORD": credentials["password"],
            "ALG": algorithm,
            "STALE_WAIT_MS": str(int(stale_wait * 1000)),
        },
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"the DPoP client failed ({done.returncode}):\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}")
    return json.loads(done.stdout)
