"""Keeps ``TASKS_WORKERS`` task worker processes running beside the web server (``make run``, ``make serve``).

The web server's own long-lived process starts it: runserver's outer process
(jobs/management/commands/runserver.py, not the child that reloads on code
changes), gunicorn's master (``when_ready``/``on_exit`` in gunicorn.conf.py). A
worker that exits (killed, crashed) is started again within a second; each
worker dies with its parent (``PR_SET_PDEATHSIG``), so none outlives the server.
"""

import contextlib
import ctypes
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

logger = logging.getLogger("jwtsite.jobs")
MANAGE_PY = Path(__file__).resolve().parent.parent / "manage.py"
RESTART_DELAY = 1.0
_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    with contextlib.suppress(OSError):  # not Linux: the supervisor's stop() still ends the workers
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


class Supervisor:
    def __init__(self, workers: int, env: dict[str, str] | None = None, command: list[str] | None = None) -> None:
        self.workers = workers
        self.command = command or [sys.executable, str(MANAGE_PY), "jobs_worker"]
        self.env = {**os.environ, **(env or {})}
        self.processes: list[subprocess.Popen] = []
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> "Supervisor":
        if self.workers <= 0:
            return self
        self.processes = [self._spawn() for _ in range(self.workers)]
        for process in self.processes:
            logger.info("Task worker started (pid %s)", process.pid)
        self._thread = threading.Thread(target=self._watch, name="task-supervisor", daemon=True)
        self._thread.start()
        return self

    def stop(self, wait: float = 10.0) -> None:
        """SIGTERM to every worker (each finishes its task), SIGKILL to any still running after ``wait``."""
        self._stop.set()
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + wait
        for process in self.processes:
            try:
                process.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
            except ChildProcessError:  # already reaped by the web server's own SIGCHLD handler (gunicorn)
                pass

    def pids(self) -> list[int]:
        return [process.pid for process in self.processes]

    def _spawn(self) -> subprocess.Popen:
        process = subprocess.Popen(  # noqa: S603 (our own manage.py, with the interpreter that runs us)
            self.command,
            env=self.env,
            preexec_fn=_die_with_parent,
        )
        # Said by the caller once the process is in self.processes: whoever reads the line
        # (an operator, a test) finds it in pids().
        return process

    def _watch(self) -> None:
        while not self._stop.wait(RESTART_DELAY):
            for index, process in enumerate(self.processes):
                if process.poll() is not None and not self._stop.is_set():
                    # Under gunicorn its master may collect the exit status first: then it reads 0.
                    logger.error("Task worker %s is gone; starting another", process.pid)
                    self.processes[index] = replacement = self._spawn()
                    logger.info("Task worker started (pid %s)", replacement.pid)
