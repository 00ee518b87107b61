"""One request's work, shared by every app: guard, run, time, and describe it.

The apps differ only in how their endpoints wait. A sync endpoint (Flask's plain view,
FastAPI's ``def`` endpoint on Starlette's threadpool, Quart's ``def`` view, Litestar's
``def`` handler on a thread or on its loop) calls :meth:`Job.run_blocking`: an async-only
strategy then gets a fresh event loop, as in the article's Flask view (on a helper thread
where the calling thread runs a loop already). An async endpoint (the ASGI frameworks'
``async def``, Flask's ``async def`` view) awaits
:meth:`Job.run_on_loop`: an async strategy runs on the endpoint's loop, as in the article's
FastAPI endpoint, and a sync-only one runs inline, blocking that loop.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from typing import Any

from . import interpreter, memory, strategies, workloads, worktime
from .names import Endpoint
from .params import RequestError, RunParams
from .pool import TaskPool
from .workloads import Span


@dataclass
class Job:
    """A validated request ready to run."""

    framework: str
    params: RunParams
    endpoint: Endpoint
    pool: TaskPool | None = None
    #: Async endpoints only: let the event loop turn once after the work, so that the
    #: gathered tasks, and the results they hold, are freed before the answer is sent (as
    #: they are when Flask closes its own loop). Off by default, as in the article.
    settle: bool = False
    workload: workloads.Workload = field(init=False)
    strategy: strategies.Strategy = field(init=False)
    estimate: int = field(init=False)
    work_s: float = field(init=False)

    def __post_init__(self) -> None:
        """Raises a 422 :class:`RequestError` when the request's estimated work is over the
        limit (see :mod:`servers.worktime`), or when it asks the process pool for a function of
        one's own that cannot be sent there; its memory is checked when it runs."""
        p = self.params
        self.workload = workloads.get(p.workload)
        self.strategy = strategies.get(p.strategy)
        if self.strategy.out_of_process and self.workload.unsendable:
            raise RequestError(
                422,
                "not_sendable",
                f"workload {p.workload!r} cannot be sent to the process pool's workers "
                f"({self.workload.unsendable}); the other strategies run it in this process",
                "strategy",
            )
        try:
            self.work_s = worktime.check(self.workload, p.n, p.size)
        except worktime.WorkRefused as e:
            raise RequestError(422, "work_limit", str(e)) from e
        workers = self.pool.workers if self.pool is not None else None
        self.estimate = memory.estimate_peak_bytes(self.workload, self.strategy, n=p.n, size=p.size, workers=workers)
        self.context = strategies.Context(pool=self.pool, blas_threads=p.blas_threads)

    def _finish(self, spans: list[Span], wall0: float, cpu0: float) -> dict[str, Any]:
        p = self.params
        return {
            "framework": self.framework,
            "endpoint": self.endpoint,
            "workload": p.workload,
            "strategy": p.strategy,
            "n": p.n,
            "size": p.size,
            "blas_threads": p.blas_threads,
            # What the tasks could run on: the app's process pool (its size, whether or not
            # this strategy used it) and the threads this strategy started (0: none).
            "pool_workers": self.pool.workers if self.pool is not None else None,
            "task_threads": strategies.task_threads(self.strategy, p.n),
            "pid": os.getpid(),
            "tasks": [s.to_dict() for s in spans],
            "parallelism": workloads.parallelism(spans),
            "overlap": workloads.overlap(spans),
            "server": {
                "wall_s": time.perf_counter() - wall0,
                "cpu_s": time.process_time() - cpu0,
                "estimated_peak_bytes": self.estimate,
                "estimated_work_s": self.work_s,
                **interpreter.report(),
            },
        }

    @staticmethod
    def _worker_died(e: BrokenProcessPool, recovered: bool) -> RequestError:
        return RequestError(
            503,
            "pool_worker_died",
            f"a worker process of the task pool died while this request's tasks ran ({e}); "
            + ("the pool was restarted" if recovered else "the pool is whole again")
            + ": try again",
        )

    def run_blocking(self) -> dict[str, Any]:
        """Run on this thread (a sync endpoint)."""
        p = self.params
        with _admitted(self.estimate):
            wall0, cpu0 = time.perf_counter(), time.process_time()
            try:
                spans = strategies.run_blocking(self.strategy, self.workload, p.n, p.size, self.context)
            except BrokenProcessPool as e:  # 503 for this request; the next finds a whole pool
                raise self._worker_died(e, self.pool.recover() if self.pool else False) from e
            return self._finish(spans, wall0, cpu0)

    async def run_on_loop(self) -> dict[str, Any]:
        """Run on the running event loop (an async endpoint)."""
        p = self.params
        with _admitted(self.estimate):
            wall0, cpu0 = time.perf_counter(), time.process_time()
            try:
                spans = await strategies.run_awaiting(self.strategy, self.workload, p.n, p.size, self.context)
            except BrokenProcessPool as e:  # restarting the pool must not block this loop
                recovered = False
                if self.pool is not None:  # on a thread of its own, joined: none left behind
                    with ThreadPoolExecutor(1, thread_name_prefix="pool-recover") as helper:
                        recovered = await asyncio.get_running_loop().run_in_executor(helper, self.pool.recover)
                raise self._worker_died(e, recovered) from e
            if self.settle:
                await asyncio.sleep(0)  # the finished tasks let go of their results on this turn
            return self._finish(spans, wall0, cpu0)


@contextmanager
def _admitted(estimate: int) -> Iterator[None]:
    """``memory.reserve`` whose refusal is a 422 :class:`RequestError`."""
    with ExitStack() as stack:
        try:
            stack.enter_context(memory.reserve(estimate))
        except memory.MemoryRefused as e:
            raise RequestError(422, "memory_limit", str(e)) from e
        yield


def ping(framework: str) -> dict[str, Any]:
    """The tiny ``GET /ping`` answer: the serving process and its interpreter (see
    :func:`servers.interpreter.report`)."""
    return {"message": "pong", "framework": framework, "pid": os.getpid(), **interpreter.report()}


def internal_error(e: BaseException) -> RequestError:
    """The JSON 500 every app answers for an exception nothing else handled (a bug)."""
    return RequestError(500, "internal_error", f"the server failed on this request: {type(e).__name__}: {e}")


def http_error(status: int, name: str, description: str, path: str) -> RequestError:
    """The JSON error for an HTTP error the framework raised itself (no route, wrong method)."""
    if status == 404:
        return not_found(path)
    return RequestError(status, name.lower().replace(" ", "_") or "error", description or name)


def not_found(path: str) -> RequestError:
    return RequestError(
        404, "not_found", f"no route {path}; try /ping, /run, /run/sync, /run/async or the article's route"
    )
