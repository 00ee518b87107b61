"""One trial, and what it measures.

A *trial* is one measured request (or, for the ideal baseline, the same tasks run in this
process with no server). Each trial row (:class:`bench.vocabulary.records.TrialRow`) keeps:

- ``client_wall_s``: the client's wall time for the request (``perf_counter``);
- ``client_cpu_s``: CPU of the client's own thread (``thread_time``) -- the client alone;
- ``client_process_cpu_s``: CPU of the client's whole process (``process_time``), which is
  what IPython's ``%time`` shows; in thread mode it includes the server's threads;
- ``server_process_cpu_s``, ``peak_rss_bytes``, ``minor_faults``, ``major_faults``: the
  server process over the trial (psutil and /proc); in thread mode and for the ideal the
  server process *is* the client's, and ``server_is_client_process`` says so;
- ``server_wall_s``, ``server_cpu_s``: what the server measured around the work;
- ``tasks``: the timeline (JSON), with ``parallelism`` (at once), ``overlap`` (in progress), ``tasks_sum_s`` and
  ``tasks_window_s`` derived from it; ``sent_mono`` is the client's send time on the same
  ``time.monotonic`` clock as the task spans;
- ``memory_wait_s`` and ``quiet_wait_s``: how long the trial waited, before it started, for
  memory still being freed and for the previous trial's server to go idle.
"""

from __future__ import annotations

import json
import math
import os
import threading
import time
from typing import Any

import requests

from bench.instrument.process_probe import ProcessProbe, Usage, tree_cpu_seconds
from bench.vocabulary.config import Config
from bench.vocabulary.records import Measurement
from servers import harness

#: What trials.csv says served an ideal trial: nothing.
NO_SERVER = "none"


def _timeline(tasks: list[dict[str, Any]]) -> dict[str, Any]:
    """The timeline's fields of a :class:`Measurement` (NaN for none)."""
    if not tasks:
        return {}
    return {
        "parallelism": harness.parallelism(tasks),
        "overlap": harness.overlap(tasks),
        "tasks_sum_s": sum(t["end"] - t["start"] for t in tasks),
        "tasks_window_s": max(t["end"] for t in tasks) - min(t["start"] for t in tasks),
        "tasks": json.dumps(tasks, separators=(",", ":")),
    }


def _usage(u: Usage) -> dict[str, Any]:
    """The server process's fields of a :class:`Measurement`."""
    return {
        "server_process_cpu_s": u.cpu_s,
        "peak_rss_bytes": u.peak_rss_bytes,
        "peak_rss_method": u.peak_rss_method,
        "minor_faults": u.minor_faults,
        "major_faults": u.major_faults,
    }


def _number(value: Any) -> float:
    """A number of the answer, NaN where it gave none (an older server, or no pool)."""
    return float(value) if value is not None else math.nan


def _interpreter(said: dict[str, Any]) -> dict[str, Any]:
    """The interpreter's fields of a :class:`Measurement`, from what a server (or the ideal's
    runner, or :func:`servers.harness.interpreter_report`) said of its own."""
    gil = said.get("gil_enabled")
    return {"interpreter": str(said.get("interpreter", "")), "gil_enabled": None if gil is None else bool(gil)}


def _answer(r: requests.Response) -> tuple[int, Any, str]:
    """Status, JSON body (None if not JSON) and the error it says (or "")."""
    try:
        body = r.json()
    except ValueError as e:
        return r.status_code, None, f"{type(e).__name__}: {e}"
    error = "" if r.status_code == 200 else str(body.get("error", {}).get("message", body))
    return r.status_code, body, error


def http_trial(config: Config, server: harness.Server, *, timeout: float) -> Measurement:
    """One ``GET /run/<endpoint>`` for ``config`` against a started ``server``, on a session
    of its own. When ``config.back_to_back``, the same request goes again the moment the first
    answered, on the same connection (one client in a closed loop), and in process mode the
    server's CPU is counted from the first request until the server is idle again, per
    request. Everything else describes the first request."""
    query: dict[str, str | int] = {
        "workload": config.workload,
        "strategy": config.strategy,
        "n": config.n,
        "size": config.size,
    }
    url = f"{server.url}/run/{config.endpoint}"
    error, body, status = "", None, 0
    tree_cpu0 = tree_cpu_seconds(server.root_pid)
    again: dict[str, Any] = {}
    with requests.Session() as session:
        with ProcessProbe(server.pid) as probe:
            sent = time.monotonic()
            c0, p0, t0 = time.thread_time(), time.process_time(), time.perf_counter()
            try:
                status, body, error = _answer(session.get(url, params=query, timeout=timeout))
            except requests.RequestException as e:
                error = f"{type(e).__name__}: {e}"
            t1, c1, p1 = time.perf_counter(), time.thread_time(), time.process_time()
        if config.back_to_back and status == 200:
            again = _again(session, url, query, server, timeout=timeout, tree_cpu0=tree_cpu0)
            error = str(again.pop("error", "")) or error
    answered: dict[str, Any] = {}
    if body is not None and status == 200:
        answered = {
            "server_wall_s": body["server"]["wall_s"],
            "server_cpu_s": body["server"]["cpu_s"],
            "blas_threads": body["blas_threads"],
            "pool_workers": _number(body.get("pool_workers")),
            "task_threads": _number(body.get("task_threads")),
            **_interpreter(body["server"]),
            **_timeline(body["tasks"]),
        }
    return Measurement(
        status=status if not error or status != 200 else 0,
        error=error,
        server_pid=server.pid,
        server_is_client_process=server.pid == os.getpid(),
        sent_mono=sent,
        client_wall_s=t1 - t0,
        client_cpu_s=c1 - c0,
        client_process_cpu_s=p1 - p0,
        **_usage(probe.usage),
        **answered,
        **again,
    )


def _again(
    session: requests.Session,
    url: str,
    query: dict[str, str | int],
    server: harness.Server,
    *,
    timeout: float,
    tree_cpu0: float,
) -> dict[str, Any]:
    """The same request sent again at once; then, in process mode, the server's CPU per
    request from the first one's send until the server is idle again."""
    t0 = time.perf_counter()
    try:
        status, _, error = _answer(session.get(url, params=query, timeout=timeout))
    except requests.RequestException as e:
        status, error = 0, f"{type(e).__name__}: {e}"
    out: dict[str, Any] = {"b2b_wall_s": time.perf_counter() - t0}
    if status != 200:
        out["error"] = f"the request sent again: {error or status}"
    if server.pid != os.getpid():  # in thread mode the server is this process: no CPU of its own
        wait_until_quiet(server.root_pid)
        out["server_cpu_to_idle_s"] = (tree_cpu_seconds(server.root_pid) - tree_cpu0) / 2
    return out


def _ideal_trial(config: Config, pool: harness.TaskPool | None = None) -> Measurement:
    """The same tasks run in this process with no server: the ideal to compare against.

    ``processes`` runs on ``pool`` (the measuring process's own). Guarded by the same
    memory estimate as a server; a refusal is recorded as status 422.
    """
    workers = pool.workers if pool else None
    estimate = harness.estimate_peak_bytes(
        config.workload, config.strategy, n=config.n, size=config.size, workers=workers
    )
    pid = os.getpid()
    try:
        with harness.reserved(estimate), ProcessProbe(pid) as probe:
            sent = time.monotonic()
            p0, t0 = time.process_time(), time.perf_counter()
            tasks = harness.run_ideal(config.workload, config.strategy, n=config.n, size=config.size, pool=pool)
            t1, p1 = time.perf_counter(), time.process_time()
    except harness.MemoryRefused as e:
        return Measurement(status=422, error=str(e), server_pid=pid, server_is_client_process=True)
    # There is no client: the wall time is the work's, and all CPU is the "server's".
    return Measurement(
        status=200,
        server_pid=pid,
        server_is_client_process=True,
        sent_mono=sent,
        client_wall_s=t1 - t0,
        client_process_cpu_s=p1 - p0,
        **_usage(probe.usage),
        server_wall_s=t1 - t0,
        server_cpu_s=p1 - p0,
        blas_threads=harness.DEFAULT_BLAS_THREADS,
        pool_workers=_number(workers),
        task_threads=float(harness.task_threads(config.strategy, config.n)),
        **_interpreter(harness.interpreter_report()),
        **_timeline(tasks),
    )


def _runner_trial(config: Config, runner: harness.IdealRunner) -> Measurement:
    """The ideal under another interpreter: the same tasks in ``runner``'s process (a Python
    of that interpreter, with no server), timed inside it as :func:`_ideal_trial` times them
    here; its process's usage probed from here. ``processes`` runs on the runner's own pool."""
    with ProcessProbe(runner.pid) as probe:
        sent = time.monotonic()
        said = runner.run(config.workload, config.strategy, n=config.n, size=config.size)
    return Measurement(
        status=200,
        server_pid=runner.pid,
        server_is_client_process=False,
        sent_mono=sent,
        client_wall_s=said["wall_s"],
        client_process_cpu_s=said["cpu_s"],
        **_usage(probe.usage),
        server_wall_s=said["wall_s"],
        server_cpu_s=said["cpu_s"],
        blas_threads=harness.DEFAULT_BLAS_THREADS,
        pool_workers=_number(said.get("pool_workers")),
        task_threads=float(harness.task_threads(config.strategy, config.n)),
        **_interpreter(said),
        **_timeline(said["tasks"]),
    )


def _burst_trial(config: Config, server: harness.Server, *, timeout: float) -> Measurement:
    """``config.clients`` requests of ``config`` sent at once, each on a session and a thread
    of its own, released together by a barrier: the burst's wall time (first send to last
    answer) is the trial's ``client_wall_s``; its tasks are every request's (their parallelism
    is across requests: a server with a thread per request runs them side by side or not);
    ``server_wall_s`` is the longest request's, ``server_cpu_s`` their sum. A request that
    failed fails the trial."""
    k = config.clients
    url = f"{server.url}/run/{config.endpoint}"
    query: dict[str, str | int] = {
        "workload": config.workload,
        "strategy": config.strategy,
        "n": config.n,
        "size": config.size,
    }
    barrier = threading.Barrier(k + 1)
    answers: list[tuple[int, Any, str]] = [(0, None, "not sent")] * k

    def client(i: int) -> None:
        with requests.Session() as session:
            barrier.wait()
            try:
                answers[i] = _answer(session.get(url, params=query, timeout=timeout))
            except requests.RequestException as e:
                answers[i] = (0, None, f"{type(e).__name__}: {e}")

    threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(k)]
    for t in threads:
        t.start()
    with ProcessProbe(server.pid) as probe:
        sent = time.monotonic()
        p0, t0 = time.process_time(), time.perf_counter()
        barrier.wait()
        for t in threads:
            t.join()
        t1, p1 = time.perf_counter(), time.process_time()
    failed = [f"{status}: {error}" for status, _, error in answers if status != 200 or error]
    bodies = [body for status, body, error in answers if status == 200 and not error and body is not None]
    answered: dict[str, Any] = {}
    if not failed:
        answered = {
            "server_wall_s": max(b["server"]["wall_s"] for b in bodies),
            "server_cpu_s": sum(b["server"]["cpu_s"] for b in bodies),
            "blas_threads": bodies[0]["blas_threads"],
            "pool_workers": _number(bodies[0].get("pool_workers")),
            "task_threads": _number(bodies[0].get("task_threads")),
            # A server whose GIL is on for any request is not free-threaded.
            **_interpreter({**bodies[0]["server"], "gil_enabled": any(b["server"]["gil_enabled"] for b in bodies)}),
            **_timeline([t for b in bodies for t in b["tasks"]]),
        }
    return Measurement(
        status=0 if failed else 200,
        error=f"{len(failed)} of {k} requests failed: {failed[0]}" if failed else "",
        server_pid=server.pid,
        server_is_client_process=server.pid == os.getpid(),
        sent_mono=sent,
        client_wall_s=t1 - t0,
        client_process_cpu_s=p1 - p0,
        **_usage(probe.usage),
        **answered,
    )


def unfinished(error: str) -> Measurement:
    """What a trial that ended without an answer measured: status 0 and why, nothing else."""
    return Measurement(status=0, error=error)


#: Longest wait, before a trial, for memory that a previous trial's server is still freeing.
MEMORY_WAIT_S = 60.0


def wait_for_memory(config: Config, limit_s: float = MEMORY_WAIT_S) -> float:
    """Wait (polling, at most ``limit_s``) until ``config``'s estimated peak fits in memory
    again; return the seconds waited. A server may still be freeing the previous trial's
    results after it answered (FastAPI does), and the next trial must not be refused, nor
    measured, while it does."""
    estimate = harness.estimate_peak_bytes(config.workload, config.strategy, n=config.n, size=config.size)
    t0 = time.monotonic()
    while harness.memory_limit_bytes() < estimate and time.monotonic() - t0 < limit_s:
        time.sleep(0.1)
    return time.monotonic() - t0


#: Longest wait, before a trial, for the previous trial's server to go quiet.
QUIET_WAIT_S = 3.0

#: A process is quiet when it used less than this share of a core over a 25 ms window.
QUIET_SHARE = 0.1


def wait_until_quiet(pid: int, limit_s: float = QUIET_WAIT_S) -> float:
    """Wait (polling 25 ms windows, at most ``limit_s``) until process ``pid`` and all its
    descendants are idle; return the seconds waited. Called with the measuring process, that
    is every server, pool worker and thread this run started. A server can go on working
    after it answered (FastAPI frees the gathered results after its reply; pool workers free
    theirs after sending their span); on two cores that work would otherwise land in the
    next trial, whichever configuration it measures."""
    t0 = time.monotonic()
    window = 0.025
    while time.monotonic() - t0 < limit_s:
        before = tree_cpu_seconds(pid)
        time.sleep(window)
        used = tree_cpu_seconds(pid) - before
        if not used == used or used < QUIET_SHARE * window:  # NaN (gone) or quiet
            break
    return time.monotonic() - t0


def measure(
    config: Config,
    server: harness.Server | None,
    pool: harness.TaskPool | None,
    timeout: float,
    runner: harness.IdealRunner | None = None,
) -> Measurement:
    """One trial of ``config``: on ``server`` (a burst of requests when it has several
    clients), or for the ideal on ``runner`` (under another interpreter) or in this process.
    A fault in the measuring itself is a failed trial, not a lost run."""
    try:
        if server is not None:
            if config.clients > 1:
                return _burst_trial(config, server, timeout=timeout)
            return http_trial(config, server, timeout=timeout)
        return _runner_trial(config, runner) if runner is not None else _ideal_trial(config, pool)
    except Exception as e:  # noqa: BLE001 -- a fault in one trial must not lose the run
        return unfinished(f"{type(e).__name__}: {e}")
