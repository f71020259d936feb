"""The supervisor keeps its worker processes running: a killed one is replaced, and stop() ends them all."""

import os
import signal
import sys
import time

from jobs.supervisor import RESTART_DELAY, Supervisor

SLEEPER = [sys.executable, "-c", "import time; time.sleep(120)"]


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as stat:
        return stat.read().split()[2] != "Z"


def test_a_killed_worker_is_replaced_and_stop_ends_every_worker():
    supervisor = Supervisor(2, command=SLEEPER).start()
    try:
        first, second = supervisor.pids()
        os.kill(first, signal.SIGKILL)
        deadline = time.monotonic() + 5 * RESTART_DELAY
        while first in supervisor.pids() and time.monotonic() < deadline:
            time.sleep(0.05)
        pids = supervisor.pids()
        assert first not in pids
        assert second in pids
        assert all(alive(pid) for pid in pids)
    finally:
        supervisor.stop(wait=5)
    assert not any(alive(pid) for pid in supervisor.pids())


def test_no_workers_when_told_none():
    assert Supervisor(0, command=SLEEPER).start().pids() == []
