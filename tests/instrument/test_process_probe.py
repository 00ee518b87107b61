"""The process probe: CPU, peak memory and page faults of a process, a dead one too, and a
process's CPU read without the calling thread's."""

import math
import os
import subprocess
import sys
import threading
import time

from bench.instrument.process_probe import ProcessProbe, tree_cpu_seconds


def test_probe_measures_this_process_and_survives_a_dead_one():
    with ProcessProbe(os.getpid()) as p:
        block = bytearray(64 * 2**20)  # touch 64 MiB
        block[::4096] = b"x" * len(block[::4096])
    assert p.usage.peak_rss_bytes >= 64 * 2**20 and p.usage.minor_faults >= 16_000 / 2
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    with ProcessProbe(child.pid) as dead:
        pass
    assert math.isnan(dead.usage.cpu_s) and math.isnan(dead.usage.peak_rss_bytes)


def _spin(seconds: float) -> None:
    t = time.thread_time()
    while time.thread_time() - t < seconds:
        pass


def test_reading_this_process_leaves_out_the_calling_thread_and_counts_the_others():
    """A caller polling its own process (thread-mode servers are its threads) must not read
    its own polling as the tree's work; another thread's work still counts."""
    me = os.getpid()
    before = tree_cpu_seconds(me)
    _spin(0.3)
    assert tree_cpu_seconds(me) - before < 0.1
    worker = threading.Thread(target=_spin, args=(0.3,))
    before = tree_cpu_seconds(me)
    worker.start()
    worker.join()
    assert tree_cpu_seconds(me) - before >= 0.2
