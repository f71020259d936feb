"""jwtsite side by side with its peers: dj-rest-auth's cookie mode, plain simplejwt Bearer, a bare DRF view.

The peers run from a virtualenv of their own (``bench/.venv-peers``, from
``bench/peers/requirements.txt``; never the project's requirements.txt), as
a Django project of their own (``bench/peers/peersite``), on gunicorn with
the same worker count as jwtsite. Each peer runs twice: with Django's default
database settings (``theirs``: a new SQLite connection per request, rollback
journal) and with jwtsite's (``ours``: persistent connections, WAL). Every
variant is loaded by wrk in every round, in an order that alternates between
rounds; each ratio is taken within one round.
"""

import json
import os
import secrets
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from harness.servers import Client, free_port

BENCH = Path(__file__).resolve().parent
PEERS = BENCH / "peers"
PEERS_VENV = BENCH / ".venv-peers"
PEERS_REQUIREMENTS = PEERS / "requirements.txt"
DB_SETTINGS = ("theirs", "ours")


def ensure_peers_venv(log) -> Path:
    """The peers' python, creating their virtualenv when it is missing or its requirements changed."""
    python = PEERS_VENV / "bin" / "python"
    stamp = PEERS_VENV / ".requirements-installed"
    wanted = PEERS_REQUIREMENTS.read_text()
    if python.exists() and stamp.exists() and stamp.read_text() == wanted:
        return python
    log(f"creating the peers' virtualenv in {PEERS_VENV.relative_to(BENCH.parent)}")
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(PEERS_VENV)], check=True)
    subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "-r", str(PEERS_REQUIREMENTS)],
        check=True,
    )
    stamp.write_text(wanted)
    return python


@dataclass
class PeerServer:
    """The peers' project on gunicorn with one database setting; a context manager."""

    db_settings: str
    database: Path
    log_path: Path
    workers: int
    port: int = 0
    process: subprocess.Popen | None = None
    access: str = ""

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def env(self) -> dict[str, str]:
        keep = {name: value for name, value in os.environ.items() if not name.startswith(("DJANGO_", "PEER_"))}
        return {
            **keep,
            "DJANGO_SETTINGS_MODULE": "peersite.settings",
            "PEER_SECRET_KEY": self.secret,
            "PEER_DATABASE": str(self.database),
            "PEER_DB_SETTINGS": self.db_settings,
        }

    def __enter__(self) -> "PeerServer":
        import time

        self.secret = secrets.token_urlsafe(50)
        python = PEERS_VENV / "bin" / "python"
        done = subprocess.run(
            [str(python), "-m", "peersite.setup_bench"],
            cwd=PEERS,
            env=self.env(),
            capture_output=True,
            text=True,
            check=True,
            timeout=300,
        )
        self.access = json.loads(done.stdout.strip().splitlines()[-1])["access"]
        self.port = free_port()
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(
                [
                    str(PEERS_VENV / "bin" / "gunicorn"),
                    "peersite.wsgi:application",
                    *("--workers", str(self.workers), "--bind", f"127.0.0.1:{self.port}", "--worker-class", "sync"),
                ],
                cwd=PEERS,
                env=self.env(),
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if Client(self.url).get("/peer/bare/").status == 200:
                    return self
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"the peers' gunicorn did not start:\n{self.log_path.read_text()[-2000:]}")

    def __exit__(self, *exc_info) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(15)

    def variants(self) -> dict[str, tuple[str, dict[str, str]]]:
        """Name → (URL, wrk environment) of this server's three endpoints."""
        suffix = f"[{self.db_settings}]"
        return {
            f"bare{suffix}": (self.url + "/peer/bare/", {}),
            f"dj-rest-auth cookie{suffix}": (
                self.url + "/dj-rest-auth/user/",
                {"BENCH_HEADER_NAME": "Cookie", "BENCH_HEADER_VALUE": f"peer-access={self.access}"},
            ),
            f"simplejwt bearer{suffix}": (
                self.url + "/simplejwt/me/",
                {"BENCH_HEADER_NAME": "Authorization", "BENCH_HEADER_VALUE": f"Bearer {self.access}"},
            ),
        }


def side_by_side(bench, jwtsite_url: str, cookie_access: str, work: Path, workers: int, connections: int, log) -> dict:
    """Every variant in every round; the medians of their rates and of the ratios taken within each round."""
    from bench.rig import alternating, rounds

    ensure_peers_venv(log)
    with (
        PeerServer("theirs", work / "peers-theirs.sqlite3", work / "gunicorn-peers-theirs.log", workers) as theirs,
        PeerServer("ours", work / "peers-ours.sqlite3", work / "gunicorn-peers-ours.log", workers) as ours,
    ):
        variants = {
            "jwtsite bare": (jwtsite_url + "/api/bench/ceiling/", {}),
            "jwtsite cookie": (
                jwtsite_url + "/api/me/",
                {"BENCH_HEADER_NAME": "Cookie", "BENCH_HEADER_VALUE": "access_token=" + cookie_access},
            ),
            **theirs.variants(),
            **ours.variants(),
        }
        for url, env in variants.values():
            parts = urlsplit(url)
            response = Client(f"{parts.scheme}://{parts.netloc}").get(parts.path, headers=_headers(env))
            assert response.status == 200, (url, response.body)
            bench.load(url, "get.lua", 2, connections, 2, **env)  # warm-up
        log(f"peers: {bench.runs} rounds x {len(variants)} variants x {bench.seconds} s")

        def peer_round(index: int) -> dict[str, float]:
            figures = {
                name: bench.load(url, "get.lua", 2, connections, bench.seconds, **env)["rps"]
                for name, (url, env) in alternating(variants.items(), index)
            }
            figures["jwtsite cookie / jwtsite bare"] = figures["jwtsite cookie"] / figures["jwtsite bare"]
            for db in DB_SETTINGS:
                bare = figures[f"bare[{db}]"]
                for peer in ("dj-rest-auth cookie", "simplejwt bearer"):
                    figures[f"{peer}[{db}] / bare[{db}]"] = figures[f"{peer}[{db}]"] / bare
                    figures[f"jwtsite cookie / {peer}[{db}]"] = figures["jwtsite cookie"] / figures[f"{peer}[{db}]"]
            return figures

        return rounds(bench.runs, peer_round)


def _headers(env: dict[str, str]) -> dict[str, str]:
    return {env["BENCH_HEADER_NAME"]: env["BENCH_HEADER_VALUE"]} if env else {}


def report_rows(figures: dict, verdict: Callable[[bool], str]) -> list[tuple[str, str, str, str]]:
    """The rows of bench/results.md's table for ``side_by_side``'s figures."""
    rows = [
        (
            "side by side, req/s: jwtsite bare / jwtsite cookie `/api/me/`",
            f"{figures['jwtsite bare']:,.0f} / {figures['jwtsite cookie']:,.0f} "
            f"({figures['jwtsite cookie / jwtsite bare']:.2f})",
            "≥ 0.85",
            verdict(figures["jwtsite cookie / jwtsite bare"] >= 0.85),
        )
    ]
    for db in DB_SETTINGS:
        rows.append(
            (
                f"peers with {db} database settings, req/s: bare / dj-rest-auth cookie / simplejwt Bearer",
                f"{figures[f'bare[{db}]']:,.0f} / {figures[f'dj-rest-auth cookie[{db}]']:,.0f} "
                f"({figures[f'dj-rest-auth cookie[{db}] / bare[{db}]']:.2f}) / "
                f"{figures[f'simplejwt bearer[{db}]']:,.0f} ({figures[f'simplejwt bearer[{db}] / bare[{db}]']:.2f})",
                "",
                "",
            )
        )
        ratio = figures[f"jwtsite cookie / dj-rest-auth cookie[{db}]"]
        rows.append(
            (
                f"jwtsite cookie ÷ dj-rest-auth cookie ({db} database settings)",
                f"{ratio:.2f}x",
                "≥ 2x" if db == "ours" else "",
                verdict(ratio >= 2) if db == "ours" else "",
            )
        )
        rows.append(
            (
                f"jwtsite cookie ÷ simplejwt Bearer ({db} database settings)",
                f"{figures[f'jwtsite cookie / simplejwt bearer[{db}]']:.2f}x",
                "",
                "",
            )
        )
    return rows
