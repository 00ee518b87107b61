"""The waits before a trial: for the memory a server is still freeing, and until a server's
processes are quiet."""

import os
import signal
import subprocess
import sys

import psutil

from bench.instrument import trial
from bench.instrument.process_probe import tree_cpu_seconds
from bench.vocabulary.config import Config
from servers import memory
from tests.conftest import wait_for


def test_trials_wait_for_memory_a_server_is_still_freeing(monkeypatch):
    free = iter([0, 0, 0] + [2**40] * 10)
    monkeypatch.setattr(memory, "available_bytes", lambda: next(free))
    waited = trial.wait_for_memory(Config("fastapi", "process", "article", "gather", 5, 1000))
    assert 0.2 <= waited < 5
    monkeypatch.setattr(memory, "available_bytes", lambda: 0)
    assert trial.wait_for_memory(Config("flask", "process", "article", "gather", 5, 1000), limit_s=0.3) >= 0.3


#: A process that spins for 30 s in itself and in three children: busy on more than both
#: cores, so that it still reads busy in every 25 ms window (CPU time counts in 10 ms ticks)
#: when other tests and other programs share the cores.
SPIN = "import time\nt=time.time()\nwhile time.time()-t<30: pass"


SPINNERS = 4


START = f"subprocess.Popen([sys.executable, '-c', {SPIN!r}])"


BUSY = f"import subprocess, sys\nfor _ in range({SPINNERS - 1}): {START}\n{SPIN}"


def test_wait_until_quiet_returns_at_once_for_an_idle_process_and_waits_for_a_busy_one():
    idle = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    busy = subprocess.Popen([sys.executable, "-c", BUSY], start_new_session=True)
    try:
        assert trial.wait_until_quiet(idle.pid, limit_s=2) < 0.5
        # All spinning: started, with some CPU time of their loops.
        assert wait_for(
            lambda: len(psutil.Process(busy.pid).children()) == SPINNERS - 1 and tree_cpu_seconds(busy.pid) > 0.5
        )
        # CPU time counts in 10 ms ticks: with other programs on the cores, a window now and
        # then reads no tick of the spinners and ends the wait; one wait of three must still
        # last several windows (a wait that never waited lasts one).
        assert max(trial.wait_until_quiet(busy.pid, limit_s=0.4) for _ in range(3)) >= 0.15
    finally:
        idle.kill()
        os.killpg(busy.pid, signal.SIGKILL)
        for p in (idle, busy):
            p.wait()
