"""The soak's server: ``make serve`` on a free port, its gunicorn master and workers found through /proc.

Also each worker's RSS and what else the machine was running (bench/soak.py reports both).
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from harness.servers import REPO, Client, free_port


def children(pid: int) -> list[int]:
    try:
        return [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for {pid}")


def machine_state() -> dict:
    """Load average and the busiest processes (``ps``), to say what else was running."""
    top = subprocess.run(
        ["ps", "-eo", "pcpu,rss,etimes,comm", "--sort=-pcpu"], capture_output=True, text=True, check=False
    ).stdout.splitlines()[:9]
    return {"loadavg": Path("/proc/loadavg").read_text().split()[:3], "top": top}


class Server:
    """``make serve`` on a free port; its gunicorn master and workers found through /proc."""

    def __init__(self, env: dict[str, str], log_path: Path) -> None:
        self.port = free_port()
        self.env = {**env, "HOST": "127.0.0.1", "PORT": str(self.port)}
        self.log_path = log_path
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        with open(self.log_path, "wb") as output:
            self.process = subprocess.Popen(
                ["make", "--no-print-directory", "serve"], cwd=REPO, env=self.env, stdout=output, stderr=output
            )
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                sys.exit(f"soak: make serve exited with {self.process.returncode}; see {self.log_path}")
            try:
                if Client(self.url).get("/healthz").status == 200 and len(self.workers()) >= self.expected_workers:
                    return
            except OSError:
                pass
            time.sleep(0.5)
        sys.exit(f"soak: make serve did not become healthy; see {self.log_path}")

    @property
    def expected_workers(self) -> int:
        return int(self.env.get("WEB_CONCURRENCY") or 2 * len(os.sched_getaffinity(0)) + 1)

    def master(self) -> int:
        (master,) = children(self.process.pid)  # make execs gunicorn in its recipe's shell
        return master

    def workers(self) -> list[int]:
        masters = children(self.process.pid)
        return sorted(children(masters[0])) if masters else []

    def rss(self, samples: int = 1) -> dict[int, float]:
        """Each worker's RSS; with ``samples``, its lowest over that many readings 0.5 s apart.

        A worker hashing a password (Argon2, 100 MB for a fraction of a
        second) is caught at its peak otherwise; the lowest reading is what it
        keeps.
        """
        readings = []
        for sample in range(samples):
            if sample:
                time.sleep(0.5)
            readings.append({pid: rss_mb(pid) for pid in self.workers()})
        return {pid: min(reading[pid] for reading in readings) for pid in readings[0]}

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.kill(self.master(), signal.SIGTERM)
        try:
            self.process.wait(60)
        except subprocess.TimeoutExpired:
            self.process.kill()
