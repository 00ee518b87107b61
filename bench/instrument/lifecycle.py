"""A run's lifecycle: its start and stop (:func:`recorded`, shared by every kind of run,
the load runs' too), its blocks, each with servers of its own started and stopped, warmed up
until steady (:func:`_warm_until_steady`) and measured in rounds interleaved in a shuffled
order (:func:`schedule`), each trial appended as it finishes, and the stopping rule's added
rounds (:mod:`bench.instrument.stopping`, given a judge of the targets).
"""

from __future__ import annotations

import os
import random
import secrets
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import requests

from bench.instrument import environment, machine_state
from bench.instrument.progress import Progress
from bench.instrument.progress import bar as progress_bar
from bench.instrument.steady import steadiness
from bench.instrument.stopping import Judge, added_rounds
from bench.instrument.store import DEFAULT_ROOT, Run, now
from bench.instrument.trial import NO_SERVER, measure, unfinished, wait_for_memory, wait_until_quiet
from bench.vocabulary.config import IDEAL, Config, Preset, python_path
from bench.vocabulary.records import Measurement, RunKind, RunMeta, ServerRecord, TrialRow, WarmupRecord
from servers import harness


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


ServerKey = tuple[str, str, str, str]  # framework, mode, variant, python


def _server_key(c: Config) -> ServerKey:
    """The server that serves ``c``."""
    return (c.framework, c.mode, c.variant, c.python)


#: Servers of their own process started at once: most of a start is the new process importing
#: its framework, on its own core, while the others wait on ``/ping``.
START_AT_ONCE = 4


def _start_servers(
    stack: ExitStack, configs: list[Config], *, size: int, progress: Progress
) -> dict[ServerKey, harness.Server]:
    """One server per framework, mode, variant and interpreter the configurations use,
    stopped with ``stack``: those in this process (thread mode) one after another, those in
    processes of their own :data:`START_AT_ONCE` at a time. A server that fails to start
    raises once the others have started; every one is stopped with ``stack``."""
    wanted = sorted({_server_key(c) for c in configs if c.framework != IDEAL})
    servers: dict[ServerKey, harness.Server] = {}
    for f, m, v, p in wanted:
        path = python_path(p)
        under = {"python": path} if path else {}
        servers[(f, m, v, p)] = harness.serve(f, m, size=size, variant=v, timeout=60, **under)
    stack.callback(_stop_servers, list(servers.values()))
    with progress_bar(progress, total=len(wanted), desc="starting servers", unit="server") as bar:
        for key in wanted:
            if key[1] == "thread":
                servers[key].start()
                bar.update()
        apart = [servers[key] for key in wanted if key[1] != "thread"]
        pool = ThreadPoolExecutor(max_workers=START_AT_ONCE, thread_name_prefix="start-server")
        try:
            for started in as_completed([pool.submit(s.start) for s in apart]):
                started.result()
                bar.update()
        finally:  # an interrupt or a failure: no start left pending, none left half-done
            pool.shutdown(wait=True, cancel_futures=True)
    return servers


def _stop_servers(servers: list[harness.Server]) -> None:
    """Stop every server (one never started too), :data:`START_AT_ONCE` at a time: a server
    of its own process takes up to a second or two to stop (gunicorn's workers). The first
    failure is raised once all have been asked."""
    with ThreadPoolExecutor(max_workers=START_AT_ONCE, thread_name_prefix="stop-server") as pool:
        stopping = [pool.submit(s.stop) for s in servers]
    for stopped in stopping:
        stopped.result()


@contextmanager
def _ideal_runners(configs: list[Config]) -> Iterator[dict[str, harness.IdealRunner]]:
    """A runner of the ideal (:class:`servers.harness.IdealRunner`) for each interpreter other
    than the project's that an ideal configuration runs under, stopped on leaving."""
    wanted = sorted({c.python for c in configs if c.framework == IDEAL and c.python})
    with ExitStack() as stack:
        runners = {}
        for p in wanted:
            path = python_path(p)
            assert path is not None  # only the project's own has none
            runners[p] = stack.enter_context(harness.IdealRunner(path))
        yield runners


@contextmanager
def _ideal_pool() -> Iterator[harness.TaskPool]:
    """The measuring process's own process pool, for the ideal of the ``processes`` strategy."""
    pool = harness.TaskPool().start()
    try:
        yield pool
    finally:
        pool.shutdown()


def _server_record(key: ServerKey, server: harness.Server, block: int) -> ServerRecord:
    """What a run keeps of a started server: its options and command line, and what its
    ``/ping`` says of its interpreter now (after the app's imports: a free-threaded CPython
    that imported an extension not declared free-threaded has its GIL on again)."""
    o = server.options
    said = requests.get(server.url + "/ping", timeout=10).json()
    return ServerRecord(
        framework=o.framework,
        mode=o.mode,
        variant=o.variant,
        server=o.server,
        options=o.to_dict(),
        command=o.command(),
        pid=server.pid,
        url=server.url,
        python=key[3],
        interpreter=str(said.get("interpreter", "")),
        gil_enabled=said.get("gil_enabled"),
        block=block,
    )


def _trial_row(
    run: Run,
    seq: int,
    step: Step,
    *,
    block: int,
    server: str,
    started: str,
    waited: float,
    quiet: float,
    measured: Measurement,
) -> TrialRow:
    return TrialRow(
        run_id=run.id,
        seq=seq,
        repeat=step.repeat,
        warmup=step.warmup,
        server=server,
        started_at=started,
        memory_wait_s=waited,
        quiet_wait_s=quiet,
        measured=measured,
        block=block,
        **step.config.to_dict(),
    )


@dataclass
class _Measuring:
    """A run's trials as they happen: each appended to the run folder at once, and kept here
    for the stopping rule to read (:class:`bench.instrument.stopping.Measuring`)."""

    run: Run
    meta: RunMeta
    preset: Preset
    servers: dict[ServerKey, harness.Server]
    pool: harness.TaskPool | None
    runners: dict[str, harness.IdealRunner]
    bar: Any
    #: The block being measured; its servers are :attr:`servers`.
    block: int = 0
    rows: list[TrialRow] = field(default_factory=list)
    took: dict[Config, list[float]] = field(default_factory=dict)

    def trial(self, step: Step) -> None:
        """Measure one scheduled trial and keep its row (the one in flight, if interrupted)."""
        c, seq = step.config, len(self.rows)
        t0 = time.monotonic()
        quiet = wait_until_quiet(os.getpid()) if seq else 0.0
        self.bar.set_postfix_str(f"{c.framework}/{c.mode} {c.workload}/{c.strategy}", refresh=False)
        waited = wait_for_memory(c)
        server = None if c.framework == IDEAL else self.servers[_server_key(c)]
        runner = self.runners.get(c.python) if c.framework == IDEAL else None
        row = partial(
            _trial_row,
            self.run,
            seq,
            step,
            block=self.block,
            server=server.options.server if server else NO_SERVER,
            started=now(),
            waited=waited,
            quiet=quiet,
        )
        self.meta["trials_started"] = seq + 1
        try:
            measured = measure(c, server, self.pool, self.preset.request_timeout_s, runner)
        except KeyboardInterrupt:  # the trial in flight is kept, as a failed one
            self._keep(row(measured=unfinished("interrupted: the run was stopped during this trial")))
            self.meta["trials_failed"] += 1
            raise
        self._keep(row(measured=measured))
        self.meta["trials_done"] = seq + 1
        self.meta["trials_failed"] += measured.status != 200
        self.took.setdefault(c, []).append(time.monotonic() - t0)
        self.bar.update()

    def more(self, configs: Sequence[Config]) -> None:
        """One more measured trial of each of ``configs``, in their order (the stopping rule's round)."""
        self.bar.total += len(configs)
        counts = self.measured()
        for c in configs:
            self.trial(Step(counts.get(c, 0), False, c))

    def _keep(self, row: TrialRow) -> None:
        self.run.append(row)
        self.rows.append(row)

    def measured(self) -> dict[Config, int]:
        """Measured trials (warm-ups aside) per configuration so far."""
        out: dict[Config, int] = {}
        for r in self.rows:
            if not r.warmup:
                c = _config_of(r)
                out[c] = out.get(c, 0) + 1
        return out


def _config_of(row: TrialRow) -> Config:
    """The configuration a trial row measured."""
    return Config(
        row.framework,
        row.mode,
        row.workload,
        row.strategy,
        row.n,
        row.size,
        row.endpoint,
        row.variant,
        row.back_to_back,
        row.python,
        row.clients,
    )


def probes(repeats: dict[Config, int], warm: set[Config]) -> dict[ServerKey, Config]:
    """Each server's probe: of the configurations it serves that the warm-up visits, the one
    with the most measured repeats (the first in ``repeats``' order among equals), whose times
    the steady-state detector reads. The ideal has no server, and no probe."""
    out: dict[ServerKey, Config] = {}
    for c, k in repeats.items():
        if c.framework == IDEAL or c not in warm:
            continue
        key = _server_key(c)
        if key not in out or k > repeats[out[key]]:
            out[key] = c
    return out


def _warm_until_steady(
    m: _Measuring, probe: dict[ServerKey, Config], *, preset: Preset, rng: random.Random
) -> list[WarmupRecord]:
    """After a block's warm-up rounds: while some server's probe times (this block's warm-up
    trials of it) still drift (:func:`bench.instrument.steady.steadiness`), one more warm-up trial of
    each such server's probe, in a shuffled order; until every one is steady, has
    ``preset.warmup_max`` warm-up trials of its probe, or ``preset.warmup_budget_s`` is
    spent. Returns, per server, what its warm-up took and whether it reached a steady state."""
    mine = [r for r in m.rows if r.block == m.block and r.warmup]
    times = {k: [r.measured.client_wall_s for r in mine if _config_of(r) == c] for k, c in probe.items()}
    started = time.monotonic()
    while preset.warmup_max > preset.warmup and time.monotonic() - started < preset.warmup_budget_s:
        drifting = [
            k for k, c in probe.items() if not steadiness(times[k]).steady and len(times[k]) < preset.warmup_max
        ]
        if not drifting:
            break
        rng.shuffle(drifting)
        m.bar.total += len(drifting)
        for k in drifting:
            m.trial(Step(len(times[k]), True, probe[k]))
            times[k].append(m.rows[-1].measured.client_wall_s)
    took = [r for r in m.rows if r.block == m.block and r.warmup]
    out: list[WarmupRecord] = []
    for k, c in probe.items():
        said = steadiness(times[k])
        out.append(
            WarmupRecord(
                block=m.block,
                framework=k[0],
                mode=k[1],
                variant=k[2],
                python=k[3],
                probe=c.label,
                warmup_trials=sum(1 for r in took if _server_key(_config_of(r)) == k),
                probe_trials=len(times[k]),
                steady=said.steady,
                change=None if said.change != said.change else round(said.change, 4),
            )
        )
    return out


@contextmanager
def recorded(out: Path | str, name: str, kind: RunKind) -> Iterator[tuple[Run, RunMeta]]:
    """A run's start and stop, for every kind of run: a new folder under ``out`` named after
    ``name``, its meta.json written at once with the environment (:func:`bench.instrument.environment.collect`);
    yields the run and its meta, which the caller fills in and writes as it goes. On leaving,
    meta.json says ``completed``, or ``interrupted`` (Ctrl-C, a notebook kernel's interrupt,
    re-raised), and when it ended, whatever ended it."""
    described, start = machine_state.check(environment.collect)
    said = machine_state.warning(start)
    if said:
        print(said, file=sys.stderr, flush=True)
    run = Run.create(out, name)
    meta = run.new_meta(kind, described)
    run.write_meta(meta)
    sampler = machine_state.Sampler(start)
    try:
        with sampler:
            yield run, meta
        meta["completed"] = True
    except KeyboardInterrupt:
        meta["interrupted"] = True
        raise
    finally:
        meta["machine_state"] = sampler.state()
        meta["ended_at"] = now()
        run.write_meta(meta)


def measure_preset(
    preset: Preset,
    out: Path | str = DEFAULT_ROOT,
    *,
    judge: Judge,
    seed: int | None = None,
    progress: Progress = True,
    on_start: Callable[[Run], None] | None = None,
) -> Run:
    """Run ``preset``, made concrete for this machine (:func:`bench.instrument.presets.resolve`), into a
    new run folder under ``out`` and return it; ValueError if it is not concrete yet.

    Trials are appended as they finish; meta.json says whether the run completed. After the
    scheduled rounds the stopping rule (:func:`bench.instrument.stopping.added_rounds`), given ``judge``
    (of this preset's targets), adds rounds for figures not yet at their targets, within the
    preset's budget; meta.json says how it stopped. Every trial started gets its row: one
    that fails (a timeout, a server that died, a fault in the measuring itself) is kept with
    status 0 and the reason, and the run goes on. An interrupt (Ctrl-C, a notebook kernel's
    interrupt) keeps the trial in flight as failed, stops the servers, marks meta.json
    ``interrupted`` and is re-raised.
    """
    if preset.size is None or any(g.over_n for g in preset.grids):
        raise ValueError(f"preset {preset.name!r} is not concrete yet: resolve() it first")
    size = preset.size
    seed = secrets.randbits(32) if seed is None else seed
    repeats = preset.repeats_of()
    configs = list(repeats)
    for p in sorted({c.python for c in configs}):  # refused before any folder is made
        python_path(p)
    rng = random.Random(seed)
    warm = preset.warm()
    blocks = [
        schedule(repeats, repeats=preset.repeats, warmup=preset.warmup, seed=rng.randrange(2**32), warm=warm)
        for _ in range(preset.blocks)
    ]
    with recorded(out, preset.name, "trials") as (run, meta):
        meta.update(
            {
                "preset": preset.to_dict(),
                "seed": seed,
                "configs": [c.to_dict() for c in configs],
                "trials_planned": sum(len(steps) for steps in blocks),
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
                "servers": [],
                "warmup": [],
            }
        )
        run.write_meta(meta)
        if on_start is not None:
            on_start(run)
        with ExitStack() as stack:
            runners = stack.enter_context(_ideal_runners(configs))
            needs_pool = any(c.framework == IDEAL and c.strategy == "processes" and not c.python for c in configs)
            ideal_pool = stack.enter_context(_ideal_pool()) if needs_pool else None
            meta["client_pid"] = os.getpid()
            total = sum(len(steps) for steps in blocks)
            bar = stack.enter_context(progress_bar(progress, total=total, unit="trial", desc=f"{preset.name} run"))
            m = _Measuring(run, meta, preset, {}, ideal_pool, runners, bar)
            started = time.monotonic()  # the budget counts from when the first block's servers are up
            for block, steps in enumerate(blocks):
                with ExitStack() as serving:  # each block's servers are its own
                    m.block = block
                    m.servers = _start_servers(serving, configs, size=size, progress=progress)
                    meta["servers"] += [_server_record(k, s, block) for k, s in m.servers.items()]
                    started = time.monotonic() if block == 0 else started
                    run.write_meta(meta)
                    for step in (s for s in steps if s.warmup):
                        m.trial(step)
                    meta["warmup"] += _warm_until_steady(m, probes(repeats, warm), preset=preset, rng=rng)
                    for step in (s for s in steps if not s.warmup):
                        m.trial(step)
                    if block == preset.blocks - 1:
                        meta["stopping"] = added_rounds(m, judge, preset=preset, rng=rng, started=started)
            meta["trials_planned"] = len(m.rows)  # the scheduled rounds and those the stopping rule added
    return run
