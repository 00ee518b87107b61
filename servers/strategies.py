"""How a request runs its n tasks.

A *strategy* takes a workload, n and size, runs the n tasks and returns their spans in
index order. Both framework apps use these same functions; only the framework glue around
them differs (see :mod:`servers.job`).

``gather``
    The article's: n coroutines of the workload's async form, ``asyncio.gather``-ed with
    ``return_exceptions=True``. Whether they overlap depends on the workload awaiting
    anything; the article's task never does.
``sequential``
    A plain loop over the workload's sync form.

Results are kept until all n tasks are done, in both strategies, as the article's gather
keeps them; the memory estimate (:func:`servers.memory.estimate_peak_bytes`) counts them.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any, Awaitable, Callable, Coroutine, TypeVar

from .workloads import Span, Workload, atimed, timed

T = TypeVar("T")


@dataclass(frozen=True)
class Strategy:
    """One way to run n tasks. Exactly one of ``run`` / ``arun`` is set."""

    name: str
    description: str
    run: Callable[[Workload, int, int], list[Span]] | None = None
    arun: Callable[[Workload, int, int], Awaitable[list[Span]]] | None = None

    @property
    def is_async(self) -> bool:
        return self.arun is not None

    def overlaps(self, workload: Workload) -> bool:
        """Whether several of this strategy's tasks can be alive at once for ``workload``."""
        if self.name == "gather":
            return workload.yields
        return False


def _spans(outcomes: list[Any]) -> list[Span]:
    """The spans of gathered ``(span, result)`` outcomes; re-raise the first task error."""
    for outcome in outcomes:
        if isinstance(outcome, BaseException):
            raise outcome
    return [span for span, _ in outcomes]


async def gather(workload: Workload, n: int, size: int) -> list[Span]:
    """The article's fan-out: ``asyncio.gather`` over n coroutines, exceptions returned."""
    outcomes = await asyncio.gather(
        *(atimed(workload, i, size) for i in range(n)), return_exceptions=True
    )
    return _spans(list(outcomes))


def sequential(workload: Workload, n: int, size: int) -> list[Span]:
    """A plain loop: task i+1 starts when task i has returned."""
    outcomes = [timed(workload, i, size) for i in range(n)]
    return [span for span, _ in outcomes]


def run_in_new_loop(coro: Coroutine[Any, Any, T]) -> T:
    """The article's Flask way to await from sync code: a fresh event loop per call.

    Creates a loop, runs ``coro`` to completion in it and closes it, leaving no loop set
    on the calling thread.
    """
    loop = asyncio.new_event_loop()
    try:
        asyncio.set_event_loop(loop)
        return loop.run_until_complete(coro)
    finally:
        asyncio.set_event_loop(None)
        loop.close()


GATHER = Strategy("gather", "the article's: asyncio.gather of n coroutines", arun=gather)
SEQUENTIAL = Strategy("sequential", "a plain loop, one task after another", run=sequential)

STRATEGIES: dict[str, Strategy] = {s.name: s for s in (GATHER, SEQUENTIAL)}


def get(name: str) -> Strategy:
    """The strategy called ``name``; ``KeyError`` names the known ones."""
    try:
        return STRATEGIES[name]
    except KeyError:
        raise KeyError(f"unknown strategy {name!r}; known: {', '.join(STRATEGIES)}") from None
