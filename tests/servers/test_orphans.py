"""Orphans: servers, their pool's workers and the production servers end when the process that
started them is killed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import psutil
import pytest

from tests import ROOT
from tests.conftest import gone, wait_for

#: Servers killed with their owner: slow.
pytestmark = pytest.mark.slow


def owner_of(code: str) -> subprocess.Popen[str]:
    """A Python process that runs ``code`` (with ``launch`` imported: it starts servers and
    prints a pid), then waits until it is killed."""
    return subprocess.Popen(
        [sys.executable, "-c", f"import sys\nfrom servers import launch\n{code}sys.stdin.read()\n"],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )


def test_servers_and_pool_workers_end_when_their_owner_is_killed():
    owner = owner_of(
        "import requests\n"
        "s = launch.serve('fastapi', 'process', size=200).start()\n"
        "requests.get(s.url + '/run', params={'strategy': 'processes', 'workload': 'sleep', 'n': 2, 'size': 1})\n"
        "print(s.pid, flush=True)\n"
    )
    server, workers = 0, []
    try:
        assert owner.stdout is not None
        server = int(owner.stdout.readline())
        workers = [p.pid for p in psutil.Process(server).children()]
        assert len(workers) >= 2  # the pool's workers (and multiprocessing's resource tracker)
        owner.kill()  # SIGKILL: no finally block, no atexit
        owner.wait(timeout=10)
        assert wait_for(lambda: gone(server) and all(gone(w) for w in workers), timeout=15), [
            psutil.Process(p).cmdline() for p in [server, *workers] if not gone(p)
        ]
    finally:
        if owner.poll() is None:
            owner.kill()
            owner.wait(timeout=10)
        for pid in [p for p in (server, *workers) if p and not gone(p)]:  # only if the test failed
            os.kill(pid, signal.SIGKILL)


@pytest.mark.parametrize("framework, server", [("litestar", "gunicorn-asgi"), ("quart", "granian")])
def test_a_production_server_ends_when_its_owner_is_killed(framework, server):
    """gunicorn and Granian replace the Python process that starts them (exec), which takes its
    watchdog thread with it: a process beside them watches instead, and ends their group."""
    owner = owner_of(
        f"s = launch.serve({framework!r}, 'process', server={server!r}, size=200).start()\n"
        "print(s.root_pid, flush=True)\n"
    )
    group: list[int] = []
    try:
        assert owner.stdout is not None
        root = int(owner.stdout.readline())
        group = [p.pid for p in psutil.process_iter() if not gone(p.pid) and _group_of(p.pid) == root]
        assert root in group and len(group) >= 2  # the server and its worker(s), and the watchdog
        owner.kill()  # SIGKILL: no finally block, no atexit
        owner.wait(timeout=10)
        assert wait_for(lambda: all(gone(p) for p in group), timeout=20), [
            psutil.Process(p).cmdline() for p in group if not gone(p)
        ]
    finally:
        if owner.poll() is None:
            owner.kill()
            owner.wait(timeout=10)
        for pid in [p for p in group if not gone(p)]:  # only if the test failed
            os.kill(pid, signal.SIGKILL)


def _group_of(pid: int) -> int:
    try:
        return os.getpgid(pid)
    except ProcessLookupError:
        return 0
