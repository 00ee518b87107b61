"""What one call of a function does on this machine: its traits (:class:`~bench.vocabulary.advice_records.Traits`).

A function to advise on is a :class:`Subject`: a workload of one's own (:mod:`servers.own`,
through :mod:`servers.harness`) registered as :data:`NAME` in this process, so that the
strategies, the process pool and the trials run it as they run the built-in workloads; with
the ``MODULE:FUNCTION`` and JSON arguments by which another process (a server, the runner of
another Python) can make it too, where it has them.

Traits are measured through the strategies themselves, as the trials will run the calls: one
after another with one call (on the calling thread), ``threads`` with one call and with two
(fresh threads), ``processes`` with one and two (a pool's workers), in turn, a few times, each
from the tasks' spans (wall time, and the CPU of the thread that ran it). Under another
Python the same requests, but for ``processes``, go to its runner. A coroutine function is also
run on an event loop with each of its steps timed: the rest of its time is awaiting. Its result
is pickled, and the workload unpickled as a pool's worker does per task.
"""

from __future__ import annotations

import asyncio
import json
import math
import pickle
import sys
import time
from collections.abc import Callable, Coroutine, Generator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np

from bench.vocabulary.advice_records import Traits
from servers import harness

#: The name the function is registered under, here and in every process that runs it.
NAME = "advised"
#: A call that does nothing, registered beside it: its trials are each row's overhead.
NOOP = "advise-noop"
NOOP_SPEC = f"{NOOP}=builtins:int"
#: Calls of each kind measured (the median kept) ...
REPEATS = 7
#: ... fewer once this many seconds have gone into them, but never fewer than:
LEAST_REPEATS = 3
BUDGET_S = 8.0

#: The tasks' spans of n calls with a strategy: in this process, or in another Python's runner.
Spans = Callable[[str, int], list[dict[str, Any]]]


@dataclass(frozen=True)
class Subject:
    """A function to advise on: what it is called (``label``), its workload in this process,
    and, where another process can make it, its ``MODULE:FUNCTION`` (``spec``) and arguments
    (``args``, JSON; "" for none)."""

    label: str
    workload: harness.OwnWorkload
    spec: str = ""
    args: str = ""

    @property
    def portable(self) -> bool:
        """Whether another process can make it: a server, the runner of another Python."""
        return bool(self.spec)


def from_spec(target: str, args: str = "") -> Subject:
    """The function ``MODULE:FUNCTION`` names, called with ``args`` (a JSON list or object),
    made and measured once, not yet registered; :class:`servers.harness.SpecError` in one line
    for each way it can fail (no module, no such function, not callable, a call that raises)."""
    if "=" in target or ":" not in target:
        raise harness.SpecError(f"{target!r} is not MODULE:FUNCTION (for example: examples.tasks:crunch)")
    w = harness.own_from_spec(f"{NAME}={target}", args=args)
    return Subject(label=target, workload=w, spec=target, args=args)


def from_callable(fn: Any, *, args: Sequence[Any] = (), kwargs: Mapping[str, Any] | None = None) -> Subject:
    """``fn`` called with ``args`` and ``kwargs``, made, measured once and registered; its spec
    where its module holds it under its name and the arguments are JSON (a function defined in
    a notebook has none: it runs in this process and, pickled by value, in its process pool)."""
    w = harness.register_own(fn, name=NAME, args=args, kwargs=dict(kwargs or {}))
    label = getattr(fn, "__qualname__", repr(fn))
    spec, given = _spec_of(fn), _json_args(args, kwargs or {})
    return Subject(label=spec or label, workload=w, spec=spec if given is not None else "", args=given or "")


def _spec_of(fn: Any) -> str:
    """``MODULE:QUALNAME`` where importing it gives ``fn`` back, else ""."""
    module, qualname = getattr(fn, "__module__", None), getattr(fn, "__qualname__", "")
    if not module or module == "__main__" or "<" in qualname or module not in sys.modules:
        return ""
    found: Any = sys.modules[module]
    for part in qualname.split("."):
        found = getattr(found, part, None)
    return f"{module}:{qualname}" if found is fn else ""


def _json_args(args: Sequence[Any], kwargs: Mapping[str, Any]) -> str | None:
    """The arguments as ``--workload-args`` takes them (a list or an object, not both), or None."""
    if args and kwargs:
        return None
    try:
        return json.dumps(dict(kwargs)) if kwargs else (json.dumps(list(args)) if args else "")
    except (TypeError, ValueError):
        return None


def in_process(name: str = NAME, pool: harness.TaskPool | None = None) -> Spans:
    """The spans of n calls of ``name`` with a strategy in this process (``processes`` on ``pool``)."""
    return lambda strategy, n: harness.run_ideal(name, strategy, n=n, size=1, pool=pool)


def in_runner(runner: harness.IdealRunner, name: str = NAME) -> Spans:
    """The spans of n calls of ``name`` with a strategy in ``runner``'s process."""
    return lambda strategy, n: list(runner.run(name, strategy, n=n, size=1)["tasks"])


def _duration(span: dict[str, Any]) -> float:
    return float(span["end"] - span["start"])


def _cpu(span: dict[str, Any]) -> float:
    return float(span["cpu_end"] - span["cpu_start"])


#: What each repeat asks for: (strategy, n), and the :class:`Traits` fields of its spans (the
#: wall and CPU of its one call, or the time from the first start to the last end of two).
_ASKED = (
    (("sequential", 1), ("wall_s", "cpu_s")),
    (("threads", 1), ("thread_wall_s", "thread_cpu_s")),
    (("threads", 2), ("two_threads_s",)),
)
_IN_PROCESSES = (
    (("processes", 1), ("process_wall_s", "process_cpu_s")),
    (("processes", 2), ("two_processes_s",)),
)


def _timed_calls(
    spans: Spans,
    *,
    processes: bool = False,
    repeats: int = REPEATS,
    budget_s: float = BUDGET_S,
    step: Callable[[], None] = lambda: None,
) -> dict[str, float]:
    """The medians of one call (its wall and CPU) one after another, on a thread and, with
    ``processes``, in a pool's worker, and of two calls on two threads (and in two workers),
    after one of each untimed (a process's first call of a function is slower); ``step`` after
    each repeat. Keys: the :class:`Traits` fields they fill, and ``repeats``."""
    asked = _ASKED + (_IN_PROCESSES if processes else ())
    for (strategy, n), _ in asked:
        spans(strategy, n)
    found: dict[str, list[float]] = {field: [] for _, fields in asked for field in fields}
    started = time.monotonic()
    for i in range(repeats):
        for (strategy, n), fields in asked:
            got = spans(strategy, n)
            said = (_duration(got[0]), _cpu(got[0])) if n == 1 else (harness.window(got),)
            for field, value in zip(fields, said, strict=True):
                found[field].append(value)
        step()
        if i + 1 >= LEAST_REPEATS and time.monotonic() - started > budget_s:
            break
    out = {k: float(np.median(v)) for k, v in found.items()}
    out["repeats"] = i + 1
    return out


class _Stepped(Coroutine[Any, Any, Any]):
    """A coroutine whose every step (each time the event loop runs it) is timed: ``running``
    is their sum; the rest of its time it was awaiting something."""

    def __init__(self, coroutine: Coroutine[Any, Any, Any]) -> None:
        self.coroutine, self.running = coroutine, 0.0

    def send(self, value: Any) -> Any:
        t0 = time.perf_counter()
        try:
            return self.coroutine.send(value)
        finally:
            self.running += time.perf_counter() - t0

    def throw(self, *error: Any) -> Any:
        t0 = time.perf_counter()
        try:
            return self.coroutine.throw(*error)
        finally:
            self.running += time.perf_counter() - t0

    def close(self) -> None:
        self.coroutine.close()

    def __await__(self) -> Generator[Any, None, Any]:
        return (yield from self.coroutine.__await__())  # not how the loop runs it: it sends


def _awaiting(w: harness.OwnWorkload, *, repeats: int) -> tuple[float, float]:
    """The median wall time of one call of ``w``'s async form on an event loop, and of the
    time it spent awaiting (its wall time less its steps'); on a thread of its own, so that a
    notebook's running loop is not in the way."""

    def once() -> tuple[float, float]:
        coroutine = w.arun(1)
        assert isinstance(coroutine, Coroutine)  # the async form of a coroutine function
        stepped = _Stepped(coroutine)
        t0 = time.perf_counter()
        asyncio.run(stepped)  # a Coroutine, run by its send()
        wall = time.perf_counter() - t0
        return wall, max(0.0, wall - stepped.running)

    with ThreadPoolExecutor(1, thread_name_prefix="advise-loop") as helper:
        helper.submit(once).result()  # untimed, as every first call
        found = [helper.submit(once).result() for _ in range(repeats)]
    return float(np.median([f[0] for f in found])), float(np.median([f[1] for f in found]))


def _fastest(action: Callable[[], Any], repeats: int = REPEATS) -> float:
    """The fastest of ``repeats`` timings of ``action`` (interference only adds time)."""
    best = math.inf
    for _ in range(repeats):
        t0 = time.perf_counter()
        action()
        best = min(best, time.perf_counter() - t0)
    return best


def _pickling(w: harness.OwnWorkload) -> dict[str, float]:
    """One call's result pickled (its size, -1 if it cannot be, and the time to pickle and
    unpickle it), and the workload as a worker receives it (its size, and unpickling it)."""
    result = w.run(1)
    try:
        data = pickle.dumps(result)
        result_bytes, result_s = len(data), _fastest(lambda: pickle.loads(pickle.dumps(result)))
    except Exception:  # noqa: BLE001 -- whatever pickle refuses: it cannot come back from a process
        result_bytes, result_s = -1, math.nan
    sent = w.portable or b""
    unpickle_s = _fastest(lambda: pickle.loads(sent)) if sent else 0.0
    return {
        "result_bytes": result_bytes,
        "result_pickle_s": result_s,
        "sent_bytes": len(sent),
        "unpickle_s": unpickle_s,
    }


def traits(subject: Subject, spans: Spans, *, said: Mapping[str, Any], here: bool = True, **timing: Any) -> Traits:
    """The traits of ``subject``'s calls made by ``spans`` (:func:`_timed_calls`), under the
    interpreter ``said`` describes (:func:`servers.harness.interpreter_report`'s keys); and,
    ``here`` (in this process, with a pool), its calls in the pool's workers (where it can be
    sent there), how a coroutine awaits and what pickling costs."""
    w = subject.workload
    calls = _timed_calls(spans, processes=here and bool(w.portable), **timing)
    repeats = int(calls.pop("repeats"))
    extra: dict[str, Any] = {}
    if here:
        extra = {**_pickling(w), "peak_bytes": w.peak, "coroutine": w.yields}
        if w.yields:
            extra["async_wall_s"], extra["await_s"] = _awaiting(w, repeats=repeats)
    return Traits(
        **calls,  # type: ignore[arg-type]  # the float fields _timed_calls fills
        **extra,
        repeats=repeats,
        interpreter=str(said.get("interpreter", "")),
        gil_enabled=bool(said.get("gil_enabled", True)),
    )
