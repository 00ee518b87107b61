"""One request's work, shared by both apps: guard, run, time, and describe it.

The apps differ only in how they wait: Flask's sync views call :meth:`Job.run_blocking`
(an async strategy gets a fresh event loop, as in the article's Flask view); FastAPI's
``async def`` endpoints await :meth:`Job.run_on_loop` (an async strategy runs on the
server's own loop, as in the article's FastAPI endpoint; a sync one runs inline).
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from typing import Any

from . import memory, strategies, workloads
from .params import RequestError, RunParams
from .workloads import Span


@dataclass
class Job:
    """A validated request ready to run; ``result`` is filled by a run method."""

    framework: str
    params: RunParams
    workload: workloads.Workload = field(init=False)
    strategy: strategies.Strategy = field(init=False)
    estimate: int = field(init=False)
    result: dict[str, Any] | None = field(default=None, init=False)

    def __post_init__(self) -> None:
        self.workload = workloads.get(self.params.workload)
        self.strategy = strategies.get(self.params.strategy)
        self.estimate = memory.estimate_peak_bytes(
            self.workload, self.strategy, self.params.n, self.params.size
        )

    def _finish(self, spans: list[Span], wall0: float, cpu0: float) -> dict[str, Any]:
        p = self.params
        self.result = {
            "framework": self.framework,
            "workload": p.workload,
            "strategy": p.strategy,
            "n": p.n,
            "size": p.size,
            "pid": os.getpid(),
            "tasks": [s.to_dict() for s in spans],
            "parallelism": workloads.parallelism(spans),
            "server": {
                "wall_s": time.perf_counter() - wall0,
                "cpu_s": time.process_time() - cpu0,
                "estimated_peak_bytes": self.estimate,
            },
        }
        return self.result

    def run_blocking(self) -> dict[str, Any]:
        """Run on this thread; an async strategy gets a new event loop (Flask's way)."""
        p = self.params
        with _admitted(self.estimate):
            wall0, cpu0 = time.perf_counter(), time.process_time()
            if self.strategy.is_async:
                assert self.strategy.arun is not None
                spans = strategies.run_in_new_loop(self.strategy.arun(self.workload, p.n, p.size))
            else:
                assert self.strategy.run is not None
                spans = self.strategy.run(self.workload, p.n, p.size)
            return self._finish(spans, wall0, cpu0)

    async def run_on_loop(self) -> dict[str, Any]:
        """Run on the running event loop; a sync strategy runs inline and blocks it."""
        p = self.params
        with _admitted(self.estimate):
            wall0, cpu0 = time.perf_counter(), time.process_time()
            if self.strategy.is_async:
                assert self.strategy.arun is not None
                spans = await self.strategy.arun(self.workload, p.n, p.size)
            else:
                assert self.strategy.run is not None
                spans = self.strategy.run(self.workload, p.n, p.size)
            return self._finish(spans, wall0, cpu0)


class _admitted:
    """``memory.reserve`` whose refusal is a 422 :class:`RequestError`."""

    def __init__(self, estimate: int) -> None:
        self._cm = memory.reserve(estimate)

    def __enter__(self) -> None:
        try:
            self._cm.__enter__()
        except memory.MemoryRefused as e:
            raise RequestError(422, "memory_limit", str(e)) from e

    def __exit__(self, *exc: object) -> None:
        self._cm.__exit__(*exc)


def ping(framework: str) -> dict[str, Any]:
    """The tiny ``GET /ping`` answer."""
    return {"message": "pong", "framework": framework, "pid": os.getpid()}


def not_found(path: str) -> RequestError:
    return RequestError(404, "not_found", f"no route {path}; try /ping, /run or the article's route")
