"""The trials of ``bench advise``: every row, in rounds interleaved in a shuffled order.

A :class:`Bench` holds what the rows run on, started on entering and stopped on leaving,
whatever ends it: the function (:data:`~bench.instrument.traits.NAME`) and a call that does
nothing (:data:`~bench.instrument.traits.NOOP`, whose trials are each row's overhead)
registered in this process; a process pool of one worker per usable core for ``processes``
(its start timed); the runner of another Python for ``threads`` under it (``--python``, by
default the free-threaded one ``make freethreaded`` made), with both registered there; and
with ``served``, Flask and FastAPI in processes of their own with both registered at their
start (``python -m servers FRAMEWORK --workload NAME=MODULE:FUNCTION``).

Each trial is one of the project's trials (:func:`bench.instrument.trial.measure`): the n calls
in this process as the ideal runs them, in the runner, or one request to a server's ``/run``;
before each, the bench waits until every process and thread it started is idle, as a run
does. Rounds visit every row once, in an order shuffled from a recorded seed
(:func:`bench.instrument.lifecycle.schedule`), after a round of warm-up that is not kept.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass, field
from typing import Any

from bench.instrument.lifecycle import schedule
from bench.instrument.traits import NAME, NOOP, NOOP_SPEC, Spans, Subject, in_process, in_runner
from bench.instrument.trial import measure, wait_until_quiet
from bench.vocabulary.advice_records import IN_PROCESS, STRATEGIES
from bench.vocabulary.config import FREE_THREADED, IDEAL, Config
from bench.vocabulary.config import IN_PROCESS as IDEAL_MODE
from bench.vocabulary.records import Measurement
from servers import harness

#: The frameworks ``--served`` measures through: the article's two.
SERVED = harness.ARTICLE_FRAMEWORKS
#: Longest wait for one trial's answer, and for a server to start (its pool's workers too).
TRIAL_TIMEOUT_S = 600.0
START_TIMEOUT_S = 90.0


class TrialFailed(RuntimeError):
    """A trial of a row did not measure: the function raised, or a server refused it."""


@dataclass(frozen=True)
class Row:
    """One way of running the n calls that the bench measures: a strategy, and where."""

    name: str
    strategy: str
    where: str
    #: The framework that serves it ("" in a process with no server), and the Python it runs
    #: under ("" this one; :data:`~bench.vocabulary.config.FREE_THREADED` the runner's).
    framework: str = ""
    python: str = ""

    def config(self, workload: str, n: int) -> Config:
        """The trial's configuration for n calls of ``workload``."""
        if self.framework:
            return Config(self.framework, "process", workload, self.strategy, n, 1)
        return Config(IDEAL, IDEAL_MODE, workload, self.strategy, n, 1, python=self.python)


@dataclass
class Bench:
    """What ``subject``'s rows run on (see the module's docstring): enter it to start them."""

    subject: Subject
    n: int
    #: Another Python to run ``threads`` under (None: none), and whether it was asked for: one
    #: that was not (the free-threaded Python found here) and cannot import the function leaves
    #: its row unmeasured, with why, where one asked for fails the bench.
    python: str | None = None
    python_asked: bool = True
    served: bool = False
    rows: list[Row] = field(default_factory=list)
    #: The rows that cannot be measured, each with why.
    unmeasured: dict[str, str] = field(default_factory=dict)
    pool_start_s: float = float("nan")
    #: What the other Python says of itself (its interpreter, whether its GIL is on).
    other_said: dict[str, Any] = field(default_factory=dict)
    _stack: ExitStack = field(default_factory=ExitStack)
    _pool: harness.TaskPool | None = None
    _runner: harness.IdealRunner | None = None
    _servers: dict[str, harness.Server] = field(default_factory=dict)

    @property
    def workers(self) -> int:
        return self._pool.workers if self._pool else 1

    def __enter__(self) -> Bench:
        try:
            self._start()
        except BaseException:
            self._stack.close()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self._stack.close()

    def _start(self) -> None:
        w = self.subject.workload
        harness.register_made(w)
        self._stack.callback(harness.unregister_own, NAME)
        harness.register_own(int, name=NOOP)
        self._stack.callback(harness.unregister_own, NOOP)
        self.rows = [Row(s, s, IN_PROCESS) for s in STRATEGIES]
        if w.unsendable:
            self.rows = [r for r in self.rows if r.strategy != "processes"]
            self.unmeasured["processes"] = f"it cannot be sent to a process ({w.unsendable})"
        pool = harness.TaskPool()
        t0 = time.perf_counter()
        self._pool = pool.start()
        self.pool_start_s = time.perf_counter() - t0
        self._stack.callback(pool.shutdown)
        if self.python:
            self._start_runner(self.python)
        if self.served:
            self._start_servers()

    def _start_runner(self, python: str) -> None:
        label = "threads, another Python"
        if not self.subject.portable:
            self.unmeasured[label] = "another Python imports a function by MODULE:FUNCTION, and this one has none"
            return
        runner = harness.IdealRunner(python).start()
        self._stack.callback(runner.stop)
        try:
            self.other_said = runner.register(f"{NAME}={self.subject.spec}", args=self.subject.args)
        except RuntimeError as e:
            if self.python_asked:
                raise
            self.unmeasured[label] = f"{python} could not make it ({str(e).splitlines()[0]})"
            return
        runner.register(NOOP_SPEC)
        self._runner = runner
        free = str(self.other_said.get("interpreter", "")).endswith("free-threading")
        gil = "on" if self.other_said.get("gil_enabled", True) else "off"
        name = "threads, free-threaded" if free and gil == "off" else f"threads, {self.other_said['interpreter']}"
        self.rows.append(Row(name, "threads", python, python=FREE_THREADED))

    def _start_servers(self) -> None:
        if not self.subject.portable:
            raise harness.SpecError(
                "--served needs a function a server can import (MODULE:FUNCTION, with JSON arguments); "
                f"{self.subject.label} is not one"
            )
        args = {NAME: self.subject.args} if self.subject.args else {}
        specs = (f"{NAME}={self.subject.spec}", NOOP_SPEC)
        servers = {
            f: harness.serve(f, "process", workload=specs, workload_args=args, timeout=START_TIMEOUT_S) for f in SERVED
        }
        for s in servers.values():
            self._stack.callback(s.stop)
        with ThreadPoolExecutor(len(servers), thread_name_prefix="advise-start") as starting:
            for started in [starting.submit(s.start) for s in servers.values()]:
                started.result()
        self._servers = servers
        self.rows += [Row(f"{f} {s}", s, f, framework=f) for f in SERVED for s in STRATEGIES]

    def spans_here(self) -> Spans:
        """The spans of n calls of the function with a strategy in this process (and its pool)."""
        return in_process(NAME, self._pool)

    def spans_there(self) -> Spans | None:
        """The same in the other Python's runner (None: there is none)."""
        return in_runner(self._runner, NAME) if self._runner else None

    def trial(self, row: Row, workload: str) -> Measurement:
        """One trial of ``row`` for n calls of ``workload``, once this process's tree is idle."""
        wait_until_quiet(os.getpid())
        server = self._servers.get(row.framework)
        runner = self._runner if row.python else None
        return measure(row.config(workload, self.n), server, self._pool, TRIAL_TIMEOUT_S, runner)

    def rounds(
        self, workload: str, *, rounds: int, seed: int, warmup: int = 1, step: Callable[[], None] = lambda: None
    ) -> dict[str, list[Measurement]]:
        """``rounds`` of trials of every row for ``workload``, after ``warmup`` rounds not kept;
        each row's measurements by its name. :class:`TrialFailed` at the first trial that fails."""
        by_config = {r.config(workload, self.n): r for r in self.rows}
        found: dict[str, list[Measurement]] = {r.name: [] for r in self.rows}
        for s in schedule(list(by_config), repeats=rounds, warmup=warmup, seed=seed):
            row = by_config[s.config]
            m = self.trial(row, workload)
            if m.status != 200 or m.error:
                raise TrialFailed(f"failed in a trial of {row.name}: {m.error or m.status}")
            if not s.warmup:
                found[row.name].append(m)
            step()
        return found
