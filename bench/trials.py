"""Repeated, interleaved trials, and what each one measures.

A *trial* is one measured request (or, for the ideal baseline, the same tasks run in this
process with no server). Each trial row (:class:`bench.records.TrialRow`) keeps:

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
import math
import os
import random
import secrets
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import requests

from servers import harness

from . import environment, figures, stats
from .presets import IDEAL, Config, Preset, resolve
from .probe import ProcessProbe, Usage, tree_cpu_seconds
from .progress import Progress
from .progress import bar as progress_bar
from .records import COLUMNS, Measurement, RunMeta, ServerRecord, TrialRow
from .store import DEFAULT_ROOT, Run, now

#: What trials.csv says served an ideal trial: nothing.
NO_SERVER = "none"


@dataclass(frozen=True)
class Step:
    """One scheduled trial."""

    repeat: int
    warmup: bool
    config: Config


def schedule(
    configs: list[Config] | dict[Config, int],
    *,
    repeats: int,
    warmup: int,
    seed: int,
    warm: set[Config] | None = None,
) -> list[Step]:
    """Warm-up rounds, then measured rounds; every round visits every config once, in an
    order shuffled by ``random.Random(seed)``, so slow drifts hit all configs alike.

    ``configs`` may map each config to its own number of measured repeats (``repeats`` is
    then ignored): round r visits the configs that ask for more than r, so the extra rounds
    of the few that ask for more come last, still interleaved among themselves. The warm-up
    rounds visit ``warm`` (default: every config).
    """
    wanted = configs if isinstance(configs, dict) else dict.fromkeys(configs, repeats)
    rng = random.Random(seed)
    steps: list[Step] = []
    for r in range(warmup):
        order = [c for c in wanted if warm is None or c in warm]
        rng.shuffle(order)
        steps += [Step(r, True, c) for c in order]
    for r in range(max(wanted.values(), default=0)):
        order = [c for c, k in wanted.items() if k > r]
        rng.shuffle(order)
        steps += [Step(r, False, c) for c in order]
    return steps


def _timeline(tasks: list[dict[str, Any]]) -> dict[str, Any]:
    """The timeline's fields of a :class:`Measurement` (NaN for none)."""
    if not tasks:
        return {}
    return {
        "parallelism": harness.parallelism(tasks),
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


def ideal_trial(config: Config, pool: harness.TaskPool | None = None) -> Measurement:
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
        **_timeline(tasks),
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


ServerKey = tuple[str, str, str]  # framework, mode, variant


def _start_servers(
    stack: ExitStack, configs: list[Config], *, size: int, progress: Progress
) -> dict[ServerKey, harness.Server]:
    """One server per framework, mode and variant the configurations use, stopped with ``stack``."""
    wanted = sorted({(c.framework, c.mode, c.variant) for c in configs if c.framework != IDEAL})
    servers: dict[ServerKey, harness.Server] = {}
    with progress_bar(progress, total=len(wanted), desc="starting servers", unit="server") as bar:
        for f, m, v in wanted:
            bar.update()
            servers[(f, m, v)] = stack.enter_context(harness.serve(f, m, size=size, variant=v, timeout=60))
    return servers


@contextmanager
def _ideal_pool() -> Iterator[harness.TaskPool]:
    """The measuring process's own process pool, for the ideal of the ``processes`` strategy."""
    pool = harness.TaskPool().start()
    try:
        yield pool
    finally:
        pool.shutdown()


def _server_record(server: harness.Server) -> ServerRecord:
    o = server.options
    return ServerRecord(
        framework=o.framework,
        mode=o.mode,
        variant=o.variant,
        server=o.server,
        options=o.to_dict(),
        command=o.command(),
        pid=server.pid,
        url=server.url,
    )


def _trial_row(
    run: Run, seq: int, step: Step, *, server: str, started: str, waited: float, quiet: float, measured: Measurement
) -> TrialRow:
    c = step.config
    return TrialRow(
        run_id=run.id,
        seq=seq,
        repeat=step.repeat,
        warmup=step.warmup,
        framework=c.framework,
        variant=c.variant,
        mode=c.mode,
        server=server,
        endpoint=c.endpoint,
        workload=c.workload,
        strategy=c.strategy,
        n=c.n,
        size=c.size,
        back_to_back=c.back_to_back,
        started_at=started,
        memory_wait_s=waited,
        quiet_wait_s=quiet,
        measured=measured,
    )


def _measure(
    config: Config, server: harness.Server | None, pool: harness.TaskPool | None, timeout: float
) -> Measurement:
    """One trial of ``config``: on ``server``, or in this process for the ideal. A fault in
    the measuring itself is a failed trial, not a lost run."""
    try:
        return ideal_trial(config, pool) if server is None else http_trial(config, server, timeout=timeout)
    except Exception as e:  # noqa: BLE001 -- a fault in one trial must not lose the run
        return unfinished(f"{type(e).__name__}: {e}")


@dataclass
class _Measuring:
    """A run's trials as they happen: each appended to the run folder at once, and kept here
    for the stopping rule to read."""

    run: Run
    meta: RunMeta
    preset: Preset
    servers: dict[ServerKey, harness.Server]
    pool: harness.TaskPool | None
    bar: Any
    rows: list[TrialRow] = field(default_factory=list)
    took: dict[Config, list[float]] = field(default_factory=dict)

    def trial(self, step: Step) -> None:
        """Measure one scheduled trial and keep its row (the one in flight, if interrupted)."""
        c, seq = step.config, len(self.rows)
        t0 = time.monotonic()
        quiet = wait_until_quiet(os.getpid()) if seq else 0.0
        self.bar.set_postfix_str(f"{c.framework}/{c.mode} {c.workload}/{c.strategy}", refresh=False)
        waited = wait_for_memory(c)
        server = None if c.framework == IDEAL else self.servers[(c.framework, c.mode, c.variant)]
        row = partial(
            _trial_row,
            self.run,
            seq,
            step,
            server=server.options.server if server else NO_SERVER,
            started=now(),
            waited=waited,
            quiet=quiet,
        )
        self.meta["trials_started"] = seq + 1
        try:
            measured = _measure(c, server, self.pool, self.preset.request_timeout_s)
        except KeyboardInterrupt:  # the trial in flight is kept, as a failed one
            self._keep(row(measured=unfinished("interrupted: the run was stopped during this trial")))
            self.meta["trials_failed"] += 1
            raise
        self._keep(row(measured=measured))
        self.meta["trials_done"] = seq + 1
        self.meta["trials_failed"] += measured.status != 200
        self.took.setdefault(c, []).append(time.monotonic() - t0)
        self.bar.update()

    def _keep(self, row: TrialRow) -> None:
        self.run.append(row)
        self.rows.append(row)

    def measured(self) -> dict[Config, int]:
        """Measured trials (warm-ups aside) per configuration so far."""
        out: dict[Config, int] = {}
        for r in self.rows:
            if not r.warmup:
                c = Config(
                    r.framework, r.mode, r.workload, r.strategy, r.n, r.size, r.endpoint, r.variant, r.back_to_back
                )
                out[c] = out.get(c, 0) + 1
        return out


def next_round(unmet: set[Config], measured: dict[Config, int], max_repeats: int) -> list[Config]:
    """The configurations of figures not at their targets yet, that may still have a trial more."""
    return sorted(c for c in unmet if measured.get(c, 0) < max_repeats)


def urgency(unmet: Sequence[figures.Figure]) -> dict[Config, float]:
    """How far each configuration's widest figure is from its target: the half-width over the
    target (infinite where a figure has no interval yet)."""
    out: dict[Config, float] = {}
    for f in unmet:
        far = f.half_width / f.target if f.target and np.isfinite(f.half_width) else math.inf
        for c in f.configs:
            out[c] = max(out.get(c, 0.0), far)
    return out


def within_budget(
    wanted: Sequence[Config], far: dict[Config, float], cost: dict[Config, float], left_s: float
) -> list[Config]:
    """The configurations of the next round that fit in ``left_s`` seconds: all of them if
    they do; else, the furthest from their targets first (``far``), each taken while its
    ``cost`` still fits, so that the trials left go where the variance is."""
    if sum(cost[c] for c in wanted) <= left_s:
        return list(wanted)
    chosen, spent = [], 0.0
    for c in sorted(wanted, key=lambda c: far.get(c, 0.0), reverse=True):
        if spent + cost[c] <= left_s:
            chosen.append(c)
            spent += cost[c]
    return chosen


#: Bootstrap resamples for the stopping rule's look at the intervals: the report's own, with
#: its seed, so that a figure the rule saw at its target is the one the report prints as met.
STOPPING_RESAMPLES = stats.RESAMPLES


def _added_rounds(m: _Measuring, rng: random.Random, started: float) -> dict[str, Any]:
    """The stopping rule: after the scheduled rounds, while some figure with a target is not at
    it, one more round (shuffled) of the configurations it is made of; until every target is
    met, no configuration may have more (``max_repeats``), or not one more trial fits in the
    preset's budget. A round that does not fit whole measures what does, the configurations
    furthest from their targets first (:func:`within_budget`)."""
    preset = m.preset
    assert preset.size is not None
    rounds, stopped, unmet = 0, "met", []
    while preset.targets:
        figs = figures.compute(
            measured_frame(m.rows),
            n=preset.n,
            size=preset.size,
            targets=preset.targets,
            only_targeted=True,
            resamples=STOPPING_RESAMPLES,
        )
        unmet = [f for f in figs if f.met is False]
        if not unmet:
            break
        wanted = next_round({c for f in unmet for c in f.configs}, m.measured(), preset.max_repeats)
        if not wanted:
            stopped = "max_repeats"
            break
        cost = {c: float(np.mean(m.took.get(c, [1.0]))) for c in wanted}
        wanted = within_budget(wanted, urgency(unmet), cost, preset.budget_s - (time.monotonic() - started))
        if not wanted:
            stopped = "budget"
            break
        rng.shuffle(wanted)
        m.bar.total += len(wanted)
        counts = m.measured()
        for c in wanted:
            m.trial(Step(counts.get(c, 0), False, c))
        rounds += 1
    return {
        "added_rounds": rounds,
        "stopped": stopped,
        "unmet": [f.id for f in unmet],
        "measuring_s": round(time.monotonic() - started, 1),
        "budget_s": preset.budget_s,
    }


def measured_frame(rows: list[TrialRow]) -> pd.DataFrame:
    """Rows as the measured trials of :func:`bench.report.measured` would give them."""
    from .report import measured

    df = pd.DataFrame([r.record() for r in rows], columns=list(COLUMNS))
    return measured(df) if len(df) else df


def run_preset(
    preset: Preset,
    out: Path | str = DEFAULT_ROOT,
    *,
    seed: int | None = None,
    progress: Progress = True,
    on_start: Callable[[Run], None] | None = None,
) -> Run:
    """Run ``preset`` into a new run folder under ``out`` and return it.

    Trials are appended as they finish; meta.json says whether the run completed. After the
    scheduled rounds the stopping rule (:func:`_added_rounds`) adds rounds for figures not yet
    at their targets, within the preset's budget; meta.json says how it stopped. Every
    trial started gets its row: one that fails (a timeout, a server that died, a fault in
    the measuring itself) is kept with status 0 and the reason, and the run goes on. An
    interrupt (Ctrl-C, a notebook kernel's interrupt) keeps the trial in flight as failed,
    stops the servers, marks meta.json ``interrupted`` and is re-raised.
    """
    preset = resolve(preset)
    size = preset.size or 1
    seed = secrets.randbits(32) if seed is None else seed
    repeats = preset.repeats_of()
    configs = list(repeats)
    rng = random.Random(seed)
    steps = schedule(
        repeats, repeats=preset.repeats, warmup=preset.warmup, seed=rng.randrange(2**32), warm=preset.warm()
    )
    run = Run.create(out, preset.name)
    meta = run.new_meta("trials", environment.collect())
    meta.update(
        {
            "preset": preset.to_dict(),
            "seed": seed,
            "configs": [c.to_dict() for c in configs],
            "trials_planned": len(steps),
            "trials_started": 0,
            "trials_done": 0,
            "trials_failed": 0,
            "targets": dict(preset.targets),
            "memory_guard": {
                "usable_share": harness.USABLE_SHARE,
                "limit_bytes_at_start": harness.memory_limit_bytes(),
                "article_gather_estimate_bytes": harness.estimate_peak_bytes(
                    "article", "gather", n=preset.n, size=size
                ),
            },
        }
    )
    run.write_meta(meta)
    if on_start is not None:
        on_start(run)
    try:
        with ExitStack() as stack:
            servers = _start_servers(stack, configs, size=size, progress=progress)
            meta["servers"] = [_server_record(s) for s in servers.values()]
            needs_pool = any(c.framework == IDEAL and c.strategy == "processes" for c in configs)
            ideal_pool = stack.enter_context(_ideal_pool()) if needs_pool else None
            meta["client_pid"] = os.getpid()
            run.write_meta(meta)
            bar = stack.enter_context(progress_bar(progress, total=len(steps), unit="trial", desc=f"{preset.name} run"))
            m = _Measuring(run, meta, preset, servers, ideal_pool, bar)
            started = time.monotonic()
            for step in steps:
                m.trial(step)
            meta["stopping"] = _added_rounds(m, rng, started)
            meta["trials_planned"] = len(m.rows)  # the scheduled rounds and those the stopping rule added
        meta["completed"] = True
    except KeyboardInterrupt:
        meta["interrupted"] = True
        raise
    finally:
        meta["ended_at"] = now()
        run.write_meta(meta)
    return run
