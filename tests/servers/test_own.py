"""A function of one's own as a workload: made, registered, fanned out by every strategy, in
thread mode and behind ``python -m servers --workload``; and what it refuses, in one line."""

import asyncio
import subprocess
import sys
import threading
from collections.abc import Awaitable, Iterator
from typing import Any

import pytest
import requests

from servers import launch, own, strategies, workloads
from servers.pool import TaskPool
from servers.strategies import Context
from tests import ROOT
from tests.conftest import assert_no_new_threads, live_threads


def crunch(k: int) -> int:
    """Pure Python: holds the GIL."""
    acc = 0
    for i in range(k):
        acc = (acc + i * i) % 1_000_003
    return acc


async def waits(ms: int) -> None:
    """An await: gathered copies overlap."""
    await asyncio.sleep(ms / 1000)


def awaited(result: Awaitable[Any]) -> Any:
    """What awaiting ``result`` gives, from sync code."""

    async def wait() -> Any:
        return await result

    return asyncio.run(wait())


def test_a_plain_function_and_a_coroutine_become_workloads_in_both_forms():
    plain = own.workload_of(crunch, name="crunch", args=(2000,))
    assert plain.run(1) == crunch(2000) and awaited(plain.arun(1)) == crunch(2000)
    assert not plain.yields and plain.max_size == 1 and plain.once_s > 0 and plain.portable
    coro = own.workload_of(waits, name="waits", kwargs={"ms": 20})
    assert coro.yields and coro.run(1) is None and awaited(coro.arun(1)) is None
    spans = strategies.run_in_new_loop(strategies.gather(coro, 4, 1, Context()))
    assert workloads.overlap(spans) > 3.0  # its awaits overlap when gathered


@pytest.fixture(scope="module")
def pool() -> Iterator[TaskPool]:
    p = TaskPool(2).start()
    yield p
    p.shutdown()


@pytest.mark.slow  # seconds: make test, not make test-fast
def test_the_process_pool_runs_a_module_function_and_one_defined_anywhere(pool):
    by_reference = own.register(own.workload_of(crunch, name="crunch", args=(2000,)))
    local_k = 3000
    by_value = own.register(own.workload_of(lambda: crunch(local_k), name="closure"))
    try:
        for w in (by_reference, by_value):
            spans = strategies.processes(w, 2, 1, Context(pool=pool))
            assert {s.pid for s in spans} <= set(pool.pids), w.name
    finally:
        own.unregister("crunch")
        own.unregister("closure")
    assert "crunch" not in workloads.WORKLOADS and "article" in workloads.WORKLOADS


def test_what_cannot_make_a_workload_is_refused_in_one_line():
    def raises() -> None:
        raise RuntimeError("boom")

    cases = [
        (lambda: own.workload_of(crunch, name="Bad Name", args=(1,)), "lowercase word"),
        (lambda: own.workload_of(crunch, name="article", args=(1,)), "built-in"),
        (lambda: own.workload_of(42, name="x"), "not a function"),  # type: ignore[arg-type]
        (lambda: own.workload_of(raises, name="x"), "raised RuntimeError: boom"),
        (lambda: own.from_spec("nomodule_here:f"), "no module named 'nomodule_here'"),
        (lambda: own.from_spec("x=tests.servers.test_own:nothing"), "has no attribute 'nothing'"),
        (lambda: own.from_spec("just-a-name"), "not NAME=MODULE:FUNCTION"),
        (lambda: own.from_spec("x=tests.servers.test_own:crunch", args="[1,"), "arguments are JSON"),
        (lambda: own.from_spec("x=tests.servers.test_own:crunch", args="3"), "a JSON list or object"),
    ]
    for make, said in cases:
        with pytest.raises(own.SpecError) as e:
            make()
        assert said in str(e.value) and "\n" not in str(e.value), str(e.value)
    assert own.name_of("tests.servers.test_own:crunch") == "crunch" and own.name_of("m=a.b:c") == "m"


@pytest.mark.slow
def test_a_served_own_function_runs_every_strategy_and_one_that_cannot_travel_is_refused_only_by_the_pool():
    lock = threading.Lock()

    def holds_a_lock() -> int:
        with lock:
            return crunch(2000)

    before = live_threads()
    own.register(own.workload_of(crunch, name="crunch", args=(20_000,)))
    stuck = own.register(own.workload_of(holds_a_lock, name="locked"))
    assert stuck.portable == b"" and "lock" in stuck.unsendable
    try:
        with launch.serve("fastapi", "thread") as s:
            for strategy in strategies.STRATEGIES:
                r = requests.get(s.url + "/run", params=query("crunch", strategy, 2), timeout=60)
                assert r.status_code == 200 and len(r.json()["tasks"]) == 2, (strategy, r.text)
            r = requests.get(s.url + "/run", params=query("locked", "threads", 2), timeout=60)
            assert r.status_code == 200
            r = requests.get(s.url + "/run", params=query("locked", "processes"), timeout=60)
            assert r.status_code == 422 and r.json()["error"]["code"] == "not_sendable", r.text
            assert "the other strategies run it" in r.json()["error"]["message"]
    finally:
        own.unregister("crunch")
        own.unregister("locked")
    assert_no_new_threads(before)


def query(workload: str, strategy: str = "gather", n: int = 1) -> dict[str, str | int]:
    return {"workload": workload, "strategy": strategy, "n": n}


def run_servers(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "servers", *args], cwd=ROOT, capture_output=True, text=True, timeout=60
    )


@pytest.mark.slow
def test_a_bad_workload_spec_on_the_command_line_exits_2_naming_what_was_wrong():
    for spec, said in (
        ("x=tests.servers.test_own:nothing", "has no attribute 'nothing'"),
        ("article=tests.servers.test_own:crunch", "built-in workload's name"),
        ("x=no_such_module_anywhere:f", "no module named"),
    ):
        done = run_servers("fastapi", "--port", "0", "--workload", spec)
        assert done.returncode == 2 and said in done.stderr, done.stderr
        assert done.stderr.count("\n") == 1 and done.stderr.startswith("error: --workload: "), done.stderr
    done = run_servers("fastapi", "--workload", "x=tests.servers.test_own:crunch", "--workload-args", "y=[1]")
    assert done.returncode == 2 and "workload_args for y, which no workload names" in done.stderr


@pytest.mark.slow
def test_python_m_servers_workload_serves_a_function_behind_gunicorn_s_workers():
    # behind gunicorn, the workers it forks make the app: each registers the function from the
    # environment the command line set (docs/servers.md's command serves one behind uvicorn)
    for framework, server in (("fastapi", "gunicorn-asgi"),):
        spec, args = ("mine=tests.servers.test_own:crunch",), {"mine": "[20000]"}
        with launch.serve(framework, "process", server=server, workload=spec, workload_args=args) as s:
            for strategy in ("sequential", "threads", "processes"):
                r = requests.get(s.url + "/run", params=query("mine", strategy, 2), timeout=60)
                assert r.status_code == 200 and r.json()["workload"] == "mine", (framework, strategy, r.text)
            r = requests.get(s.url + "/run", params=query("yours"), timeout=60)
            assert r.status_code == 400 and "mine" in r.json()["error"]["message"]  # only what was registered
