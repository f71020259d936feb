"""The supervisor keeps its worker processes running: a killed one is replaced, and stop() ends them all."""

import logging
import os
import queue
import signal
import sys

import pytest

from jobs.supervisor import RESTART_DELAY, Supervisor

SLEEPER = [sys.executable, "-c", "import signal; signal.pause()"]  # a worker that waits for its SIGTERM


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as stat:
        return stat.read().split()[2] != "Z"


class Started(logging.Handler):
    """The pids the supervisor says it started, as it says so."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.pids: queue.Queue[int] = queue.Queue()

    def emit(self, record: logging.LogRecord) -> None:
        if record.msg.startswith("Task worker started"):
            self.pids.put(record.args[0])


@pytest.fixture
def started(caplog):
    caplog.set_level(logging.INFO, logger="jwtsite.jobs")
    handler = Started()
    logging.getLogger("jwtsite.jobs").addHandler(handler)
    yield handler
    logging.getLogger("jwtsite.jobs").removeHandler(handler)


@pytest.mark.process
def test_a_killed_worker_is_replaced_and_stop_ends_every_worker(started):
    supervisor = Supervisor(2, command=SLEEPER).start()
    try:
        first, second = supervisor.pids()
        assert {started.pids.get_nowait(), started.pids.get_nowait()} == {first, second}
        os.kill(first, signal.SIGKILL)
        replacement = started.pids.get(timeout=5 * RESTART_DELAY)
        pids = supervisor.pids()
        assert first not in pids
        assert set(pids) == {second, replacement}
        assert all(alive(pid) for pid in pids)
    finally:
        supervisor.stop(wait=5)
    assert not any(alive(pid) for pid in supervisor.pids())


def test_no_workers_when_told_none():
    assert Supervisor(0, command=SLEEPER).start().pids() == []
