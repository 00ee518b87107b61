"""Repeated, interleaved trials, and what each one measures.

A *trial* is one measured request (or, for the ideal baseline, the same tasks run in this
process with no server). Each trial row (see :data:`bench.store.COLUMNS`) keeps:

- ``client_wall_s``: the client's wall time for the request (``perf_counter``);
- ``client_cpu_s``: CPU of the client's own thread (``thread_time``) -- the client alone;
- ``client_process_cpu_s``: CPU of the client's whole process (``process_time``), which is
  what IPython's ``%time`` shows; in thread mode it includes the server's threads;
- ``server_process_cpu_s``, ``peak_rss_bytes``, ``minor_faults``, ``major_faults``: the
  server process over the trial (psutil and /proc); in thread mode and for the ideal the
  server process *is* the client's, and ``server_is_client_process`` says so;
- ``server_wall_s``, ``server_cpu_s``: what the server measured around the work;
- ``tasks``: the timeline (JSON), with ``parallelism``, ``tasks_sum_s`` and
  ``tasks_window_s`` derived from it; ``sent_mono`` is the client's send time on the same
  ``time.monotonic`` clock as the task spans;
- ``memory_wait_s`` and ``quiet_wait_s``: how long the trial waited, before it started, for
  memory still being freed and for the previous trial's server to go idle.
"""

from __future__ import annotations

import json
import os
import random
import secrets
import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import requests

from servers import launch, memory, strategies, workloads
from servers.pool import TaskPool

from . import environment
from .presets import IDEAL, VARIANTS, Config, Preset, resolve
from .probe import ProcessProbe, tree_cpu_seconds
from .progress import bar as progress_bar
from .store import DEFAULT_ROOT, Run

SERVER_NAMES = {"flask": "werkzeug", "fastapi": "uvicorn", IDEAL: "none"}


@dataclass(frozen=True)
class Step:
    """One scheduled trial."""

    repeat: int
    warmup: bool
    config: Config


def schedule(configs: list[Config] | dict[Config, int], repeats: int, warmup: int, seed: int) -> list[Step]:
    """Warm-up rounds, then measured rounds; every round visits every config once, in an
    order shuffled by ``random.Random(seed)``, so slow drifts hit all configs alike.

    ``configs`` may map each config to its own number of measured repeats (``repeats`` is
    then ignored): round r visits the configs that ask for more than r, so the extra rounds
    of the few that ask for more come last, still interleaved among themselves.
    """
    wanted = configs if isinstance(configs, dict) else dict.fromkeys(configs, repeats)
    rng = random.Random(seed)
    steps: list[Step] = []
    for r in range(warmup):
        order = list(wanted)
        rng.shuffle(order)
        steps += [Step(r, True, c) for c in order]
    for r in range(max(wanted.values(), default=0)):
        order = [c for c, k in wanted.items() if k > r]
        rng.shuffle(order)
        steps += [Step(r, False, c) for c in order]
    return steps


def _timeline(tasks: list[dict[str, Any]]) -> dict[str, Any]:
    if not tasks:
        return {"parallelism": float("nan"), "tasks_sum_s": float("nan"), "tasks_window_s": float("nan"), "tasks": "[]"}
    return {
        "parallelism": workloads.parallelism(tasks),
        "tasks_sum_s": sum(t["end"] - t["start"] for t in tasks),
        "tasks_window_s": max(t["end"] for t in tasks) - min(t["start"] for t in tasks),
        "tasks": json.dumps(tasks, separators=(",", ":")),
    }


def _usage(probe: ProcessProbe) -> dict[str, Any]:
    u = probe.usage
    return {
        "server_process_cpu_s": u.cpu_s,
        "peak_rss_bytes": u.peak_rss_bytes,
        "peak_rss_method": u.peak_rss_method,
        "minor_faults": u.minor_faults,
        "major_faults": u.major_faults,
    }


def http_trial(config: Config, server: launch.Server, timeout: float) -> dict[str, Any]:
    """One ``GET /run/<endpoint>`` for ``config`` against a started ``server``."""
    query = {"workload": config.workload, "strategy": config.strategy, "n": config.n, "size": config.size}
    path = f"/run/{config.endpoint}"
    row: dict[str, Any] = {"server_pid": server.pid, "server_is_client_process": server.pid == os.getpid()}
    error, body, status = "", None, 0
    with ProcessProbe(server.pid) as probe:
        sent = time.monotonic()
        c0, p0, t0 = time.thread_time(), time.process_time(), time.perf_counter()
        try:
            r = requests.get(server.url + path, params=query, timeout=timeout)
            status = r.status_code
            body = r.json()
        except (requests.RequestException, ValueError) as e:
            error = f"{type(e).__name__}: {e}"
        t1, c1, p1 = time.perf_counter(), time.thread_time(), time.process_time()
    if body is not None and status != 200:
        error = body.get("error", {}).get("message", str(body))
    ok = status == 200 and body is not None
    row.update(
        status=status,
        error=error,
        sent_mono=sent,
        client_wall_s=t1 - t0,
        client_cpu_s=c1 - c0,
        client_process_cpu_s=p1 - p0,
        **_usage(probe),
        server_wall_s=body["server"]["wall_s"] if ok else float("nan"),
        server_cpu_s=body["server"]["cpu_s"] if ok else float("nan"),
        blas_threads=body["blas_threads"] if ok else float("nan"),
        **_timeline(body["tasks"] if ok else []),
    )
    return row


def ideal_trial(config: Config, pool: TaskPool | None = None) -> dict[str, Any]:
    """The same tasks run in this process with no server: the ideal to compare against.

    ``processes`` runs on ``pool`` (the measuring process's own). Guarded by the same
    memory estimate as a server; a refusal is recorded as status 422.
    """
    workload = workloads.get(config.workload)
    strategy = strategies.get(config.strategy)
    ctx = strategies.Context(pool=pool)
    estimate = memory.estimate_peak_bytes(workload, strategy, config.n, config.size, pool.workers if pool else None)
    pid = os.getpid()
    row: dict[str, Any] = {"server_pid": pid, "server_is_client_process": True}
    try:
        with memory.reserve(estimate), ProcessProbe(pid) as probe:
            sent = time.monotonic()
            p0, t0 = time.process_time(), time.perf_counter()
            spans = strategies.run_blocking(strategy, workload, config.n, config.size, ctx)
            t1, p1 = time.perf_counter(), time.process_time()
    except memory.MemoryRefused as e:
        return {**row, "status": 422, "error": str(e), **_timeline([])}
    # There is no client: the wall time is the work's, and all CPU is the "server's".
    row.update(
        status=200,
        error="",
        sent_mono=sent,
        client_wall_s=t1 - t0,
        client_cpu_s=float("nan"),
        client_process_cpu_s=p1 - p0,
        **_usage(probe),
        server_wall_s=t1 - t0,
        server_cpu_s=p1 - p0,
        blas_threads=ctx.blas_threads,
        **_timeline([s.to_dict() for s in spans]),
    )
    return row


def unfinished(error: str) -> dict[str, Any]:
    """The row of a trial that ended without an answer: status 0 and why, nothing measured."""
    return {"status": 0, "error": error, "server_is_client_process": False, **_timeline([])}


#: Longest wait, before a trial, for memory that a previous trial's server is still freeing.
MEMORY_WAIT_S = 60.0


def wait_for_memory(config: Config, limit_s: float = MEMORY_WAIT_S) -> float:
    """Wait (polling, at most ``limit_s``) until ``config``'s estimated peak fits in memory
    again; return the seconds waited. A server may still be freeing the previous trial's
    results after it answered (FastAPI does), and the next trial must not be refused, nor
    measured, while it does."""
    estimate = memory.estimate_peak_bytes(
        workloads.get(config.workload), strategies.get(config.strategy), config.n, config.size
    )
    t0 = time.monotonic()
    while memory.limit_bytes() < estimate and time.monotonic() - t0 < limit_s:
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


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="microseconds")


def run_preset(
    preset: Preset,
    out: Path | str = DEFAULT_ROOT,
    seed: int | None = None,
    progress: bool = True,
    on_start: Callable[[Run], None] | None = None,
) -> Run:
    """Run ``preset`` into a new run folder under ``out`` and return it.

    Trials are appended as they finish; meta.json says whether the run completed. Every
    trial started gets its row: one that fails (a timeout, a server that died, a fault in
    the measuring itself) is kept with status 0 and the reason, and the run goes on. An
    interrupt (Ctrl-C, a notebook kernel's interrupt) keeps the trial in flight as failed,
    stops the servers, marks meta.json ``interrupted`` and is re-raised.
    """
    preset = resolve(preset)
    seed = secrets.randbits(32) if seed is None else seed
    repeats = preset.repeats_of()
    configs = list(repeats)
    steps = schedule(repeats, preset.repeats, preset.warmup, seed)
    run = Run.create(out, preset.name)
    meta: dict[str, Any] = {
        "run_id": run.id,
        "preset": preset.to_dict(),
        "seed": seed,
        "configs": [c.to_dict() for c in configs],
        "trials_planned": len(steps),
        "started_at": _now(),
        "ended_at": None,
        "completed": False,
        "interrupted": False,
        "memory_guard": {
            "usable_share": memory.USABLE_SHARE,
            "limit_bytes_at_start": memory.limit_bytes(),
            "article_gather_estimate_bytes": memory.estimate_peak_bytes(
                workloads.ARTICLE, strategies.GATHER, preset.n, preset.size or 0
            ),
        },
        **environment.collect(),
    }
    run.write_meta(meta)
    if on_start is not None:
        on_start(run)
    done = begun = 0  # trials finished (answered or failed), trials started
    try:
        with ExitStack() as stack:
            servers: dict[tuple[str, str, str], launch.Server] = {}
            wanted = sorted({(c.framework, c.mode, c.variant) for c in configs if c.framework != IDEAL})
            starting = stack.enter_context(
                progress_bar(progress, total=len(wanted), desc="starting servers", unit="server")
            )
            for key in wanted:
                starting.update()
                f, m, v = key
                servers[key] = stack.enter_context(launch.serve(f, m, size=preset.size or 1, timeout=60, **VARIANTS[v]))
            meta["servers"] = [
                {
                    "framework": f,
                    "mode": m,
                    "variant": v,
                    "server": SERVER_NAMES[f],
                    "options": VARIANTS[v],
                    "pid": s.pid,
                    "url": s.url,
                }
                for (f, m, v), s in servers.items()
            ]
            ideal_pool = None
            if any(c.framework == IDEAL and c.strategy == "processes" for c in configs):
                ideal_pool = TaskPool().start()
                stack.callback(ideal_pool.shutdown)
            meta["client_pid"] = os.getpid()
            run.write_meta(meta)
            bar = stack.enter_context(progress_bar(progress, total=len(steps), unit="trial", desc=f"{preset.name} run"))
            for seq, step in enumerate(steps):
                c = step.config
                quiet = wait_until_quiet(os.getpid()) if seq else 0.0
                bar.set_postfix_str(f"{c.framework}/{c.mode} {c.workload}/{c.strategy}", refresh=False)
                waited = wait_for_memory(c)
                started = _now()
                begun += 1
                ids = dict(
                    run_id=run.id,
                    seq=seq,
                    repeat=step.repeat,
                    warmup=step.warmup,
                    started_at=started,
                    memory_wait_s=waited,
                    quiet_wait_s=quiet,
                    server=SERVER_NAMES[c.framework],
                    **c.to_dict(),
                )
                try:
                    if c.framework == IDEAL:
                        row = ideal_trial(c, ideal_pool)
                    else:
                        row = http_trial(c, servers[(c.framework, c.mode, c.variant)], preset.request_timeout_s)
                except KeyboardInterrupt:  # the trial in flight is kept, as a failed one
                    run.append({**unfinished("interrupted: the run was stopped during this trial"), **ids})
                    meta["trials_failed"] = meta.get("trials_failed", 0) + 1
                    raise
                except Exception as e:  # noqa: BLE001 -- a fault in one trial must not lose the run
                    row = unfinished(f"{type(e).__name__}: {e}")
                run.append({**row, **ids})
                done += 1
                if row["status"] != 200:
                    meta["trials_failed"] = meta.get("trials_failed", 0) + 1
                bar.update()
        meta["completed"] = done == len(steps)
    except KeyboardInterrupt:
        meta["interrupted"] = True
        raise
    finally:
        meta["ended_at"] = _now()
        meta["trials_done"] = done
        meta["trials_started"] = begun  # = rows in trials.csv
        meta.setdefault("trials_failed", 0)
        run.write_meta(meta)
    return run
