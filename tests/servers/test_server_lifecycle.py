"""Lifecycle: many start/stop cycles of each app leave no thread, file descriptor, port or
process behind; a server cell re-run in a notebook gets its server back."""

from __future__ import annotations

import os

import psutil
import pytest
import requests

from servers import launch
from servers.frameworks import FRAMEWORKS
from servers.names import MODES
from tests.conftest import ARTICLE_ROUTES, SMALL, children, gone, live_threads, wait_for

#: Start/stop cycles per mode: the full counts (``make test-deep``), and make test's. A leak
#: of every cycle shows in one; the reduced counts still repeat enough to show one of a few.
DEEP_CYCLES = {"thread": 200, "process": 20}
CYCLES = {"thread": 10, "process": 3}


def open_fds() -> set[str]:
    return set(os.listdir("/proc/self/fd"))


def still_listening(ports: list[int]) -> list[int]:
    """Those of ``ports`` on which this process, or a process it started, still listens
    (other programs on this machine may have taken the same numbers since)."""
    listening: set[int] = set()
    for proc in [psutil.Process(), *psutil.Process().children(recursive=True)]:
        try:
            conns = proc.net_connections(kind="tcp")
        except psutil.Error:
            continue
        listening |= {c.laddr.port for c in conns if c.status == psutil.CONN_LISTEN}
    return [p for p in ports if p in listening]


def one_cycle(framework: str, mode: str) -> tuple[int, int]:
    with launch.serve(framework, mode, size=SMALL) as s:
        if framework in ARTICLE_ROUTES:
            path, body = ARTICLE_ROUTES[framework]
            assert requests.get(s.url + path, params={"n": 2}, timeout=30).json() == body
        else:
            assert requests.get(s.url + "/run", params={"n": 2}, timeout=30).json()["framework"] == framework
        assert (s.pid == os.getpid()) == (mode == "thread")
        assert still_listening([s.port]) == [s.port]  # the leak check below can see a listening port
        port, pid = s.port, s.pid
    assert s.url == ""
    return port, pid


@pytest.mark.slow
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_many_start_stop_cycles_leave_nothing_behind(framework, mode, deep, capsys):
    cycles = (DEEP_CYCLES if deep else CYCLES)[mode]
    one_cycle(framework, mode)  # imports, logging handlers and the like, made once per process
    threads, fds, kids = live_threads(), open_fds(), children()
    ports: list[int] = []
    pids: list[int] = []
    for _ in range(cycles):
        port, pid = one_cycle(framework, mode)
        ports.append(port)
        pids.append(pid)
    wait_for(lambda: live_threads() <= threads and open_fds() <= fds and children() <= kids, timeout=10)
    leaked: dict[str, list[int] | list[str]] = {
        "threads": sorted(t.name for t in live_threads() - threads),
        "descriptors": sorted(open_fds() - fds),
        "ports": still_listening(ports),
        "processes": sorted(children() - kids) + ([p for p in pids if not gone(p)] if mode == "process" else []),
    }
    with capsys.disabled():
        print(
            f"\n{framework}/{mode}: {cycles} start/stop cycles; leaked "
            + ", ".join(f"{len(v)} {k}" for k, v in leaked.items())
        )
    assert leaked == {"threads": [], "descriptors": [], "ports": [], "processes": []}


def test_a_shared_server_is_reused_when_the_cell_runs_again_and_replaced_when_it_changes():
    try:
        first = launch.shared("cell", "fastapi", "thread", size=SMALL)
        again = launch.shared("cell", "fastapi", "thread", size=SMALL)
        assert again is first and first.answers()
        changed = launch.shared("cell", "fastapi", "thread", size=SMALL + 1)
        assert changed is not first and not first.answers() and changed.answers()
        changed.stop()  # stopped by hand: the next call starts it anew
        assert launch.shared("cell", "fastapi", "thread", size=SMALL + 1).answers()
    finally:
        launch.stop_all()
    assert not launch._started and not launch._shared


def test_every_server_still_running_stops_at_exit():
    servers = [
        launch.serve("flask", "thread", size=SMALL).start(),
        launch.serve("fastapi", "process", size=SMALL).start(),
    ]
    pid = servers[1].pid
    launch.stop_all()  # what atexit calls when the interpreter (a notebook kernel) ends
    assert all(not s.url for s in servers) and wait_for(lambda: gone(pid), timeout=10)
