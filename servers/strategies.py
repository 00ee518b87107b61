"""How a request runs its n tasks.

A *strategy* takes a workload, n and size (and a :class:`Context`: the app's process pool,
the BLAS threads per task), runs the n tasks and returns their spans in index order. Both
framework apps use these same functions; only the framework glue around them differs (see
:mod:`servers.job`). A strategy has a sync form, an async form, or both: a sync endpoint
uses the sync form if there is one (else the async form in a new event loop, as the
article's Flask view does); an async endpoint awaits the async form if there is one (else
runs the sync form inline, blocking the event loop).

``gather``
    The article's: n coroutines of the workload's async form, ``asyncio.gather``-ed with
    ``return_exceptions=True``. They overlap only if the workload awaits something
    (``sleep``); CPU work in a coroutine runs one task after another.
``sequential``
    A plain loop over the workload's sync form.
``threads``
    The sync form on n threads of a pool made for the request (``ThreadPoolExecutor``; in
    an async endpoint, awaited through ``loop.run_in_executor``). Overlaps whatever
    releases the GIL: BLAS, sleeps, I/O.
``processes``
    The sync form on the app's process pool (:class:`servers.pool.TaskPool`, one worker per
    core); only spans come back. Overlaps anything, up to one task per worker.

Results are kept until all n tasks are done in ``gather``, ``sequential`` and ``threads``,
as the article's gather keeps them; the memory estimate
(:func:`servers.memory.estimate_peak_bytes`) counts them.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any, TypeVar

from . import blas
from .pool import TaskPool
from .workloads import Span, Workload, atimed, timed

T = TypeVar("T")


@dataclass
class Context:
    """What a strategy may use besides the tasks: the app's process pool, BLAS threads."""

    pool: TaskPool | None = None
    blas_threads: int = blas.DEFAULT_THREADS


SyncRun = Callable[[Workload, int, int, Context], list[Span]]
AsyncRun = Callable[[Workload, int, int, Context], Coroutine[Any, Any, list[Span]]]


@dataclass(frozen=True)
class Strategy:
    """One way to run n tasks, with a sync form, an async form, or both."""

    name: str
    description: str
    run: SyncRun | None = None
    arun: AsyncRun | None = None
    #: Whether several tasks can be alive at once whatever the workload does.
    concurrent: bool = False
    #: Whether the tasks leave this process (so their memory is the workers', not ours).
    out_of_process: bool = False

    def overlaps(self, workload: Workload) -> bool:
        """Whether several of this strategy's tasks can be alive at once for ``workload``."""
        return self.concurrent or (self.name == "gather" and workload.yields)


def pinned(workload: Workload, ctx: Context) -> AbstractContextManager[Any]:
    """BLAS threads pinned to ``ctx.blas_threads`` if the workload uses BLAS, else nothing."""
    return blas.pinned(ctx.blas_threads, workload.uses_blas)


def _spans(outcomes: list[Any]) -> list[Span]:
    """The spans of ``(span, result)`` outcomes; re-raise the first task error."""
    for outcome in outcomes:
        if isinstance(outcome, BaseException):
            raise outcome
    return [span for span, _ in outcomes]


async def gather(workload: Workload, n: int, size: int, ctx: Context) -> list[Span]:
    """The article's fan-out: ``asyncio.gather`` over n coroutines, exceptions returned."""
    with pinned(workload, ctx):
        outcomes = await asyncio.gather(*(atimed(workload, i, size) for i in range(n)), return_exceptions=True)
    return _spans(list(outcomes))


def sequential(workload: Workload, n: int, size: int, ctx: Context) -> list[Span]:
    """A plain loop: task i+1 starts when task i has returned."""
    with pinned(workload, ctx):
        return _spans([timed(workload, i, size) for i in range(n)])


def threads(workload: Workload, n: int, size: int, ctx: Context) -> list[Span]:
    """n threads, one task each; blocks until all are done."""
    with pinned(workload, ctx), ThreadPoolExecutor(n, thread_name_prefix="task") as ex:
        futures = [ex.submit(timed, workload, i, size) for i in range(n)]
        return _spans([f.result() for f in futures])


async def athreads(workload: Workload, n: int, size: int, ctx: Context) -> list[Span]:
    """n threads, one task each, awaited with ``run_in_executor`` (the loop stays free)."""
    loop = asyncio.get_running_loop()
    with pinned(workload, ctx), ThreadPoolExecutor(n, thread_name_prefix="task") as ex:
        outcomes = await asyncio.gather(*(loop.run_in_executor(ex, timed, workload, i, size) for i in range(n)))
    return _spans(list(outcomes))


def _pool(ctx: Context) -> TaskPool:
    if ctx.pool is None:
        raise RuntimeError("the processes strategy needs the app's process pool in its Context")
    return ctx.pool


def processes(workload: Workload, n: int, size: int, ctx: Context) -> list[Span]:
    """n tasks on the app's worker processes; blocks until all are done."""
    return _pool(ctx).run(workload.name, n=n, size=size, blas_threads=ctx.blas_threads)


async def aprocesses(workload: Workload, n: int, size: int, ctx: Context) -> list[Span]:
    """n tasks on the app's worker processes, awaited (the loop stays free)."""
    return await _pool(ctx).arun(workload.name, n=n, size=size, blas_threads=ctx.blas_threads)


def run_in_new_loop(coro: Coroutine[Any, Any, T]) -> T:
    """The article's Flask way to await from sync code: a fresh event loop per call.

    Creates a loop, runs ``coro`` to completion in it and closes it, leaving no loop set
    on the calling thread. Where the calling thread already runs a loop (a Jupyter kernel's
    main thread), the fresh loop runs on a helper thread instead, joined before returning.
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        pass
    else:
        with ThreadPoolExecutor(1, thread_name_prefix="new-loop") as helper:
            return helper.submit(lambda: run_in_new_loop(coro)).result()
    loop = asyncio.new_event_loop()
    try:
        asyncio.set_event_loop(loop)
        return loop.run_until_complete(coro)
    finally:
        asyncio.set_event_loop(None)
        loop.close()


def run_blocking(strategy: Strategy, workload: Workload, n: int, size: int, ctx: Context) -> list[Span]:
    """Run from sync code: the sync form, or the async form in a new event loop."""
    if strategy.run is not None:
        return strategy.run(workload, n, size, ctx)
    assert strategy.arun is not None
    return run_in_new_loop(strategy.arun(workload, n, size, ctx))


async def run_awaiting(strategy: Strategy, workload: Workload, n: int, size: int, ctx: Context) -> list[Span]:
    """Run from a coroutine: await the async form, or run the sync form inline (blocking)."""
    if strategy.arun is not None:
        return await strategy.arun(workload, n, size, ctx)
    assert strategy.run is not None
    return strategy.run(workload, n, size, ctx)


GATHER = Strategy("gather", "the article's: asyncio.gather of n coroutines", arun=gather)
SEQUENTIAL = Strategy("sequential", "a plain loop, one task after another", run=sequential)
THREADS = Strategy(
    "threads", "n threads (ThreadPoolExecutor / run_in_executor)", run=threads, arun=athreads, concurrent=True
)
PROCESSES = Strategy(
    "processes",
    "the app's process pool, one worker per core",
    run=processes,
    arun=aprocesses,
    concurrent=True,
    out_of_process=True,
)

STRATEGIES: dict[str, Strategy] = {s.name: s for s in (GATHER, SEQUENTIAL, THREADS, PROCESSES)}


def task_threads(strategy: Strategy, n: int) -> int:
    """The threads ``strategy`` starts for n tasks (one each for ``threads``; else none)."""
    return n if strategy.name == "threads" else 0


def get(name: str) -> Strategy:
    """The strategy called ``name``; ``KeyError`` names the known ones."""
    try:
        return STRATEGIES[name]
    except KeyError:
        raise KeyError(f"unknown strategy {name!r}; known: {', '.join(STRATEGIES)}") from None
