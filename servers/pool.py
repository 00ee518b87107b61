"""A process pool for the ``processes`` strategy: created once per app, warmed, shut down.

Workers start with ``spawn``: a fresh interpreter, safe to start from a process that
already runs server threads (``fork`` would copy their locks mid-use), and leaving no
helper process of its own behind (``forkserver`` would). Each task runs in a worker with
its BLAS threads pinned and sends back only its :class:`~servers.workloads.Span`, never
its result, so nothing large crosses between processes.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import pickle
import signal
import threading
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from . import blas, orphans, workloads
from .names import ENV_POOL_WORKERS
from .workloads import Span

START_METHOD = "spawn"


def _worker_init(all_started: Any) -> None:
    """Ignore Ctrl-C, import the workloads (and numpy) once per worker, then wait until
    every worker has. A Ctrl-C in a terminal reaches the whole process group: the process
    that owns the pool handles it and shuts the pool down; workers dying of it on their own
    would only break the pool under it. A worker whose owner is killed ends by itself."""
    import numpy  # noqa: F401 -- imported once per worker, before its first task, not during one

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    orphans.watch_parent(os.getppid(), lambda: os._exit(1))  # its owner was killed: nothing to keep

    all_started.wait(timeout=120)


def _task(workload: str | bytes, *, index: int, size: int, blas_threads: int) -> Span:
    """One task in a worker: a built-in workload by name, or one of one's own as pickled by value."""
    w = pickle.loads(workload) if isinstance(workload, bytes) else workloads.get(workload)
    with blas.pinned(blas_threads, w.uses_blas):
        span, _ = workloads.timed(w, index, size)
    return span  # the result stays in the worker


def _blas_probe(blas_threads: int) -> int | None:
    with blas.pinned(blas_threads, workloads.MATMUL.uses_blas):
        return blas.threads_now()


def _ready() -> int:
    return os.getpid()


class TaskPool:
    """``workers`` worker processes (default: the usable cores), started on first use."""

    def __init__(self, workers: int | None = None) -> None:
        if workers is None and os.environ.get(ENV_POOL_WORKERS, "").isdigit():
            workers = int(os.environ[ENV_POOL_WORKERS])  # set for production servers' workers
        if workers is None:
            workers = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
        self.workers: int = workers or os.cpu_count() or 1
        self._executor: ProcessPoolExecutor | None = None
        self._lock = threading.Lock()
        self.pids: list[int] = []

    @property
    def started(self) -> bool:
        return self._executor is not None

    def start(self) -> TaskPool:
        """Start every worker and wait until each has imported the workloads."""
        with self._lock:
            if self._executor is None:
                ctx = multiprocessing.get_context(START_METHOD)
                executor = ProcessPoolExecutor(
                    max_workers=self.workers,
                    mp_context=ctx,
                    initializer=_worker_init,
                    initargs=(ctx.Barrier(self.workers),),
                )
                # As many tasks in flight as workers make the executor start them all now;
                # their answers come once every worker has passed its initializer.
                for f in [executor.submit(_ready) for _ in range(self.workers)]:
                    f.result()
                self.pids = sorted(executor._processes)  # the executor's own table of its workers
                self._executor = executor
        return self

    def submit(self, workload: str, *, index: int, size: int, blas_threads: int) -> Future[Span]:
        if self._executor is None:
            self.start()
        assert self._executor is not None
        w = workloads.get(workload)
        sent: str | bytes = w.name if w.portable is None else w.portable
        return self._executor.submit(_task, sent, index=index, size=size, blas_threads=blas_threads)

    def run(self, workload: str, *, n: int, size: int, blas_threads: int) -> list[Span]:
        """Run n tasks on the workers, block until all are done; spans in index order."""
        futures = [self.submit(workload, index=i, size=size, blas_threads=blas_threads) for i in range(n)]
        return [f.result() for f in futures]

    async def arun(self, workload: str, *, n: int, size: int, blas_threads: int) -> list[Span]:
        """Like :meth:`run`, awaiting the workers without blocking the event loop (a pool
        not yet started starts on a helper thread, awaited)."""
        if not self.started:
            with ThreadPoolExecutor(1, thread_name_prefix="pool-start") as helper:
                await asyncio.get_running_loop().run_in_executor(helper, self.start)
        futures = [
            asyncio.wrap_future(self.submit(workload, index=i, size=size, blas_threads=blas_threads)) for i in range(n)
        ]
        return list(await asyncio.gather(*futures))

    def probe_blas(self, blas_threads: int) -> int | None:
        """The BLAS threads a worker has in force while a matmul task pins ``blas_threads``."""
        if self._executor is None:
            self.start()
        assert self._executor is not None
        return self._executor.submit(_blas_probe, blas_threads).result()

    def recover(self) -> bool:
        """After a worker died (:class:`BrokenProcessPool`): replace the broken executor with
        a fresh, warmed one. Returns whether it had to; safe to call from several threads."""
        with self._lock:
            executor = self._executor
            if executor is None:
                return False
            try:  # a broken executor refuses new work at once; a whole one takes it
                executor.submit(_ready).cancel()
                return False  # still whole (another request already recovered it)
            except BrokenProcessPool:
                self._executor = None
        executor.shutdown(wait=True, cancel_futures=True)  # the executor ends what is left of it
        self.start()
        return True

    def shutdown(self) -> None:
        """Stop every worker and wait for them to exit. Safe to call twice."""
        with self._lock:
            executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=True, cancel_futures=True)
        self.pids = []
